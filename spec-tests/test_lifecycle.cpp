// The container lifecycle as runtime.md describes it, driven through the hull binary:
// create / start / state / kill / delete / run / list, what MUST error and with no effect.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

using namespace spectest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        out.push_back(e.path().filename().string());
    return out;
}

std::string container_dir(const Bundle& b) {
    return b.state_root + "/" + b.id;
}

RunResult create_with(const Bundle& b, std::vector<std::string> extra, const RunOptions& o = {}) {
    b.write();
    std::vector<std::string> args{"create", "--bundle", b.dir};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(b.id);
    return b.hull(args, o);
}

// A bundle whose process sleeps (long enough to outlive every test step).
void sleeper(Bundle& b) {
    b.set_args({"/probe", "sleep", "60"});
}

json created_state(Bundle& b) {
    json s = require_create(b);
    REQUIRE(s["status"] == "created");
    return s;
}

} // namespace

TEST_CASE("lifecycle: create leaves a created container whose process has not run", "[lifecycle]") {
    Bundle b;
    b.set_args({"/probe", "write", "/tmp/marker", "ran"});
    std::string pidfile = temp_dir() + "/init.pid";
    RunResult c = create_with(b, {"--pid-file", pidfile});
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);

    json s = b.state();
    REQUIRE(s.is_object());
    CHECK(s["status"] == "created");
    CHECK(s["id"] == b.id);
    CHECK(s["bundle"] == b.dir);
    CHECK(s.contains("rootfs"));
    CHECK(s.contains("created"));
    CHECK(s.contains("owner"));
    CHECK_THAT(s.value("ociVersion", ""), Catch::StartsWith("1."));
    long pid = s["pid"].get<long>();
    CHECK(pid > 0);
    CHECK(pid_alive(pid));
    CHECK_FALSE(path_exists(b.host_path("/tmp/marker")));

    // --pid-file: the bare number, no newline, equal to the state pid, nothing else left.
    std::string pf = read_text(pidfile);
    CHECK(pf == std::to_string(pid));
    CHECK(entries(fs::path(pidfile).parent_path().string()) ==
          std::vector<std::string>{"init.pid"});

    RunResult st = b.start();
    INFO(describe(st));
    REQUIRE(st.exit_code == 0);
    CHECK(wait_until([&] { return read_text(b.host_path("/tmp/marker")) == "ran"; }));
    REQUIRE(b.wait_status("stopped"));
    json after = b.state();
    CHECK(after["pid"] == 0);
    CHECK(after["id"] == b.id);
    CHECK_FALSE(pid_alive(pid));
}

TEST_CASE("lifecycle: start moves created to running", "[lifecycle]") {
    Bundle b;
    sleeper(b);
    json s = created_state(b);
    RunResult st = b.start();
    INFO(describe(st));
    REQUIRE(st.exit_code == 0);
    json r = b.state();
    CHECK(r["status"] == "running");
    CHECK(r["pid"] == s["pid"]);
}

TEST_CASE("lifecycle: create passes its stdout to the container", "[lifecycle]") {
    Bundle b;
    b.set_args({"/probe", "report"});
    RunOptions o;
    o.stdout_file = temp_dir() + "/out";
    RunResult c = b.create(o);
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);
    CHECK(c.out.empty());
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    std::string out;
    CHECK(wait_until([&] {
        out = read_text(o.stdout_file);
        return out.find("\"args\"") != std::string::npos;
    }));
    json rep = parse_probe_json(out);
    CHECK(rep["args"] == json::array({"/probe", "report"}));
    CHECK(rep["pid"] == 1);
}

