// [rootless]: hull run by an unprivileged user (made by the tests, with its own subuid and
// subgid ranges; see rootless_user.hpp): `hull spec --rootless` + `hull run` with no flag,
// the lifecycle commands, the state root under $XDG_RUNTIME_DIR, maps written by hull itself
// and through newuidmap/newgidmap, runc's cgroup rules without cgroup permission, and the
// owner on the host of what container root writes into a bind-mounted directory.
#include "checks.hpp"
#include "harness.hpp"
#include "rootless_user.hpp"

#include <catch2/catch.hpp>

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <sstream>

using namespace spectest;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

RunResult user_hull(const Bundle& b, const std::vector<std::string>& args,
                    const RunOptions& opts = {}) {
    std::vector<std::string> full{"--root", b.state_root};
    full.insert(full.end(), args.begin(), args.end());
    return run_hull_as_user(full, opts);
}

RunResult user_run(Bundle& b) {
    b.write();
    return user_hull(b, {"run", "--bundle", b.dir, b.id});
}

// One line of /proc/PID/uid_map as its three numbers.
std::array<unsigned long, 3> map_line(const std::string& line) {
    std::array<unsigned long, 3> v{~0UL, ~0UL, ~0UL};
    std::istringstream in(line);
    in >> v[0] >> v[1] >> v[2];
    return v;
}

bool state_is_empty(const Bundle& b) {
    std::error_code ec;
    return fs::is_empty(b.state_root, ec) || !fs::exists(b.state_root);
}

} // namespace

TEST_CASE("rootless: hull spec --rootless then hull run, with no flag, as an unprivileged user",
          "[rootless]") {
    const RootlessUser& u = rootless_user();
    Bundle b;
    give_bundle_to_user(b);
    ::unlink((b.dir + "/config.json").c_str());
    RunOptions in_bundle;
    in_bundle.cwd = b.dir;
    require_ok(run_hull_as_user({"spec", "--rootless"}, in_bundle));
    json cfg = json::parse(read_text(b.dir + "/config.json"));
    CHECK(cfg["linux"]["uidMappings"] == one_map(0, u.uid, 1));
    cfg["process"]["terminal"] = false;
    cfg["process"]["args"] = {"/bin/sh", "-c", "id -u; id -g; cat /proc/self/uid_map"};
    write_text(b.dir + "/config.json", cfg.dump());

    // No --root: the state lives under $XDG_RUNTIME_DIR/hull.
    const std::string id = b.id;
    RunResult r = run_hull_as_user({"run", id}, in_bundle);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() >= 3);
    CHECK(lines[0] == "0");
    CHECK(lines[1] == "0");
    CHECK((map_line(lines[2]) == std::array<unsigned long, 3>{0, u.uid, 1}));
    struct stat st {};
    REQUIRE(::stat((u.runtime_dir + "/hull").c_str(), &st) == 0);
    CHECK(st.st_uid == u.uid);
    CHECK(!path_exists(u.runtime_dir + "/hull/" + id)); // run removed it
}

TEST_CASE("rootless: without XDG_RUNTIME_DIR or --root there is one clear error", "[rootless]") {
    RunOptions o;
    o.env = rootless_env(false);
    RunResult r = run_hull_as_user({"list"}, o);
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("XDG_RUNTIME_DIR is not set") != std::string::npos);
    CHECK(r.err.find("--root") != std::string::npos);
    CHECK(lines_of(r.err).size() == 1);
    // With --root it works.
    const std::string root = temp_dir();
    REQUIRE(::chown(root.c_str(), rootless_user().uid, rootless_user().gid) == 0);
    RunResult l = run_hull_as_user({"--root", root, "list"}, o);
    INFO(describe(l));
    CHECK(l.exit_code == 0);
}

