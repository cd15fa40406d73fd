// Lifecycle hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle"): order, the
// namespaces they run in, the state on stdin, args/env, failures and timeouts.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

using namespace spectest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A hook running `script` with /bin/sh (the host's or, for startContainer, the rootfs').
json sh_hook(const std::string& script) {
    return {{"path", "/bin/sh"},
            {"args", json::array({"sh", "-c", script})},
            {"env", json::array({"PATH=/usr/sbin:/usr/bin:/sbin:/bin"})}};
}

// Appends `name` to LOG and saves the state from stdin as DIR/<name>.json.
json logging_hook(const std::string& dir, const std::string& name, const std::string& extra = "") {
    return sh_hook("echo " + name + extra + " >> " + dir + "/log; cat > " + dir + "/" + name +
                   ".json");
}

// Bind-mounts `dir` at /hooklog in the container.
void mount_log_dir(Bundle& b, const std::string& dir) {
    b.config["mounts"].push_back({{"destination", "/hooklog"},
                                  {"type", "bind"},
                                  {"source", dir},
                                  {"options", json::array({"rbind"})}});
}

json read_json(const std::string& path) {
    return json::parse(read_text(path), nullptr, false);
}

} // namespace

TEST_CASE("hooks: every kind runs in lifecycle order with the state on stdin", "[hooks]") {
    Bundle b;
    std::string d = temp_dir();
    mount_log_dir(b, d);
    b.config["hostname"] = "hooked-host";
    auto& h = b.config["hooks"];
    h["prestart"] = json::array({logging_hook(d, "prestart")});
    h["createRuntime"] = json::array({logging_hook(d, "createRuntime")});
    // Runs in the container namespaces with the host filesystem (before pivot_root):
    // record the UTS hostname it sees.
    h["createContainer"] =
        json::array({sh_hook("echo createContainer $(cat /proc/sys/kernel/hostname) >> " + d +
                             "/log; cat > " + d + "/createContainer.json")});
    // Path resolved in the container: the rootfs busybox, writing through /hooklog.
    h["startContainer"] = json::array(
        {sh_hook("echo startContainer >> /hooklog/log; cat > /hooklog/startContainer.json; "
                 "echo in-rootfs > /tmp/start-hook")});
    h["poststart"] = json::array({logging_hook(d, "poststart")});
    h["poststop"] = json::array({logging_hook(d, "poststop")});
    b.set_args({"/bin/sh", "-c", "echo process >> /hooklog/proc"});

    long pid = require_create(b)["pid"].get<long>();
    CHECK(lines_of(read_text(d + "/log")) ==
          std::vector<std::string>{"prestart", "createRuntime", "createContainer hooked-host"});
    CHECK_FALSE(path_exists(d + "/proc"));

    RunResult st = b.start();
    INFO(describe(st));
    REQUIRE(st.exit_code == 0);
    CHECK(lines_of(read_text(d + "/log")) ==
          std::vector<std::string>{"prestart", "createRuntime", "createContainer hooked-host",
                                   "startContainer", "poststart"});
    CHECK(read_text(b.host_path("/tmp/start-hook")) == "in-rootfs\n");
    REQUIRE(b.wait_status("stopped"));
    CHECK(read_text(d + "/proc") == "process\n");
    RunResult del = b.remove();
    INFO(describe(del));
    REQUIRE(del.exit_code == 0);
    CHECK(lines_of(read_text(d + "/log")) ==
          std::vector<std::string>{"prestart", "createRuntime", "createContainer hooked-host",
                                   "startContainer", "poststart", "poststop"});

    // The state each hook got on stdin.
    for (std::string name : {"prestart", "createRuntime", "createContainer", "startContainer",
                             "poststart", "poststop"}) {
        json s = read_json(d + "/" + name + ".json");
        INFO(name << ": " << read_text(d + "/" + name + ".json"));
        REQUIRE(s.is_object());
        CHECK(s["id"] == b.id);
        CHECK(s["bundle"] == b.dir);
        CHECK_THAT(s.value("ociVersion", ""), Catch::StartsWith("1."));
        CHECK(s["status"].is_string());
        CHECK_FALSE(s.value("status", "").empty());
    }
    json pre = read_json(d + "/prestart.json");
    CHECK(pre["status"] == "creating");
    CHECK(pre["pid"] == pid);
    json cr = read_json(d + "/createRuntime.json");
    CHECK(cr["status"] == "creating");
    CHECK(cr["pid"] == pid);
    // Container-namespace hooks see the pid as seen in the container (pid namespace: 1).
    CHECK(read_json(d + "/createContainer.json")["pid"] == 1);
    CHECK(read_json(d + "/startContainer.json")["pid"] == 1);
    json ps = read_json(d + "/poststart.json");
    CHECK(ps["status"] == "running");
    CHECK(ps["pid"] == pid);
    CHECK(read_json(d + "/poststop.json")["status"] == "stopped");
}

