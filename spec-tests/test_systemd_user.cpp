// The systemd cgroup driver for a rootless container: hull run by an unprivileged user with
// --systemd-cgroup asks that user's own manager (systemd --user, on the user's session bus)
// for the container's scope, in user.slice under user@UID.service. Hidden ([.systemd-user]):
// the systemd lane runs them (tools/systemd-lane.sh), where the system manager started the user
// hullrl's manager with a delegated cgroup; HULL_SPEC_SYSTEMD_USER is its XDG_RUNTIME_DIR.
#include "checks.hpp"
#include "harness.hpp"
#include "rootless_user.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

using namespace spectest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The user manager's runtime directory (its bus is "bus" in it).
std::string user_runtime_dir() {
    const char* d = std::getenv("HULL_SPEC_SYSTEMD_USER");
    REQUIRE(d != nullptr);
    return d;
}

// The user's environment with the manager's XDG_RUNTIME_DIR and session bus.
RunOptions as_user_of_manager() {
    RunOptions o;
    for (auto& e : rootless_env(false))
        o.env.push_back(e);
    o.env.push_back("XDG_RUNTIME_DIR=" + user_runtime_dir());
    o.env.push_back("DBUS_SESSION_BUS_ADDRESS=unix:path=" + user_runtime_dir() + "/bus");
    return o;
}

RunResult hull_sd(const Bundle& b, const std::vector<std::string>& args) {
    std::vector<std::string> full{"--root", b.state_root, "--systemd-cgroup"};
    full.insert(full.end(), args.begin(), args.end());
    return run_hull_as_user(full, as_user_of_manager());
}

// `systemctl --user show -p NAME --value UNIT`, as the user.
std::string user_show(const std::string& unit, const std::string& property) {
    const RootlessUser& u = rootless_user();
    const std::string helper = fs::path(probe_binary()).parent_path().string() + "/as-user";
    RunResult r =
        run_command({helper, std::to_string(u.uid), std::to_string(u.gid), "/usr/bin/systemctl",
                     "--user", "show", "-p", property, "--value", unit},
                    as_user_of_manager());
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    return trimmed(r.out);
}

std::string unit_of(const Bundle& b) {
    return "hull-" + b.id + ".scope"; // the default: no cgroupsPath
}

json saved_state(const Bundle& b) {
    std::string text = read_text(b.state_root + "/" + b.id + "/state.json");
    REQUIRE_FALSE(text.empty());
    return json::parse(text);
}

void rootless_with_limits(Bundle& b, std::vector<std::string> args) {
    REQUIRE(pure_v2());
    make_rootless(b);
    b.config["linux"]["resources"] = {{"memory", {{"limit", 32 << 20}, {"swap", 32 << 20}}},
                                      {"pids", {{"limit", 40}}}};
    b.set_args(std::move(args));
    b.write();
}

} // namespace

TEST_CASE("systemd-user: a rootless container runs in a scope of the user's manager with its "
          "limits; update reaches the unit; delete stops it",
          "[.systemd-user]") {
    const RootlessUser& u = rootless_user();
    Bundle b;
    rootless_with_limits(b, {"/bin/sleep", "300"});
    require_ok(hull_sd(b, {"create", "--bundle", b.dir, b.id}));
    require_ok(hull_sd(b, {"start", b.id}));
    const json st = saved_state(b);
    CHECK(st["extra"]["systemdManager"] == "user");
    const std::string unit = unit_of(b);
    CHECK(st["extra"]["systemdUnit"] == unit);
    const std::string cg = st["extra"]["cgroupPath"].get<std::string>();
    INFO("cgroup " << cg);
    // the user's manager runs in user@UID.service; the scope is in its user.slice
    CHECK(cg == "/user.slice/user@" + std::to_string(u.uid) + ".service/user.slice/" + unit);
    const long pid = st["pid"].get<long>();
    CHECK(trimmed(read_text("/proc/" + std::to_string(pid) + "/cgroup")) == "0::" + cg);

    CHECK(user_show(unit, "ActiveState") == "active");
    CHECK(user_show(unit, "Delegate") == "yes");
    CHECK(user_show(unit, "Slice") == "user.slice");
    CHECK(user_show(unit, "MemoryMax") == std::to_string(32 << 20));
    CHECK(user_show(unit, "TasksMax") == "40");
    CHECK(trimmed(read_text("/sys/fs/cgroup" + cg + "/memory.max")) == std::to_string(32 << 20));
    CHECK(trimmed(read_text("/sys/fs/cgroup" + cg + "/pids.max")) == "40");

    // exec joins the scope
    RunResult e = hull_sd(b, {"exec", b.id, "/bin/cat", "/proc/self/cgroup"});
    require_ok(e);
    CHECK(trimmed(e.out) == "0::" + cg);

    // update: the unit's property and the file
    require_ok(hull_sd(b, {"update", "--memory", std::to_string(48 << 20), "--memory-swap",
                           std::to_string(48 << 20), "--pids-limit", "30", b.id}));
    CHECK(user_show(unit, "MemoryMax") == std::to_string(48 << 20));
    CHECK(user_show(unit, "TasksMax") == "30");
    CHECK(trimmed(read_text("/sys/fs/cgroup" + cg + "/memory.max")) == std::to_string(48 << 20));

    // pause and resume freeze the scope's cgroup
    require_ok(hull_sd(b, {"pause", b.id}));
    CHECK(trimmed(read_text("/sys/fs/cgroup" + cg + "/cgroup.freeze")) == "1");
    require_ok(hull_sd(b, {"resume", b.id}));
    CHECK(trimmed(read_text("/sys/fs/cgroup" + cg + "/cgroup.freeze")) == "0");

    require_ok(hull_sd(b, {"kill", b.id, "KILL"}));
    REQUIRE(b.wait_status("stopped"));
    require_ok(hull_sd(b, {"delete", b.id}));
    CHECK(user_show(unit, "LoadState") == "not-found");
    CHECK_FALSE(path_exists("/sys/fs/cgroup" + cg));
}

TEST_CASE("systemd-user: a memory hog in a rootless container is killed at the unit's limit; "
          "run leaves no unit",
          "[.systemd-user]") {
    Bundle b;
    rootless_with_limits(
        b, {"/bin/sh", "-c", "v=$(head -c 67108864 /dev/zero | tr '\\000' x); echo survived"});
    RunResult r = hull_sd(b, {"run", "--bundle", b.dir, b.id});
    INFO(describe(r));
    CHECK(r.out.find("survived") == std::string::npos);
    CHECK(r.exit_code == 137);
    CHECK(user_show(unit_of(b), "LoadState") == "not-found");
}

TEST_CASE("systemd-user: without the user's bus, one error naming the unit and the bus, "
          "and nothing left",
          "[.systemd-user]") {
    Bundle b;
    rootless_with_limits(b, {"/bin/true"});
    RunOptions o = as_user_of_manager();
    for (auto& e : o.env)
        if (e.starts_with("DBUS_SESSION_BUS_ADDRESS="))
            e = "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus";
    RunResult r = run_hull_as_user(
        {"--root", b.state_root, "--systemd-cgroup", "run", "--bundle", b.dir, b.id}, o);
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.err.find(unit_of(b)) != std::string::npos);
    CHECK(r.err.find("/nonexistent/bus") != std::string::npos);
    CHECK(lines_of(r.err).size() == 1);
    std::error_code ec;
    CHECK((fs::is_empty(b.state_root, ec) || !fs::exists(b.state_root)));
    CHECK(user_show(unit_of(b), "LoadState") == "not-found");
}