TEST_CASE("lifecycle: start on a running or stopped container errors with no effect",
          "[lifecycle]") {
    SECTION("running") {
        Bundle b;
        sleeper(b);
        created_state(b);
        REQUIRE(b.start().exit_code == 0);
        json before = b.state();
        REQUIRE(before["status"] == "running");
        RunResult again = b.start();
        INFO(describe(again));
        CHECK(again.exit_code != 0);
        CHECK_FALSE(again.err.empty());
        CHECK(b.state() == before);
    }
    SECTION("stopped") {
        Bundle b;
        b.set_args({"/probe", "write", "/tmp/count", "x"});
        created_state(b);
        REQUIRE(b.start().exit_code == 0);
        REQUIRE(b.wait_status("stopped"));
        json before = b.state();
        ::unlink(b.host_path("/tmp/count").c_str());
        RunResult again = b.start();
        INFO(describe(again));
        CHECK(again.exit_code != 0);
        CHECK_FALSE(again.err.empty());
        CHECK(b.state() == before);
        CHECK_FALSE(path_exists(b.host_path("/tmp/count")));
    }
    SECTION("missing") {
        Bundle b;
        RunResult r = b.start();
        CHECK(r.exit_code != 0);
        CHECK_THAT(r.err, Catch::Contains("does not exist"));
    }
}

TEST_CASE("lifecycle: start without process errors, create without it succeeds", "[lifecycle]") {
    Bundle b;
    b.config.erase("process");
    RunResult c = b.create();
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);
    json s = b.state();
    REQUIRE(s.is_object());
    CHECK(s["status"] == "created");
    RunResult st = b.start();
    INFO(describe(st));
    CHECK(st.exit_code != 0);
    CHECK_THAT(st.err, Catch::Contains("process"));
    json after = b.state();
    // No effect: still created with the same init.
    CHECK(after == s);
}

TEST_CASE("lifecycle: kill accepts signal names and numbers", "[lifecycle]") {
    SECTION("catchable signals reach the process") {
        for (std::string sig : {"TERM", "SIGUSR1", "10", "SIGTERM"}) {
            Bundle b;
            b.set_args({"/probe", "wait-signal", "/tmp/ready"});
            RunOptions o;
            o.stdout_file = temp_dir() + "/out";
            REQUIRE(b.create(o).exit_code == 0);
            REQUIRE(b.start().exit_code == 0);
            REQUIRE(wait_until([&] { return path_exists(b.host_path("/tmp/ready")); }));
            RunResult k = b.kill(sig);
            INFO(sig << "\n" << describe(k));
            CHECK(k.exit_code == 0);
            REQUIRE(b.wait_status("stopped"));
            std::string want = sig == "TERM" || sig == "SIGTERM" ? "SIGTERM" : "SIGUSR1";
            CHECK(wait_until(
                [&] { return read_text(o.stdout_file).find(want) != std::string::npos; }));
            CHECK_THAT(read_text(o.stdout_file), Catch::Contains(want));
        }
    }
    SECTION("KILL, SIGKILL and 9 stop the container") {
        for (std::string sig : {"KILL", "SIGKILL", "9"}) {
            Bundle b;
            sleeper(b);
            json s = created_state(b);
            REQUIRE(b.start().exit_code == 0);
            RunResult k = b.kill(sig);
            INFO(sig << "\n" << describe(k));
            CHECK(k.exit_code == 0);
            CHECK(b.wait_status("stopped"));
            CHECK(wait_until([&] { return !pid_alive(s["pid"].get<long>()); }));
        }
    }
}

TEST_CASE("lifecycle: kill of a created container delivers the signal", "[lifecycle]") {
    Bundle b;
    sleeper(b);
    json s = created_state(b);
    RunResult k = b.kill("KILL");
    INFO(describe(k));
    CHECK(k.exit_code == 0);
    CHECK(b.wait_status("stopped"));
}

TEST_CASE("lifecycle: kill of a stopped container errors with no effect", "[lifecycle]") {
    Bundle b;
    b.set_args({"/probe", "exit", "0"});
    created_state(b);
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    json before = b.state();
    RunResult k = b.kill("KILL");
    INFO(describe(k));
    CHECK(k.exit_code != 0);
    CHECK_THAT(k.err, Catch::Contains("container not running"));
    CHECK(b.state() == before);

    Bundle missing;
    RunResult km = missing.kill("KILL");
    CHECK(km.exit_code != 0);
    CHECK_THAT(km.err, Catch::Contains("does not exist"));
}

