// Spec tests for the commands that work through a container's cgroup: update, pause/resume,
// ps, events and kill --all, plus --systemd-cgroup without systemd. They run on the host's layout
// (v1/hybrid here, pure v2 in the qemu lane) and read the results back from the kernel's
// cgroup files and /proc.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace spectest;
using nlohmann::json;

namespace {

// The container's cgroup path as create recorded it in state.json ("/hull/<id>" by default).
std::string cgroup_path(const Bundle& b) {
    std::string text = read_text(b.state_root + "/" + b.id + "/state.json");
    REQUIRE_FALSE(text.empty());
    json st = json::parse(text);
    REQUIRE(st["extra"].contains("cgroupPath"));
    return st["extra"]["cgroupPath"].get<std::string>();
}

// A file of the container's cgroup in the hierarchy of `controller`.
std::string cg_file(const Bundle& b, const std::string& controller, const std::string& file) {
    std::string base = pure_v2() ? "/sys/fs/cgroup" : "/sys/fs/cgroup/" + controller;
    return base + cgroup_path(b) + "/" + file;
}

std::string read_cg(const Bundle& b, const std::string& controller, const std::string& v1_file,
                    const std::string& v2_file) {
    return trimmed(read_text(cg_file(b, controller, pure_v2() ? v2_file : v1_file)));
}

std::string memory_limit(const Bundle& b) {
    return read_cg(b, "memory", "memory.limit_in_bytes", "memory.max");
}

std::string pids_limit(const Bundle& b) {
    return read_cg(b, "pids", "pids.max", "pids.max");
}

bool frozen_in_kernel(const Bundle& b) {
    if (pure_v2()) return trimmed(read_text(cg_file(b, "", "cgroup.freeze"))) == "1";
    return trimmed(read_text(cg_file(b, "freezer", "freezer.state"))) == "FROZEN";
}

// create + start; the container runs `args`.
void start_container(Bundle& b, std::vector<std::string> args) {
    b.set_args(std::move(args));
    require_create_start(b);
    REQUIRE(b.wait_status("running"));
}

long init_pid(const Bundle& b) {
    json st = b.state();
    REQUIRE(st.is_object());
    return st["pid"].get<long>();
}

// The container's config snapshot (what later commands read).
json snapshot(const Bundle& b) {
    return json::parse(read_text(b.state_root + "/" + b.id + "/config.json"));
}

// The running container's processes other than its init, as the host sees them.
std::vector<long> other_pids(const Bundle& b, long init) {
    std::vector<long> out;
    for (long p : procs_in_rootfs(b))
        if (p != init) out.push_back(p);
    return out;
}

std::vector<long> json_pids(const std::string& out) {
    std::vector<long> pids;
    for (const auto& p : json::parse(out))
        pids.push_back(p.get<long>());
    return pids;
}

bool host_has_ps() {
    return ::access("/usr/bin/ps", X_OK) == 0 || ::access("/bin/ps", X_OK) == 0;
}

} // namespace

TEST_CASE("cgroup cmds: update --memory and --pids-limit change the kernel's limits and the "
          "snapshot",
          "[cgroup_cmds]") {
    Bundle b;
    start_container(b, {"/probe", "sleep", "60"});

    RunResult u = b.hull("update", "--memory", "64m", "--pids-limit", "40", b.id);
    INFO(describe(u));
    REQUIRE(u.exit_code == 0);
    CHECK(memory_limit(b) == "67108864");
    CHECK(pids_limit(b) == "40");
    json res = snapshot(b)["linux"]["resources"];
    CHECK(res["memory"]["limit"] == 67108864);
    CHECK(res["pids"]["limit"] == 40);

    // Only the given field changes: the pids limit stays.
    RunResult m = b.hull("update", "--memory", "48M", b.id);
    INFO(describe(m));
    REQUIRE(m.exit_code == 0);
    CHECK(memory_limit(b) == "50331648");
    CHECK(pids_limit(b) == "40");

    // --pids-limit -1: unlimited.
    REQUIRE(b.hull("update", "--pids-limit", "-1", b.id).exit_code == 0);
    CHECK(pids_limit(b) == "max");
    CHECK(snapshot(b)["linux"]["resources"]["pids"]["limit"] == -1);
}

