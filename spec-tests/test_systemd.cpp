// The systemd cgroup driver against a running systemd (the systemd lane: tools/systemd-lane.sh,
// HULL_SPEC_SYSTEMD=1). Hidden ([.systemd]): hosts without systemd as PID 1 cannot run them.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <string>
#include <vector>

namespace spectest {
bool systemd_driver(); // harness.cpp: HULL_SPEC_SYSTEMD=1
}

using namespace spectest;
using nlohmann::json;

namespace {

const std::string kSystemctl = "/usr/bin/systemctl";

json saved_state(const Bundle& b) {
    std::string text = read_text(b.state_root + "/" + b.id + "/state.json");
    REQUIRE_FALSE(text.empty());
    return json::parse(text);
}

std::string unit_of(const Bundle& b) {
    return "hullspec-" + b.id + ".scope";
}

// `systemctl show -p NAME --value UNIT`
std::string show(const std::string& unit, const std::string& property) {
    RunResult r = run_command({kSystemctl, "show", "-p", property, "--value", unit});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    return trimmed(r.out);
}

// systemd knows the unit (loaded, any state).
bool unit_loaded(const std::string& unit) {
    return show(unit, "LoadState") == "loaded";
}

std::string cg_file(const Bundle& b, const std::string& file) {
    return "/sys/fs/cgroup" + saved_state(b)["extra"]["cgroupPath"].get<std::string>() + "/" + file;
}

void start_container(Bundle& b, std::vector<std::string> args) {
    b.set_args(std::move(args));
    require_create_start(b);
    REQUIRE(b.wait_status("running"));
}

void require_lane() {
    REQUIRE(systemd_driver());
    REQUIRE(pure_v2());
}

} // namespace

TEST_CASE("systemd: the container runs in its scope, systemctl shows it; delete stops it",
          "[.systemd]") {
    require_lane();
    Bundle b;
    start_container(b, {"/bin/sleep", "100"});
    const std::string unit = unit_of(b);
    json st = saved_state(b);
    CHECK(st["extra"]["cgroupDriver"] == "systemd");
    CHECK(st["extra"]["systemdUnit"] == unit);
    CHECK(st["extra"]["systemdManager"] == "system");
    const std::string path = "/system.slice/" + unit;
    CHECK(st["extra"]["cgroupPath"] == path);
    const long pid = st["pid"].get<long>();
    CHECK(read_text("/proc/" + std::to_string(pid) + "/cgroup") == "0::" + path + "\n");
    // only the init is in the scope (the placeholder that started it is gone)
    CHECK(trimmed(read_text("/sys/fs/cgroup" + path + "/cgroup.procs")) == std::to_string(pid));

    RunResult status = run_command({kSystemctl, "status", "--no-pager", unit});
    INFO(describe(status));
    CHECK(status.exit_code == 0);
    CHECK_THAT(status.out, Catch::Contains(unit) && Catch::Contains("active (running)") &&
                               Catch::Contains("hull container " + b.id));
    CHECK(show(unit, "Delegate") == "yes");
    CHECK(show(unit, "Slice") == "system.slice");

    require_ok(b.kill("SIGKILL"));
    REQUIRE(b.wait_status("stopped"));
    require_ok(b.remove());
    CHECK_FALSE(unit_loaded(unit));
    CHECK_FALSE(path_exists("/sys/fs/cgroup" + path));
}

TEST_CASE("systemd: memory limit as MemoryMax; a memory hog is killed at it", "[.systemd]") {
    require_lane();
    Bundle b;
    b.config["linux"]["resources"] = {{"memory", {{"limit", 32 << 20}, {"swap", 32 << 20}}}};
    // a child doubles a shell string until the limit; the init stays (and so does the scope)
    start_container(
        b, {"/bin/sh", "-c", "(x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done); /bin/sleep 100"});
    const std::string unit = unit_of(b);
    CHECK(show(unit, "MemoryMax") == std::to_string(32 << 20));
    CHECK(show(unit, "MemorySwapMax") == "0");
    CHECK(trimmed(read_text(cg_file(b, "memory.max"))) == std::to_string(32 << 20));
    bool killed = false;
    for (int i = 0; i < 600 && !killed; ++i) {
        killed = read_text(cg_file(b, "memory.events")).find("oom_kill 0") == std::string::npos;
        if (!killed) ::usleep(100000);
    }
    CHECK(killed);
    CHECK(b.state()["status"] == "running"); // only the hog died
    require_ok(b.remove(true));
    CHECK_FALSE(unit_loaded(unit));
}