TEST_CASE("hooks: several hooks of one kind run in the listed order", "[hooks]") {
    Bundle b;
    std::string d = temp_dir();
    b.config["hooks"]["prestart"] =
        json::array({logging_hook(d, "a"), logging_hook(d, "b"), logging_hook(d, "c")});
    b.config["hooks"]["createRuntime"] = json::array({logging_hook(d, "d")});
    b.set_args({"/probe", "exit", "0"});
    RunResult c = b.create();
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);
    CHECK(lines_of(read_text(d + "/log")) == std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("hooks: args and env are passed exactly", "[hooks]") {
    Bundle b;
    std::string d = temp_dir();
    b.config["hooks"]["prestart"] =
        json::array({{{"path", "/bin/sh"},
                      {"args", json::array({"my-hook", "-c",
                                            "echo \"$(head -c 7 /proc/$$/cmdline)|$0|$1|$FOO\" > " +
                                                d + "/args; /usr/bin/env > " + d + "/env",
                                            "first", "second"})},
                      {"env", json::array({"FOO=bar baz", "HULL_HOOK_TEST=1"})}}});
    b.set_args({"/probe", "exit", "0"});
    RunResult c = b.create();
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);
    // argv[0] is the process name; sh -c makes the next two words $0 and $1.
    CHECK(read_text(d + "/args") == "my-hook|first|second|bar baz\n");
    std::vector<std::string> env = lines_of(read_text(d + "/env"));
    CHECK(std::find(env.begin(), env.end(), "FOO=bar baz") != env.end());
    CHECK(std::find(env.begin(), env.end(), "HULL_HOOK_TEST=1") != env.end());
    // Nothing of hull's own environment leaks in (dash may add PWD).
    for (const auto& e : env) {
        INFO(e);
        CHECK((e.rfind("FOO=", 0) == 0 || e.rfind("HULL_HOOK_TEST=", 0) == 0 ||
               e.rfind("PWD=", 0) == 0));
    }
}

TEST_CASE("hooks: a failing prestart hook fails create, leaves nothing, runs poststop", "[hooks]") {
    Bundle b;
    std::string d = temp_dir();
    b.config["hooks"]["prestart"] = json::array({sh_hook("echo prestart-broke >&2; exit 3")});
    b.config["hooks"]["createRuntime"] = json::array({logging_hook(d, "createRuntime")});
    b.config["hooks"]["poststop"] = json::array({logging_hook(d, "poststop")});
    b.set_args({"/probe", "write", "/tmp/ran", "x"});
    RunResult c = b.create();
    INFO(describe(c));
    CHECK(c.exit_code != 0);
    CHECK_THAT(c.err, Catch::Contains("prestart"));
    CHECK_FALSE(path_exists(b.state_root + "/" + b.id));
    CHECK(b.state().is_null());
    CHECK(procs_in_rootfs(b).empty());
    CHECK_FALSE(path_exists(b.host_path("/tmp/ran")));
    CHECK(lines_of(read_text(d + "/log")) == std::vector<std::string>{"poststop"});
    // The id is free again.
    b.config["hooks"].erase("prestart");
    CHECK(b.create().exit_code == 0);
}

TEST_CASE("hooks: a failing createContainer hook fails create and leaves nothing", "[hooks]") {
    Bundle b;
    std::string d = temp_dir();
    b.config["hooks"]["createContainer"] = json::array({sh_hook("exit 5")});
    // No prestart or createRuntime hook: the init does not wait for the runtime there, and
    // the failure after that point still runs the poststop hooks.
    b.config["hooks"]["poststop"] = json::array({logging_hook(d, "poststop")});
    b.set_args({"/probe", "exit", "0"});
    RunResult c = b.create();
    INFO(describe(c));
    CHECK(c.exit_code != 0);
    CHECK_THAT(c.err, Catch::Contains("createContainer"));
    CHECK_FALSE(path_exists(b.state_root + "/" + b.id));
    CHECK(procs_in_rootfs(b).empty());
    CHECK(lines_of(read_text(d + "/log")) == std::vector<std::string>{"poststop"});
}