TEST_CASE("rootless: create, state, list, start, exec, ps, kill and delete", "[rootless]") {
    Bundle b;
    make_rootless(b);
    b.set_args({"/bin/sleep", "300"});
    b.write();
    RunResult c = user_hull(b, {"create", "--bundle", b.dir, b.id});
    require_ok(c);
    RunResult s = user_hull(b, {"state", b.id});
    require_ok(s);
    json st = json::parse(s.out);
    CHECK(st["status"] == "created");
    const long pid = st["pid"].get<long>();
    CHECK(pid_alive(pid));
    RunResult l = user_hull(b, {"list", "--format", "json"});
    require_ok(l);
    CHECK(l.out.find(b.id) != std::string::npos);
    require_ok(user_hull(b, {"start", b.id}));
    CHECK(json::parse(user_hull(b, {"state", b.id}).out)["status"] == "running");

    RunResult e = user_hull(b, {"exec", b.id, "/bin/sh", "-c", "id -u; cat /proc/self/uid_map"});
    INFO(describe(e));
    REQUIRE(e.exit_code == 0);
    CHECK(lines_of(e.out).at(0) == "0");

    RunResult p = user_hull(b, {"ps", "--format", "json", b.id});
    INFO(describe(p));
    REQUIRE(p.exit_code == 0);
    json pids = json::parse(p.out);
    CHECK(std::find(pids.begin(), pids.end(), json(pid)) != pids.end());

    require_ok(user_hull(b, {"kill", b.id, "KILL"}));
    CHECK(wait_until([&] { return !pid_alive(pid); }));
    require_ok(user_hull(b, {"delete", b.id}));
    CHECK(state_is_empty(b));
    CHECK(procs_in_rootfs(b).empty());
}

TEST_CASE("rootless: a config without resources runs with no cgroup and no error",
          "[rootless][cgroups]") {
    Bundle b;
    make_rootless(b);
    b.set_args({"/bin/cat", "/proc/self/cgroup"});
    RunResult r = user_run(b);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    // No cgroup named after the container anywhere.
    CHECK(r.out.find(b.id) == std::string::npos);
}

TEST_CASE("rootless: limits without cgroup permission fail as runc's and leave nothing",
          "[rootless][cgroups]") {
    if (pure_v2()) return; // the v2 lane's [rootless][v2] test covers a delegated subtree
    Bundle b;
    make_rootless(b);
    b.config["linux"]["resources"] = {{"pids", {{"limit", 50}}}};
    RunResult r = user_run(b);
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    const bool v1 = r.err.find("cannot set pids limit: container could not join or create "
                               "cgroup") != std::string::npos;
    const bool v2 = r.err.find("rootless needs no limits + no cgrouppath") != std::string::npos;
    CHECK((v1 || v2));
    CHECK(state_is_empty(b));
    CHECK(procs_in_rootfs(b).empty());

    SECTION("--rootless false keeps the permission error even without limits") {
        Bundle f;
        make_rootless(f);
        f.write();
        RunResult rf = user_hull(f, {"--rootless", "false", "run", "--bundle", f.dir, f.id});
        INFO(describe(rf));
        CHECK(rf.exit_code == 1);
        CHECK(rf.err.find("Permission denied") != std::string::npos);
        CHECK(state_is_empty(f));
    }
    SECTION("an explicit cgroupsPath without permission keeps the permission error") {
        Bundle f;
        make_rootless(f);
        f.config["linux"]["cgroupsPath"] = "/hull-rootless-test/" + f.id;
        RunResult rf = user_run(f);
        INFO(describe(rf));
        CHECK(rf.exit_code == 1);
        CHECK(rf.err.find("Permission denied") != std::string::npos);
        CHECK(state_is_empty(f));
    }
}

TEST_CASE("rootless: a file written by container root into a bind mount is the user's",
          "[rootless][mounts]") {
    const RootlessUser& u = rootless_user();
    Bundle b;
    make_rootless(b);
    const std::string vol = temp_dir();
    REQUIRE(::chown(vol.c_str(), u.uid, u.gid) == 0);
    fs::create_directory(b.host_path("/data")); // the rootfs is host root's: not made by hull
    b.config["mounts"].push_back({{"destination", "/data"},
                                  {"type", "bind"},
                                  {"source", vol},
                                  {"options", json::array({"rbind", "rw"})}});
    b.set_args({"/bin/sh", "-c", "echo hi > /data/f"});
    RunResult r = user_run(b);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    struct stat st {};
    REQUIRE(::stat((vol + "/f").c_str(), &st) == 0);
    CHECK(st.st_uid == u.uid);
    CHECK(st.st_gid == u.gid);
}