TEST_CASE("lifecycle: kill --all stops every process", "[lifecycle]") {
    Bundle b;
    b.set_args({"/bin/sh", "-c", "/probe sleep 60 & /probe sleep 60 & wait"});
    json s = created_state(b);
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(wait_until([&] { return procs_in_rootfs(b).size() >= 3; }));
    RunResult k = b.hull({"kill", "--all", b.id, "9"});
    INFO(describe(k));
    CHECK(k.exit_code == 0);
    CHECK(b.wait_status("stopped"));
    CHECK(wait_until([&] { return procs_in_rootfs(b).empty(); }));
}

TEST_CASE("lifecycle: delete of a created or running container fails with no effect",
          "[lifecycle]") {
    Bundle b;
    sleeper(b);
    json s = created_state(b);
    RunResult d = b.remove();
    INFO(describe(d));
    CHECK(d.exit_code != 0);
    CHECK_FALSE(d.err.empty());
    CHECK(b.state() == s);
    CHECK(pid_alive(s["pid"].get<long>()));

    REQUIRE(b.start().exit_code == 0);
    json running = b.state();
    REQUIRE(running["status"] == "running");
    RunResult d2 = b.remove();
    INFO(describe(d2));
    CHECK(d2.exit_code != 0);
    CHECK(b.state() == running);
    CHECK(pid_alive(s["pid"].get<long>()));
}

TEST_CASE("lifecycle: delete --force kills and removes", "[lifecycle]") {
    for (bool start : {false, true}) {
        Bundle b;
        sleeper(b);
        json s = created_state(b);
        if (start) REQUIRE(b.start().exit_code == 0);
        RunResult d = b.remove(true);
        INFO("started=" << start << "\n" << describe(d));
        CHECK(d.exit_code == 0);
        CHECK_FALSE(path_exists(container_dir(b)));
        CHECK(b.state().is_null());
        CHECK(wait_until([&] { return !pid_alive(s["pid"].get<long>()); }));
        CHECK(procs_in_rootfs(b).empty());
    }
}

TEST_CASE("lifecycle: delete of a stopped container removes it; the id is reusable",
          "[lifecycle]") {
    Bundle b;
    b.set_args({"/probe", "exit", "0"});
    json s = created_state(b);
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    RunResult d = b.remove();
    INFO(describe(d));
    CHECK(d.exit_code == 0);
    CHECK_FALSE(path_exists(container_dir(b)));
    CHECK(b.state().is_null());
    CHECK_FALSE(pid_alive(s["pid"].get<long>()));
    CHECK(procs_in_rootfs(b).empty());
    RunResult again = b.create();
    INFO(describe(again));
    CHECK(again.exit_code == 0);
}

TEST_CASE("lifecycle: delete of a missing id", "[lifecycle]") {
    Bundle b;
    RunResult d = b.remove();
    CHECK(d.exit_code != 0);
    CHECK_THAT(d.err, Catch::Contains("does not exist"));
    RunResult f = b.remove(true);
    INFO(describe(f));
    CHECK(f.exit_code == 0);
    RunResult st = b.hull({"state", b.id});
    CHECK(st.exit_code != 0);
    CHECK_THAT(st.err, Catch::Contains("does not exist"));
}

TEST_CASE("lifecycle: create with an existing id fails and leaves the first alone", "[lifecycle]") {
    Bundle b;
    sleeper(b);
    json s = created_state(b);
    Bundle other;
    other.set_args({"/probe", "write", "/tmp/second", "x"});
    other.write();
    RunResult c2 = other.hull({"--root", b.state_root, "create", "--bundle", other.dir, b.id});
    INFO(describe(c2));
    CHECK(c2.exit_code != 0);
    CHECK_THAT(c2.err, Catch::Contains("already exists"));
    CHECK(b.state() == s);
    CHECK(pid_alive(s["pid"].get<long>()));
    CHECK(procs_in_rootfs(other).empty());
    // The first one still works.
    CHECK(b.start().exit_code == 0);
    CHECK(b.state()["status"] == "running");
}