TEST_CASE("hooks: a failing startContainer hook fails start; the process never runs", "[hooks]") {
    Bundle b;
    b.config["hooks"]["startContainer"] = json::array({sh_hook("exit 4")});
    b.set_args({"/probe", "write", "/tmp/ran", "x"});
    REQUIRE(b.create().exit_code == 0);
    RunResult st = b.start();
    INFO(describe(st));
    CHECK(st.exit_code != 0);
    CHECK_THAT(st.err, Catch::Contains("startContainer"));
    CHECK_FALSE(path_exists(b.host_path("/tmp/ran")));
    CHECK(wait_until([&] {
        json s = b.state();
        return s.is_null() || s.value("status", "") == "stopped";
    }));
}

TEST_CASE("hooks: a failing poststart hook fails start and stops the container", "[hooks]") {
    Bundle b;
    b.config["hooks"]["poststart"] = json::array({sh_hook("exit 6")});
    b.set_args({"/probe", "sleep", "60"});
    REQUIRE(b.create().exit_code == 0);
    long pid = b.state()["pid"].get<long>();
    RunResult st = b.start();
    INFO(describe(st));
    CHECK(st.exit_code != 0);
    CHECK_THAT(st.err, Catch::Contains("poststart"));
    CHECK(wait_until([&] { return !pid_alive(pid); }));
    json s = b.state();
    CHECK((s.is_null() || s.value("status", "") == "stopped"));
}

TEST_CASE("hooks: a failing poststop hook only warns; the others run, delete succeeds", "[hooks]") {
    Bundle b;
    std::string d = temp_dir();
    b.config["hooks"]["poststop"] =
        json::array({logging_hook(d, "first"), sh_hook("echo poststop-broke >&2; exit 2"),
                     logging_hook(d, "third")});
    b.set_args({"/probe", "exit", "0"});
    REQUIRE(b.create().exit_code == 0);
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    RunResult del = b.remove();
    INFO(describe(del));
    CHECK(del.exit_code == 0);
    CHECK_THAT(del.err, Catch::Contains("poststop"));
    CHECK_FALSE(path_exists(b.state_root + "/" + b.id));
    CHECK(lines_of(read_text(d + "/log")) == std::vector<std::string>{"first", "third"});
}

TEST_CASE("hooks: a hook that outlives its timeout is killed and fails", "[hooks]") {
    Bundle b;
    std::string d = temp_dir();
    json hook = sh_hook("echo $$ > " + d + "/pid; exec sleep 60");
    hook["timeout"] = 1;
    b.config["hooks"]["createRuntime"] = json::array({hook});
    b.set_args({"/probe", "exit", "0"});
    auto t0 = std::chrono::steady_clock::now();
    RunResult c = b.create();
    auto took = std::chrono::steady_clock::now() - t0;
    INFO(describe(c));
    CHECK(c.exit_code != 0);
    CHECK_THAT(c.err, Catch::Contains("createRuntime"));
    CHECK(took < std::chrono::seconds(20));
    long hook_pid = std::atol(read_text(d + "/pid").c_str());
    CHECK(hook_pid > 0);
    CHECK(wait_until([&] { return !pid_alive(hook_pid); }, 5000));
    CHECK_FALSE(path_exists(b.state_root + "/" + b.id));
    CHECK(procs_in_rootfs(b).empty());
}

TEST_CASE("hooks: a zero or relative hook is rejected before anything runs", "[hooks]") {
    SECTION("timeout 0") {
        Bundle b;
        std::string d = temp_dir();
        json hook = logging_hook(d, "ran");
        hook["timeout"] = 0;
        b.config["hooks"]["prestart"] = json::array({hook});
        RunResult c = b.create();
        INFO(describe(c));
        CHECK(c.exit_code != 0);
        CHECK_FALSE(path_exists(d + "/log"));
        CHECK_FALSE(path_exists(b.state_root + "/" + b.id));
    }
    SECTION("relative path") {
        Bundle b;
        b.config["hooks"]["prestart"] = json::array({{{"path", "bin/true"}}});
        RunResult c = b.create();
        INFO(describe(c));
        CHECK(c.exit_code != 0);
        CHECK_FALSE(path_exists(b.state_root + "/" + b.id));
        CHECK(procs_in_rootfs(b).empty());
    }
}