TEST_CASE("cgroup cmds: update --resources reads LinuxResources JSON from stdin or a file",
          "[cgroup_cmds]") {
    Bundle b;
    start_container(b, {"/probe", "sleep", "60"});

    RunOptions in;
    in.stdin_data = R"({"memory": {"limit": 33554432}, "pids": {"limit": 25},
                        "cpu": {"quota": 50000, "period": 100000}})";
    // With --resources the flags are ignored, as in runc.
    RunResult u = b.hull({"update", "--resources", "-", "--memory", "1g", b.id}, in);
    INFO(describe(u));
    REQUIRE(u.exit_code == 0);
    CHECK(memory_limit(b) == "33554432");
    CHECK(pids_limit(b) == "25");
    if (pure_v2()) {
        CHECK(trimmed(read_text(cg_file(b, "cpu", "cpu.max"))) == "50000 100000");
    } else {
        CHECK(trimmed(read_text(cg_file(b, "cpu", "cpu.cfs_quota_us"))) == "50000");
        CHECK(trimmed(read_text(cg_file(b, "cpu", "cpu.cfs_period_us"))) == "100000");
    }
    json res = snapshot(b)["linux"]["resources"];
    CHECK(res["memory"]["limit"] == 33554432);
    CHECK(res["cpu"]["quota"] == 50000);

    std::string file = temp_dir() + "/res.json";
    write_text(file, R"({"pids": {"limit": 12}})");
    RunResult f = b.hull("update", "-r", file, b.id);
    INFO(describe(f));
    REQUIRE(f.exit_code == 0);
    CHECK(pids_limit(b) == "12");
    CHECK(memory_limit(b) == "33554432"); // untouched

    // A bad document changes nothing.
    RunOptions bad;
    bad.stdin_data = R"({"pids": {"limit": "many"}})";
    RunResult e = b.hull({"update", "-r", "-", b.id}, bad);
    CHECK(e.exit_code == 1);
    CHECK_THAT(e.err, Catch::Contains("pids.limit"));
    CHECK(pids_limit(b) == "12");
}

TEST_CASE("cgroup cmds: update errors", "[cgroup_cmds]") {
    Bundle b;
    b.set_args({"/bin/true"});
    b.write();
    check_refused(b.hull("update", "--memory", "64m", b.id),
                  "container " + b.id + " does not exist");

    REQUIRE(b.create().exit_code == 0);
    check_refused(b.hull("update", "--memory", "lots", b.id),
                  "invalid value for memory: invalid size: 'lots'");
    check_refused(b.hull("update", "--l3-cache-schema", "L3:0=ff", b.id),
                  "Intel RDT/CAT: l3 cache schema is not enabled");

    // A created container can be updated; a stopped one cannot (runc).
    RunResult created = b.hull("update", "--pids-limit", "30", b.id);
    INFO(describe(created));
    CHECK(created.exit_code == 0);
    CHECK(pids_limit(b) == "30");
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    check_refused(b.hull("update", "--pids-limit", "31", b.id), "container not running");
    CHECK(snapshot(b)["linux"]["resources"]["pids"]["limit"] == 30);
}

TEST_CASE("cgroup cmds: pause freezes every process, resume thaws them", "[cgroup_cmds]") {
    Bundle b;
    // The counter advances every 50 ms while the container runs.
    start_container(b, {"/bin/sh", "-c",
                        "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; "
                        "/bin/sleep 0.05; done"});
    const std::string count = b.host_path("/tmp/count");
    REQUIRE(wait_until([&] { return !read_text(count).empty(); }));

    require_ok(b.hull("pause", b.id));
    CHECK(b.state()["status"] == "paused");
    CHECK(frozen_in_kernel(b));
    RunResult list = b.hull("list", "--format", "json");
    REQUIRE(list.exit_code == 0);
    json all = json::parse(list.out);
    REQUIRE(all.size() == 1);
    CHECK(all[0]["status"] == "paused");
    std::string before = read_text(count);
    ::usleep(400 * 1000);
    CHECK(read_text(count) == before); // nothing ran

    check_refused(b.hull("pause", b.id), "container already paused");

    require_ok(b.hull("resume", b.id));
    CHECK(b.state()["status"] == "running");
    CHECK_FALSE(frozen_in_kernel(b));
    CHECK(wait_until([&] { return read_text(count) != before; }, 5000));

    check_refused(b.hull("resume", b.id), "container not paused");

    // A paused container can still be killed and deleted.
    REQUIRE(b.hull("pause", b.id).exit_code == 0);
    RunResult d = b.hull("delete", "--force", b.id);
    INFO(describe(d));
    CHECK(d.exit_code == 0);
    CHECK(procs_in_rootfs(b).empty());
}

