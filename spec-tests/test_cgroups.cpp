// Spec tests for linux.cgroupsPath, linux.resources, cgroup namespaces and "cgroup" mounts
// (config-linux.md "Control groups"), on whatever layout the host has: v1/hybrid here, pure
// v2 in the qemu lane (tools/v2lane.sh). Values are read back from the kernel's files, from
// the host and from inside the container.
#include "cgroups/cgroups.hpp"
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace spectest;
using nlohmann::json;

namespace {

// Mount points of every cgroup hierarchy of the host (v1 and v2).
std::vector<std::string> hierarchies() {
    std::vector<std::string> out;
    std::ifstream in("/proc/self/mounts");
    for (std::string line; std::getline(in, line);) {
        std::istringstream ls(line);
        std::string src, mp, type;
        ls >> src >> mp >> type;
        if (type == "cgroup" || type == "cgroup2") out.push_back(mp);
    }
    return out;
}

// The directory of `path` in the hierarchy that has `controller`.
std::string dir_of(const std::string& controller, const std::string& path) {
    if (pure_v2()) return "/sys/fs/cgroup" + path;
    return "/sys/fs/cgroup/" + controller + path;
}

std::string read_cg(const std::string& controller, const std::string& path,
                    const std::string& file) {
    return trimmed(read_text(dir_of(controller, path) + "/" + file));
}

// No hierarchy has a directory at `path` any more.
void require_gone(const std::string& path) {
    for (const auto& h : hierarchies()) {
        INFO(h + path);
        CHECK_FALSE(path_exists(h + path));
    }
}

// rmdir of a test's own parent directories (the runtime removes only what it made).
void rmdir_everywhere(const std::string& path) {
    for (const auto& h : hierarchies())
        ::rmdir((h + path).c_str());
}

// The lines of /proc/<pid>/cgroup.
std::vector<std::string> cgroup_lines(long pid) {
    return lines_of(read_text("/proc/" + std::to_string(pid) + "/cgroup"));
}

json cgroup_mount(const std::vector<std::string>& extra = {}) {
    json opts = {"nosuid", "noexec", "nodev", "relatime"};
    for (const auto& o : extra)
        opts.push_back(o);
    return {{"destination", "/sys/fs/cgroup"},
            {"type", "cgroup"},
            {"source", "cgroup"},
            {"options", opts}};
}

void add_cgroup_ns(Bundle& b) {
    b.config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
}

// Creates the bundle's container and returns the init's pid (from `state`).
long create_container(Bundle& b) {
    return require_create(b)["pid"].get<long>();
}

} // namespace

TEST_CASE("cgroups: the init is in /hull/<id> of every hierarchy before start; delete "
          "removes it",
          "[cgroups]") {
    Bundle b;
    b.set_args({"/bin/sh", "-c", "exit 0"});
    long pid = create_container(b);
    std::string want = "/hull/" + b.id;
    auto lines = cgroup_lines(pid);
    REQUIRE_FALSE(lines.empty());
    for (const auto& l : lines) {
        INFO(l);
        CHECK(l.size() >= want.size());
        CHECK(l.substr(l.size() - std::min(l.size(), want.size())) == want);
    }
    for (const auto& h : hierarchies())
        CHECK(path_exists(h + want));
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    RunResult d = b.remove();
    INFO(describe(d));
    REQUIRE(d.exit_code == 0);
    require_gone(want);
}

TEST_CASE("cgroups: an absolute cgroupsPath is used as is in every hierarchy", "[cgroups]") {
    Bundle b;
    std::string parent = "/hull-spec-" + std::to_string(getpid());
    std::string path = parent + "/" + b.id + "/leaf";
    b.config["linux"]["cgroupsPath"] = path;
    b.set_args({"/bin/sh", "-c", "exit 0"});
    long pid = create_container(b);
    for (const auto& l : cgroup_lines(pid)) {
        INFO(l);
        CHECK(l.substr(l.find(':', l.find(':') + 1) + 1) == path);
    }
    REQUIRE(b.remove(true).exit_code == 0);
    require_gone(path);
    rmdir_everywhere(parent + "/" + b.id);
    rmdir_everywhere(parent);
}