TEST_CASE("rootless: range maps go through newuidmap/newgidmap", "[rootless][idmap]") {
    const RootlessUser& u = rootless_user();
    if (!path_exists("/usr/bin/newuidmap"))
        FAIL("newuidmap missing: tools/setup.sh installs uidmap");
    Bundle b;
    make_rootless(b);
    // Root is the first subordinate id, 1.. the rest; the user itself is not mapped.
    b.config["linux"]["uidMappings"] = one_map(0, u.sub_start, u.sub_count);
    b.config["linux"]["gidMappings"] = one_map(0, u.sub_start, u.sub_count);
    const std::string vol = temp_dir();
    REQUIRE(::chmod(vol.c_str(), 0777) == 0);
    fs::create_directory(b.host_path("/data")); // the rootfs is host root's: not made by hull
    b.config["mounts"].push_back({{"destination", "/data"},
                                  {"type", "bind"},
                                  {"source", vol},
                                  {"options", json::array({"rbind", "rw"})}});
    b.set_args({"/bin/sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; echo x > /data/f"});
    RunResult r = user_run(b);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 2);
    CHECK((map_line(lines[0]) == std::array<unsigned long, 3>{0, u.sub_start, u.sub_count}));
    CHECK((map_line(lines[1]) == std::array<unsigned long, 3>{0, u.sub_start, u.sub_count}));
    struct stat st {};
    REQUIRE(::stat((vol + "/f").c_str(), &st) == 0);
    CHECK(st.st_uid == u.sub_start);
    CHECK(st.st_gid == u.sub_start);
    CHECK(state_is_empty(b));
}

TEST_CASE("rootless: a range the user does not own is one clear error and leaves nothing",
          "[rootless][idmap]") {
    const RootlessUser& u = rootless_user();
    Bundle b;
    make_rootless(b);
    b.config["linux"]["uidMappings"] = {{{"containerID", 0}, {"hostID", u.uid}, {"size", 1}},
                                        {{"containerID", 1}, {"hostID", 900000}, {"size", 10}}};
    b.set_args({"/bin/true"});
    RunResult r = user_run(b);
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("write uid mappings: newuidmap failed") != std::string::npos);
    CHECK(r.err.find("/etc/subuid") != std::string::npos);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(state_is_empty(b));
    CHECK(procs_in_rootfs(b).empty());
}

TEST_CASE("rootless: additional groups with a self-written gid map are refused up front",
          "[rootless][idmap]") {
    Bundle b;
    make_rootless(b);
    b.config["process"]["user"]["additionalGids"] = {5};
    RunResult r = user_run(b);
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("setgroups denied") != std::string::npos);
    CHECK(state_is_empty(b));
}

TEST_CASE("rootless: devices are bound from the host and /sys is bound without a netns",
          "[rootless][devices]") {
    Bundle b;
    make_rootless(b);
    // No network namespace of its own: sysfs cannot be mounted, the host's is bound.
    json ns = json::array();
    for (const auto& n : b.config["linux"]["namespaces"])
        if (n["type"] != "network") ns.push_back(n);
    b.config["linux"]["namespaces"] = ns;
    b.set_args({"/bin/sh", "-c",
                "echo ok > /dev/null && head -c 4 /dev/zero | wc -c && ls /sys/kernel >/dev/null "
                "&& echo sys"});
    RunResult r = user_run(b);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(trimmed(lines[0]) == "4");
    CHECK(lines[1] == "sys");
}