TEST_CASE("cgroup cmds: a created container can be paused (as runc); stopped ones cannot",
          "[cgroup_cmds]") {
    Bundle b;
    b.set_args({"/bin/true"});
    REQUIRE(b.create().exit_code == 0);
    check_refused(b.hull("resume", b.id), "container not paused");
    require_ok(b.hull("pause", b.id));
    CHECK(b.state()["status"] == "paused");
    check_refused(b.start(), "container is not in created state");
    REQUIRE(b.hull("resume", b.id).exit_code == 0);
    CHECK(b.state()["status"] == "created");
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    check_refused(b.hull("pause", b.id), "container not running");
    CHECK(b.state()["status"] == "stopped");
    check_refused(run_hull({"--root", b.state_root, "pause", "nosuch"}),
                  "container nosuch does not exist");
}

TEST_CASE("cgroup cmds: ps lists the init and its children", "[cgroup_cmds]") {
    Bundle b;
    start_container(b, {"/bin/sh", "-c", "/probe sleep 60 & /probe sleep 61; wait"});
    long init = init_pid(b);
    REQUIRE(wait_until([&] { return other_pids(b, init).size() == 2; }));
    std::vector<long> want = other_pids(b, init);
    want.push_back(init);
    std::sort(want.begin(), want.end());

    RunResult j = b.hull("ps", "--format", "json", b.id);
    INFO(describe(j));
    REQUIRE(j.exit_code == 0);
    CHECK(json_pids(j.out) == want);
    CHECK(j.out.back() == '\n');

    if (host_has_ps()) {
        RunResult t = b.hull("ps", b.id);
        INFO(describe(t));
        REQUIRE(t.exit_code == 0);
        auto ls = lines_of(t.out);
        REQUIRE(ls.size() == want.size() + 1);
        CHECK_THAT(ls[0], Catch::Contains("PID")); // procps or busybox ps
        CHECK_THAT(t.out, Catch::Contains("/probe sleep 61"));
        // Options after the id go to ps(1) unchanged, even when they look like flags.
        RunResult o = b.hull("ps", b.id, "-o", "pid,args");
        INFO(describe(o));
        REQUIRE(o.exit_code == 0);
        auto ol = lines_of(o.out);
        REQUIRE(ol.size() == want.size() + 1);
        for (size_t i = 1; i < ol.size(); ++i)
            CHECK(std::binary_search(want.begin(), want.end(), std::stol(ol[i])));
    }

    REQUIRE(b.kill("KILL").exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    check_refused(b.hull("ps", "--format", "json", b.id), "container not running");
}

TEST_CASE("cgroup cmds: events --stats prints one stats object in runc's shape", "[cgroup_cmds]") {
    Bundle b;
    start_container(b, {"/bin/sh", "-c", "/probe sleep 60 & /probe sleep 61; wait"});
    REQUIRE(wait_until([&] { return procs_in_rootfs(b).size() == 3; }));
    RunResult e = b.hull("events", "--stats", b.id);
    INFO(describe(e));
    REQUIRE(e.exit_code == 0);
    auto ls = lines_of(e.out);
    REQUIRE(ls.size() == 1);
    json ev = json::parse(ls[0]);
    CHECK(ev["type"] == "stats");
    CHECK(ev["id"] == b.id);
    json d = ev["data"];
    REQUIRE(d.is_object());
    CHECK(d["memory"]["usage"]["usage"].get<uint64_t>() > 0);
    CHECK(d["pids"]["current"].get<uint64_t>() == 3);
    CHECK(d["cpu"]["usage"]["total"].get<uint64_t>() > 0);
    CHECK(d.contains("blkio"));

    REQUIRE(b.kill("KILL").exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    check_refused(b.hull("events", "--stats", b.id),
                  "container with id " + b.id + " is not running");
}

TEST_CASE("cgroup cmds: events streams stats and reports an OOM kill, then ends", "[cgroup_cmds]") {
    Bundle b;
    b.config["linux"]["resources"] = {{"memory", {{"limit", 32 << 20}}}};
    // Doubles a shell string until the memory limit is hit, after 3.5 s of stats.
    start_container(
        b, {"/bin/sh", "-c", "/bin/sleep 3.5; x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"});
    RunOptions o;
    o.timeout_s = 60;
    RunResult e = b.hull({"events", "--interval", "1s", b.id}, o);
    INFO(describe(e));
    CHECK(e.exit_code == 0);
    CHECK_FALSE(e.timed_out);
    int stats = 0, ooms = 0;
    for (const auto& l : lines_of(e.out)) {
        json ev = json::parse(l);
        CHECK(ev["id"] == b.id);
        if (ev["type"] == "stats") {
            ++stats;
            CHECK(ev["data"]["memory"]["usage"]["usage"].get<uint64_t>() > 0);
        } else if (ev["type"] == "oom") {
            ++ooms;
            CHECK_FALSE(ev.contains("data"));
        }
    }
    CHECK(stats >= 2);
    CHECK(ooms >= 1);
    CHECK(b.state()["status"] == "stopped");

    RunResult bad = b.hull("events", "--interval", "0s", b.id);
    CHECK(bad.exit_code == 1);
    RunResult syntax = b.hull("events", "--interval", "soon", b.id);
    CHECK(syntax.exit_code == 1);
    CHECK_THAT(syntax.err, Catch::Contains("invalid value \"soon\" for flag -interval"));
}

TEST_CASE("cgroup cmds: kill --all reaches a child outside the init's pid namespace",
          "[cgroup_cmds]") {
    for (const char* sig : {"TERM", "KILL"}) {
        DYNAMIC_SECTION("signal " << sig) {
            Bundle b;
            // No pid namespace: the child would outlive the init, only the cgroup finds it.
            json ns = json::array();
            for (const auto& n : b.config["linux"]["namespaces"])
                if (n["type"] != "pid") ns.push_back(n);
            b.config["linux"]["namespaces"] = ns;
            start_container(b, {"/bin/sh", "-c", "/probe sleep 60 & /probe sleep 61; wait"});
            long init = init_pid(b);
            REQUIRE(wait_until([&] { return other_pids(b, init).size() == 2; }));
            auto children = other_pids(b, init);

            RunResult k = b.hull("kill", "--all", b.id, sig);
            INFO(describe(k));
            REQUIRE(k.exit_code == 0);
            CHECK(wait_until(
                [&] { return std::none_of(children.begin(), children.end(), pid_alive); }));
            CHECK(wait_until([&] { return procs_in_rootfs(b).empty(); }));
            CHECK(b.wait_status("stopped"));
            CHECK_FALSE(frozen_in_kernel(b)); // the freeze around the signal was undone
        }
    }
}

TEST_CASE("cgroup cmds: --systemd-cgroup without a reachable systemd fails naming the unit "
          "and the bus, leaving nothing",
          "[cgroup_cmds]") {
    // Where systemd answers (features says so; e.g. the systemd lane) create would succeed.
    RunResult f = run_hull({"features"});
    REQUIRE(f.exit_code == 0);
    if (json::parse(f.out)["linux"]["cgroup"]["systemd"] == true) return;
    Bundle b;
    b.set_args({"/bin/true"});
    b.config["linux"]["cgroupsPath"] = "system.slice:spec:" + b.id;
    b.write();
    RunResult r =
        run_hull({"--root", b.state_root, "--systemd-cgroup", "create", "--bundle", b.dir, b.id});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("systemd unit spec-" + b.id + ".scope (system manager on unix:path=") !=
          std::string::npos);
    // No bus here: the one error, with the socket's error.
    CHECK(r.err.find("cannot connect to the bus: connect unix:path=") != std::string::npos);
    CHECK(lines_of(r.err).size() == 1);
    CHECK(b.state().is_null());
    // a cgroupfs path is no slice:prefix:name
    b.config["linux"]["cgroupsPath"] = "/hull/" + b.id;
    b.write();
    check_refused(
        run_hull({"--root", b.state_root, "--systemd-cgroup", "create", "--bundle", b.dir, b.id}),
        "linux.cgroupsPath: expected cgroupsPath to be of format \"slice:prefix:name\" for "
        "systemd cgroups, got \"/hull/" +
            b.id + "\" instead");
    CHECK(b.state().is_null());
    // Commands on existing containers still work with the flag (callers pass it everywhere).
    RunResult l = run_hull({"--root", b.state_root, "--systemd-cgroup", "list", "-q"});
    CHECK(l.exit_code == 0);
}