TEST_CASE("cgroups: a relative cgroupsPath lands below hull's own cgroup", "[cgroups]") {
    Bundle b;
    b.config["linux"]["cgroupsPath"] = "rel-" + b.id;
    b.set_args({"/bin/sh", "-c", "exit 0"});
    long pid = create_container(b);
    // Compare with our own cgroup in the memory hierarchy (or the v2 line).
    auto own_line = [](const std::vector<std::string>& lines) {
        for (const auto& l : lines)
            if (l.find(":memory:") != std::string::npos || l.rfind("0::", 0) == 0)
                return l.substr(l.find(':', l.find(':') + 1) + 1);
        return std::string("?");
    };
    std::string own = own_line(lines_of(read_text("/proc/self/cgroup")));
    std::string want = (own == "/" ? "" : own) + "/rel-" + b.id;
    CHECK(own_line(cgroup_lines(pid)) == want);
    REQUIRE(b.remove(true).exit_code == 0);
    require_gone(want);
}

TEST_CASE("cgroups: memory, pids, cpu and cpuset limits are written", "[cgroups]") {
    Bundle b;
    b.config["linux"]["resources"] = {
        {"memory", {{"limit", 64 << 20}}},
        {"pids", {{"limit", 32}}},
        {"cpu", {{"shares", 512}, {"quota", 50000}, {"period", 100000}, {"cpus", "0"}}}};
    b.set_args({"/bin/sh", "-c", "exit 0"});
    create_container(b);
    std::string path = "/hull/" + b.id;
    CHECK(read_cg("pids", path, "pids.max") == "32");
    CHECK(read_cg("cpuset", path, "cpuset.cpus") == "0");
    if (pure_v2()) {
        CHECK(read_cg("memory", path, "memory.max") == std::to_string(64 << 20));
        CHECK(read_cg("cpu", path, "cpu.max") == "50000 100000");
        CHECK(read_cg("cpu", path, "cpu.weight") ==
              std::to_string(hull::cgroups::shares_to_weight(512)));
    } else {
        CHECK(read_cg("memory", path, "memory.limit_in_bytes") == std::to_string(64 << 20));
        CHECK(read_cg("cpu", path, "cpu.shares") == "512");
        CHECK(read_cg("cpu", path, "cpu.cfs_quota_us") == "50000");
        CHECK(read_cg("cpu", path, "cpu.cfs_period_us") == "100000");
    }
    REQUIRE(b.remove(true).exit_code == 0);
    require_gone(path);
}

TEST_CASE("cgroups: pids.limit is enforced inside the container", "[cgroups]") {
    // Six background sleeps need seven processes with the shell.
    const std::string script = "for i in 1 2 3 4 5 6; do sleep 2 & done; echo all-started";
    SECTION("limit 4: forks fail") {
        Bundle b;
        b.config["linux"]["resources"] = {{"pids", {{"limit", 4}}}};
        b.set_args({"/bin/sh", "-c", script});
        RunResult r = b.run();
        INFO(describe(r));
        CHECK(r.out.find("all-started") == std::string::npos);
        CHECK(r.err.find("fork") != std::string::npos);
    }
    SECTION("limit 64: the same script runs") {
        Bundle b;
        b.config["linux"]["resources"] = {{"pids", {{"limit", 64}}}};
        b.set_args({"/bin/sh", "-c", script});
        RunResult r = b.run();
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("all-started") != std::string::npos);
    }
}