TEST_CASE("lifecycle: invalid container ids are refused", "[lifecycle]") {
    Bundle b;
    b.write();
    for (std::string id : {"../x", "a/b", "", ".", ".."}) {
        RunResult r = b.hull({"create", "--bundle", b.dir, id});
        INFO("id '" << id << "'\n" << describe(r));
        CHECK(r.exit_code != 0);
        CHECK_FALSE(r.err.empty());
    }
    CHECK(entries(b.state_root).empty());
    CHECK_FALSE(path_exists(fs::path(b.state_root).parent_path().string() + "/x"));
    CHECK(procs_in_rootfs(b).empty());
}

TEST_CASE("lifecycle: config.json edits after create do not affect the container", "[lifecycle]") {
    Bundle b;
    b.set_args({"/probe", "write", "/tmp/first", "1"});
    created_state(b);
    b.set_args({"/probe", "write", "/tmp/second", "2"});
    b.write();
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    CHECK(read_text(b.host_path("/tmp/first")) == "1");
    CHECK_FALSE(path_exists(b.host_path("/tmp/second")));
    CHECK(b.state()["bundle"] == b.dir);
}

TEST_CASE("lifecycle: a failed create leaves nothing behind and names the step", "[lifecycle]") {
    Bundle b;
    b.config["mounts"].push_back({{"destination", "/data"},
                                  {"type", "bind"},
                                  {"source", b.dir + "/no-such-source"},
                                  {"options", json::array({"rbind"})}});
    std::string log = temp_dir() + "/log.json";
    b.write();
    RunResult c = b.hull({"--log", log, "--log-format", "json", "create", "--bundle", b.dir, b.id});
    INFO(describe(c));
    CHECK(c.exit_code != 0);
    CHECK_FALSE(path_exists(container_dir(b)));
    CHECK(entries(b.state_root).empty());
    CHECK(procs_in_rootfs(b).empty());
    CHECK(b.state().is_null());

    std::string text = read_text(log);
    INFO("log: " << text);
    std::vector<std::string> lines;
    std::stringstream ss(text);
    for (std::string l; std::getline(ss, l);)
        if (!l.empty()) lines.push_back(l);
    REQUIRE(lines.size() == 1);
    json j = json::parse(lines[0], nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["level"] == "error");
    CHECK(j.contains("time"));
    std::string msg = j.value("msg", "");
    CHECK_THAT(msg, Catch::Contains("mount"));
    CHECK_THAT(msg, Catch::Contains("/data"));
    // The id is free again.
    b.config["mounts"].erase(b.config["mounts"].size() - 1);
    CHECK(b.create().exit_code == 0);
}

TEST_CASE("lifecycle: run returns the exit code of the process", "[lifecycle]") {
    SECTION("exit 7") {
        Bundle b;
        b.set_args({"/probe", "exit", "7"});
        RunResult r = b.run();
        INFO(describe(r));
        CHECK(r.exit_code == 7);
        // Without --keep the container is gone.
        CHECK_FALSE(path_exists(container_dir(b)));
    }
    SECTION("killed by SIGKILL is 137") {
        Bundle b;
        // Not pid 1 in its own pid namespace, where SIGKILL from inside would be ignored.
        json ns = json::array();
        for (const auto& n : b.config["linux"]["namespaces"])
            if (n["type"] != "pid") ns.push_back(n);
        b.config["linux"]["namespaces"] = ns;
        b.set_args({"/probe", "kill-self", "KILL"});
        RunResult r = b.run();
        INFO(describe(r));
        CHECK(r.exit_code == 137);
    }
    SECTION("stdout is the run stdout") {
        Bundle b;
        b.set_args({"/bin/sh", "-c", "echo hello-from-run"});
        RunResult r = b.run();
        INFO(describe(r));
        CHECK(r.exit_code == 0);
        CHECK(r.out == "hello-from-run\n");
    }
}