TEST_CASE("rootless: a bind mount keeps the flags its source has locked", "[rootless][mounts]") {
    (void)rootless_user();
    // A host mount with nosuid, nodev and noexec: in the container's user namespace those
    // flags are locked, and the remount that suid, dev and exec ask for fails with EPERM;
    // hull retries keeping them (as runc), rather than failing the container.
    const std::string src = temp_dir() + "/locked";
    fs::create_directory(src);
    REQUIRE(::mount("tmpfs", src.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0777") ==
            0);
    struct Unmount {
        std::string path;
        ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
    } unmount{src};
    Bundle b;
    make_rootless(b);
    fs::create_directory(b.host_path("/data"));
    b.config["mounts"].push_back(
        {{"destination", "/data"},
         {"type", "bind"},
         {"source", src},
         {"options", json::array({"rbind", "rw", "suid", "dev", "exec"})}});
    b.set_args({"/bin/cat", "/proc/self/mountinfo"});
    RunResult r = user_run(b);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    std::string data_line;
    for (const auto& l : lines_of(r.out))
        if (l.find(" /data ") != std::string::npos) data_line = l;
    REQUIRE(!data_line.empty());
    CHECK(data_line.find("nosuid") != std::string::npos);
    CHECK(data_line.find("nodev") != std::string::npos);
    CHECK(data_line.find("noexec") != std::string::npos);
    CHECK(data_line.find(" rw,") != std::string::npos); // the requested rw is kept
    CHECK(state_is_empty(b));
}

TEST_CASE("rootless: oomScoreAdj below the current value is kept at the current value",
          "[rootless][process]") {
    Bundle b;
    make_rootless(b);
    b.config["process"]["oomScoreAdj"] = -500;
    b.set_args({"/bin/cat", "/proc/self/oom_score_adj"});
    RunResult r = user_run(b);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(trimmed(r.out) == trimmed(read_text("/proc/self/oom_score_adj")));
    SECTION("a higher value is set") {
        Bundle h;
        make_rootless(h);
        h.config["process"]["oomScoreAdj"] = 700;
        h.set_args({"/bin/cat", "/proc/self/oom_score_adj"});
        RunResult rh = user_run(h);
        INFO(describe(rh));
        REQUIRE(rh.exit_code == 0);
        CHECK(trimmed(rh.out) == "700");
    }
}

namespace {

void write_cg(const std::string& path, const std::string& value) {
    write_text(path, value);
}

// This process's cgroup v2 path ("0::/x" in /proc/self/cgroup).
std::string own_cgroup() {
    for (const auto& l : lines_of(read_text("/proc/self/cgroup")))
        if (l.starts_with("0::")) return l.substr(3);
    return "/";
}

// A subtree delegated to the user as systemd's Delegate=yes does: the directory and its
// cgroup.procs, cgroup.subtree_control and cgroup.threads are the user's, memory and pids
// are enabled for its children, and the caller runs in a leaf of it (`sess`): moving a
// process between two cgroups needs write access to cgroup.procs of their common ancestor.
struct DelegatedSubtree {
    std::string rel, dir, back;
    explicit DelegatedSubtree(const RootlessUser& u) {
        rel = "/hull-rl-" + std::to_string(::getpid());
        dir = "/sys/fs/cgroup" + rel;
        back = own_cgroup();
        write_cg("/sys/fs/cgroup/cgroup.subtree_control", "+memory +pids");
        fs::create_directory(dir);
        fs::create_directory(dir + "/sess");
        write_cg(dir + "/cgroup.subtree_control", "+memory +pids");
        for (const std::string& d : {dir, dir + "/sess"})
            for (const char* f :
                 {"", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads"})
                if (::chown((d + f).c_str(), u.uid, u.gid) != 0)
                    throw std::runtime_error("chown " + d + f);
        write_cg(dir + "/sess/cgroup.procs", std::to_string(::getpid()));
    }
    ~DelegatedSubtree() {
        write_cg("/sys/fs/cgroup" + back + "/cgroup.procs", std::to_string(::getpid()));
        ::rmdir((dir + "/sess").c_str());
        ::rmdir(dir.c_str());
    }
};

} // namespace

TEST_CASE("rootless: a delegated cgroup v2 subtree gets the container's cgroup and its limits",
          "[rootless][cgroups][v2]") {
    if (!pure_v2()) return; // the cgroup-v2 lane runs it
    const RootlessUser& u = rootless_user();
    DelegatedSubtree tree(u);
    Bundle b;
    make_rootless(b);
    b.config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
    // The container's own cgroup2 view (its cgroup namespace's root is its cgroup).
    b.config["mounts"].push_back({{"destination", "/sys/fs/cgroup"},
                                  {"type", "cgroup"},
                                  {"source", "cgroup"},
                                  {"options", {"nosuid", "noexec", "nodev", "ro"}}});
    b.config["linux"]["cgroupsPath"] = tree.rel + "/ctr";
    b.config["linux"]["resources"] = {{"memory", {{"limit", 32 << 20}, {"swap", 32 << 20}}},
                                      {"pids", {{"limit", 40}}}};
    b.set_args({"/bin/sh", "-c", "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"});
    RunResult r = user_run(b);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(lines_of(r.out) == std::vector<std::string>{std::to_string(32 << 20), "40"});
    CHECK(!path_exists(tree.dir + "/ctr")); // run's delete removed it

    // A 64 MiB hog in that 32 MiB cgroup is killed by the kernel.
    Bundle h;
    make_rootless(h);
    h.config["linux"]["cgroupsPath"] = tree.rel + "/ctr";
    h.config["linux"]["resources"] = {{"memory", {{"limit", 32 << 20}, {"swap", 32 << 20}}}};
    h.set_args({"/bin/sh", "-c", "v=$(head -c 67108864 /dev/zero | tr '\\000' x); echo survived"});
    RunResult k = user_run(h);
    INFO(describe(k));
    CHECK(k.out.find("survived") == std::string::npos);
    CHECK(k.exit_code == 137);
    CHECK(!path_exists(tree.dir + "/ctr"));
}