TEST_CASE("cgroups: a cgroup namespace and a cgroup mount show the container's own cgroup",
          "[cgroups]") {
    Bundle b;
    add_cgroup_ns(b);
    b.config["mounts"].push_back(cgroup_mount({"ro"}));
    b.config["linux"]["resources"] = {{"memory", {{"limit", 48 << 20}}}};
    std::string limit_file =
        pure_v2() ? "/sys/fs/cgroup/memory.max" : "/sys/fs/cgroup/memory/memory.limit_in_bytes";
    b.set_args({"/bin/sh", "-c", "cat /proc/self/cgroup; echo limit=$(cat " + limit_file + ")"});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    int cgroup_lines_seen = 0;
    for (const auto& l : lines_of(r.out)) {
        if (l.rfind("limit=", 0) == 0) {
            CHECK(l == "limit=" + std::to_string(48 << 20));
            continue;
        }
        ++cgroup_lines_seen;
        INFO(l);
        CHECK(l.substr(l.size() - 2) == ":/");
    }
    CHECK(cgroup_lines_seen >= 1);
    require_gone("/hull/" + b.id);
}

TEST_CASE("cgroups: without a cgroup namespace the cgroup mount still shows the container's "
          "cgroup",
          "[cgroups]") {
    Bundle b;
    b.config["mounts"].push_back(cgroup_mount());
    b.config["linux"]["resources"] = {{"pids", {{"limit", 77}}}};
    std::string pids_file = pure_v2() ? "/sys/fs/cgroup/pids.max" : "/sys/fs/cgroup/pids/pids.max";
    b.set_args({"/bin/sh", "-c", "cat " + pids_file});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(trimmed(r.out) == "77");
}

TEST_CASE("cgroups: device rules are applied in order after a deny-all", "[cgroups]") {
    // /dev/kmsg (c 1:11) is in no default rule; opening it for writing needs no capability.
    // mknod of any char device stays allowed (a default rule, as runc and crun do).
    Bundle b;
    json caps = b.config["process"]["capabilities"]["bounding"];
    caps.push_back("CAP_MKNOD");
    for (const char* set : {"bounding", "effective", "permitted"})
        b.config["process"]["capabilities"][set] = caps;
    b.set_args({"/bin/sh", "-c",
                "echo x > /dev/null && head -c 4 /dev/zero | wc -c; mknod /tmp/k c 1 11 && "
                "(: > /tmp/k) 2>/dev/null && echo open-ok || echo open-denied"});
    json deny_all = {{"allow", false}, {"access", "rwm"}};
    json kmsg = {{"type", "c"}, {"major", 1}, {"minor", 11}, {"access", "w"}};
    json allow_kmsg = kmsg, deny_kmsg = kmsg;
    allow_kmsg["allow"] = true;
    deny_kmsg["allow"] = false;
    std::string want;
    SECTION("no rules: nothing is denied") {
        want = "open-ok";
    }
    SECTION("deny all: the device is denied, the default devices still work") {
        b.config["linux"]["resources"] = {{"devices", {deny_all}}};
        want = "open-denied";
    }
    SECTION("deny all, then allow it") {
        b.config["linux"]["resources"] = {{"devices", {deny_all, allow_kmsg}}};
        want = "open-ok";
    }
    SECTION("deny all, allow it, deny it again: the last rule wins") {
        b.config["linux"]["resources"] = {{"devices", {deny_all, allow_kmsg, deny_kmsg}}};
        want = "open-denied";
    }
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(lines_of(r.out) == std::vector<std::string>{"4", want});
    require_gone("/hull/" + b.id);
}

TEST_CASE("cgroups: a resource the host cannot apply fails create and leaves nothing",
          "[cgroups]") {
    Bundle b;
    b.config["linux"]["resources"] = {{"hugepageLimits", {{{"pageSize", "3MB"}, {"limit", 0}}}}};
    RunResult r = b.create();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("3MB") != std::string::npos);
    require_gone("/hull/" + b.id);
    CHECK_FALSE(path_exists(b.state_root + "/" + b.id));
}