TEST_CASE("lifecycle: run -d leaves a running container", "[lifecycle]") {
    Bundle b;
    sleeper(b);
    b.write();
    RunOptions o;
    o.stdout_file = temp_dir() + "/out";
    RunResult r = b.hull({"run", "-d", "--bundle", b.dir, b.id}, o);
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    json s = b.state();
    REQUIRE(s.is_object());
    CHECK(s["status"] == "running");
    CHECK(pid_alive(s["pid"].get<long>()));
}

TEST_CASE("lifecycle: run --keep keeps the stopped container", "[lifecycle]") {
    Bundle b;
    b.set_args({"/probe", "exit", "3"});
    b.write();
    RunResult r = b.hull({"run", "--keep", "--bundle", b.dir, b.id});
    INFO(describe(r));
    CHECK(r.exit_code == 3);
    json s = b.state();
    REQUIRE(s.is_object());
    CHECK(s["status"] == "stopped");
    RunResult l = b.hull({"list", "--format", "json"});
    REQUIRE(l.exit_code == 0);
    json arr = json::parse(l.out, nullptr, false);
    REQUIRE(arr.is_array());
    REQUIRE(arr.size() == 1);
    CHECK(arr[0]["id"] == b.id);
    CHECK(arr[0]["status"] == "stopped");
    CHECK(b.remove().exit_code == 0);
}

TEST_CASE("lifecycle: list shows containers as a table and as JSON", "[lifecycle]") {
    Bundle b;
    sleeper(b);
    RunResult empty = b.hull({"list", "--format", "json"});
    INFO(describe(empty));
    REQUIRE(empty.exit_code == 0);
    json none = json::parse(empty.out, nullptr, false);
    CHECK((none.is_null() || (none.is_array() && none.empty())));

    json s = created_state(b);
    RunResult l = b.hull({"list", "--format", "json"});
    INFO(describe(l));
    REQUIRE(l.exit_code == 0);
    json arr = json::parse(l.out, nullptr, false);
    REQUIRE(arr.is_array());
    REQUIRE(arr.size() == 1);
    CHECK(arr[0]["id"] == b.id);
    CHECK(arr[0]["status"] == "created");
    CHECK(arr[0]["pid"] == s["pid"]);
    CHECK(arr[0]["bundle"] == b.dir);

    RunResult t = b.hull({"list"});
    INFO(describe(t));
    REQUIRE(t.exit_code == 0);
    CHECK_THAT(t.out, Catch::Contains("ID"));
    CHECK_THAT(t.out, Catch::Contains(b.id));
    CHECK_THAT(t.out, Catch::Contains("created"));

    RunResult q = b.hull({"list", "-q"});
    CHECK(q.out == b.id + "\n");
}

TEST_CASE("lifecycle: two concurrent delete --force do not corrupt anything", "[lifecycle]") {
    Bundle b;
    sleeper(b);
    json s = created_state(b);
    REQUIRE(b.start().exit_code == 0);
    std::string h = hull_binary() + " --root " + b.state_root + " delete --force " + b.id;
    RunResult r = run_command({"/bin/sh", "-c",
                               h + " & p1=$!; " + h +
                                   " & p2=$!; wait $p1; a=$?; wait $p2; b=$?; "
                                   "echo \"$a $b\""});
    INFO(describe(r));
    std::string out = r.out;
    int a = -1, c = -1;
    std::stringstream(out) >> a >> c;
    // At least one succeeds; a loser may only fail because the container is already gone.
    CHECK((a == 0 || c == 0));
    if (a != 0 || c != 0) CHECK_THAT(r.err, Catch::Contains("does not exist"));
    CHECK_FALSE(path_exists(container_dir(b)));
    CHECK(entries(b.state_root).empty());
    CHECK(wait_until([&] { return !pid_alive(s["pid"].get<long>()); }));
    // The id can be used again.
    CHECK(b.create().exit_code == 0);
}