TEST_CASE("systemd: pids limit as TasksMax, enforced", "[.systemd]") {
    require_lane();
    Bundle b;
    b.config["linux"]["resources"] = {{"pids", {{"limit", 4}}}};
    // the subshell forks until the limit refuses (and exits then); the init stays
    start_container(b, {"/bin/sh", "-c",
                        "(for i in 1 2 3 4 5 6; do /bin/sleep 30 & done) 2>/dev/null; "
                        "/bin/sleep 100"});
    const std::string unit = unit_of(b);
    CHECK(show(unit, "TasksMax") == "4");
    CHECK(trimmed(read_text(cg_file(b, "pids.max"))) == "4");
    // forks beyond the limit failed: the kernel counted them, and no more than 4 tasks run
    bool refused = false;
    for (int i = 0; i < 50 && !refused; ++i) {
        refused = read_text(cg_file(b, "pids.events")).find("max 0") == std::string::npos;
        if (!refused) ::usleep(100000);
    }
    CHECK(refused);
    CHECK(std::stoi(trimmed(read_text(cg_file(b, "pids.current")))) <= 4);
    require_ok(b.remove(true));
    CHECK_FALSE(unit_loaded(unit));
}

TEST_CASE("systemd: cpu weight and quota as properties and files", "[.systemd]") {
    require_lane();
    Bundle b;
    b.config["linux"]["resources"] = {
        {"cpu", {{"shares", 512}, {"quota", 50000}, {"period", 100000}}}};
    start_container(b, {"/bin/sleep", "100"});
    const std::string unit = unit_of(b);
    const std::string weight = show(unit, "CPUWeight");
    CHECK(weight != "[not set]");
    CHECK(trimmed(read_text(cg_file(b, "cpu.weight"))) == weight);
    CHECK(show(unit, "CPUQuotaPerSecUSec") == "500ms");
    CHECK(trimmed(read_text(cg_file(b, "cpu.max"))) == "50000 100000");
    require_ok(b.remove(true));
    CHECK_FALSE(unit_loaded(unit));
}

TEST_CASE("systemd: update sets the unit's properties and the files; pause and resume",
          "[.systemd]") {
    require_lane();
    Bundle b;
    b.config["linux"]["resources"] = {{"memory", {{"limit", 64 << 20}}}, {"pids", {{"limit", 50}}}};
    start_container(b, {"/bin/sleep", "100"});
    const std::string unit = unit_of(b);
    require_ok(b.hull("update", "--memory", "96M", "--pids-limit", "30", b.id));
    CHECK(show(unit, "MemoryMax") == std::to_string(96 << 20));
    CHECK(show(unit, "TasksMax") == "30");
    CHECK(trimmed(read_text(cg_file(b, "memory.max"))) == std::to_string(96 << 20));
    CHECK(trimmed(read_text(cg_file(b, "pids.max"))) == "30");

    require_ok(b.hull("pause", b.id));
    CHECK(b.state()["status"] == "paused");
    CHECK(trimmed(read_text(cg_file(b, "cgroup.freeze"))) == "1");
    require_ok(b.hull("resume", b.id));
    CHECK(b.state()["status"] == "running");
    CHECK(trimmed(read_text(cg_file(b, "cgroup.freeze"))) == "0");

    RunResult ps = b.hull("ps", "--format", "json", b.id);
    CHECK(ps.exit_code == 0);
    CHECK(json::parse(ps.out).size() == 1);
    require_ok(b.hull("kill", "--all", b.id, "SIGKILL"));
    CHECK(b.wait_status("stopped"));
    require_ok(b.remove());
    CHECK_FALSE(unit_loaded(unit));
}

TEST_CASE("systemd: org.systemd.property annotations reach the unit", "[.systemd]") {
    require_lane();
    Bundle b;
    b.config["annotations"] = {{"org.systemd.property.TimeoutStopSec", "7"},
                               {"org.systemd.property.CollectMode", "'inactive-or-failed'"}};
    start_container(b, {"/bin/sleep", "100"});
    CHECK(show(unit_of(b), "TimeoutStopUSec") == "7s");
    CHECK(show(unit_of(b), "CollectMode") == "inactive-or-failed");
    require_ok(b.remove(true));
}

TEST_CASE("systemd: a unit that exists already and a failed create leave nothing of theirs",
          "[.systemd]") {
    require_lane();
    Bundle a;
    start_container(a, {"/bin/sleep", "100"});
    Bundle b;
    b.config["linux"]["cgroupsPath"] = "system.slice:hullspec:" + a.id; // a's unit
    b.set_args({"/bin/true"});
    RunResult r = b.create();
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("systemd unit " + unit_of(a) +
                                      " (system manager on unix:path=/run/systemd/private)") &&
                          Catch::Contains("the unit exists already"));
    CHECK(b.state().is_null());
    CHECK(show(unit_of(a), "ActiveState") == "active"); // a's unit is untouched
    CHECK(a.state()["status"] == "running");
    require_ok(a.remove(true));

    // a createRuntime hook fails after the unit started: the unit goes with the container
    Bundle c;
    c.config["hooks"]["createRuntime"] = json::array({json{{"path", "/bin/false"}}});
    c.set_args({"/bin/true"});
    RunResult f = c.create();
    CHECK(f.exit_code == 1);
    CHECK(c.state().is_null());
    CHECK_FALSE(unit_loaded(unit_of(c)));
    CHECK_FALSE(path_exists("/sys/fs/cgroup/system.slice/" + unit_of(c)));
}
