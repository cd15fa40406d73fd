// The hull command line as callers drive it: version, help, errors and exit codes, the
// JSON error log, features and spec. Container commands get their own test files.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

using namespace spectest;
using nlohmann::json;

namespace {

bool file_exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

// hull --root <fresh dir> args...: no test touches /run/hull.
RunResult hull_in_root(std::vector<std::string> args, const RunOptions& opts = {}) {
    args.insert(args.begin(), {"--root", temp_dir() + "/state"});
    return run_hull(args, opts);
}

const std::vector<std::string> kCommands{
    "checkpoint", "create",  "delete", "events", "exec", "features", "kill",  "list",  "pause",
    "ps",         "restore", "resume", "run",    "spec", "start",    "state", "update"};

} // namespace

TEST_CASE("cli: --version prints three lines", "[cli]") {
    RunResult r = run_hull({"--version"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.empty());
    const auto ls = lines_of(r.out);
    REQUIRE(ls.size() == 3);
    CHECK(r.out.back() == '\n');
    CHECK(std::regex_match(ls[0], std::regex(R"(hull version \d+\.\d+\.\d+\S*)")));
    CHECK(std::regex_match(ls[1], std::regex(R"(commit: \S+)")));
    CHECK(std::regex_match(ls[2], std::regex(R"(spec: 1\.\d+\.\d+\S*)")));

    RunResult v = run_hull({"-v"});
    CHECK(v.exit_code == 0);
    CHECK(v.out == r.out);
}

TEST_CASE("cli: help lists every command", "[cli]") {
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}, {}, {"--debug"}}) {
        RunResult r = run_hull(args);
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find("Usage: hull [global options] COMMAND") != std::string::npos);
        for (const auto& c : kCommands)
            CHECK(r.out.find("   " + c + " ") != std::string::npos);
        CHECK(r.out.find("--log-format") != std::string::npos);
    }
}

TEST_CASE("cli: command help on stdout, exit 0", "[cli]") {
    for (const auto& c : kCommands) {
        RunResult a = run_hull({c, "--help"});
        RunResult b = run_hull({"help", c});
        RunResult h = run_hull({c, "-h"});
        INFO(describe(a));
        REQUIRE(a.exit_code == 0);
        CHECK(a.out.starts_with("Usage: hull " + c));
        CHECK(a.out.find("--help") != std::string::npos);
        CHECK(a.err.empty());
        CHECK(b.exit_code == 0);
        CHECK(b.out == a.out);
        CHECK(h.exit_code == 0);
        CHECK(h.out == a.out);
    }
    RunResult create = run_hull({"create", "--help"});
    CHECK(create.out.find("--bundle") != std::string::npos);
    CHECK(create.out.find("--console-socket") != std::string::npos);
    CHECK(create.out.find("--pid-file") != std::string::npos);
}

TEST_CASE("cli: unknown commands and flags fail", "[cli]") {
    RunResult cmd = run_hull({"frobnicate"});
    INFO(describe(cmd));
    CHECK(cmd.exit_code == 1);
    CHECK(cmd.err == "hull: unknown command \"frobnicate\"\n");
    CHECK(cmd.out.empty());

    RunResult topic = run_hull({"help", "frobnicate"});
    CHECK(topic.exit_code == 1);
    CHECK(topic.err == "hull: unknown command \"frobnicate\"\n");

    RunResult global = run_hull({"--bogus", "state", "x"});
    CHECK(global.exit_code == 1);
    CHECK(global.err == "hull: flag provided but not defined: -bogus\n");

    RunResult local = hull_in_root({"state", "--bogus", "x"});
    CHECK(local.exit_code == 1);
    CHECK(local.err == "hull: flag provided but not defined: -bogus\n");

    RunResult value = hull_in_root({"create", "x", "--bundle"});
    CHECK(value.exit_code == 1);
    CHECK(value.err == "hull: flag needs an argument: -bundle\n");

    RunResult format = run_hull({"--log-format", "xml", "state", "x"});
    CHECK(format.exit_code == 1);
    CHECK(format.err.find("invalid value \"xml\" for flag -log-format") != std::string::npos);

    RunResult fds = hull_in_root({"create", "--preserve-fds", "many", "x"});
    CHECK(fds.exit_code == 1);
    CHECK(fds.err.find("for flag -preserve-fds") != std::string::npos);
}

TEST_CASE("cli: wrong argument counts fail", "[cli]") {
    RunResult none = hull_in_root({"state"});
    INFO(describe(none));
    CHECK(none.exit_code == 1);
    CHECK(none.err == "hull: \"state\" requires exactly 1 argument\n");

    RunResult two = hull_in_root({"start", "a", "b"});
    CHECK(two.exit_code == 1);
    CHECK(two.err == "hull: \"start\" requires exactly 1 argument\n");

    RunResult kill = hull_in_root({"kill", "a", "TERM", "x"});
    CHECK(kill.exit_code == 1);
    CHECK(kill.err == "hull: \"kill\" requires 1 to 2 arguments\n");

    RunResult exec = hull_in_root({"exec"});
    CHECK(exec.exit_code == 1);
    CHECK(exec.err == "hull: \"exec\" requires at least 1 argument\n");

    RunResult features = run_hull({"features", "extra"});
    CHECK(features.exit_code == 1);
    CHECK(features.err == "hull: \"features\" accepts no arguments\n");
}

TEST_CASE("cli: --log-format json writes exactly one JSON line per error", "[cli]") {
    const std::string dir = temp_dir();
    const std::string log = dir + "/log.json";
    RunResult r = hull_in_root({"--log", log, "--log-format", "json", "state", "c1"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    // As runc and crun, the error goes to stderr too (conmon's fallback message).
    CHECK(r.err == "hull: container c1 does not exist\n");
    const std::string text = read_text(log);
    const auto ls = lines_of(text);
    REQUIRE(ls.size() == 1);
    CHECK(ls[0].starts_with("{\"level\":\"error\",\"msg\":"));
    json j = json::parse(text); // podman decodes the whole file as one object
    CHECK(j.size() == 3);
    CHECK(j["level"] == "error");
    CHECK(j["msg"] == "container c1 does not exist");
    CHECK(std::regex_match(j["time"].get<std::string>(),
                           std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)")));
    struct stat st {};
    REQUIRE(::stat(log.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    // Appended by a second failure (=-forms as podman passes them).
    RunResult second = hull_in_root({"--log=" + log, "--log-format=json", "nosuch"});
    CHECK(second.exit_code == 1);
    const auto both = lines_of(read_text(log));
    REQUIRE(both.size() == 2);
    CHECK(json::parse(both[1])["msg"] == "unknown command \"nosuch\"");

    // A successful command writes nothing and creates no file.
    const std::string quiet = dir + "/quiet.json";
    RunResult ok = run_hull({"--log", quiet, "--log-format", "json", "features"});
    CHECK(ok.exit_code == 0);
    CHECK_FALSE(file_exists(quiet));
}

TEST_CASE("cli: text log file gets logfmt lines and stderr the plain error", "[cli]") {
    const std::string log = temp_dir() + "/log.txt";
    RunResult r = hull_in_root({"--log", log, "pause", "c1"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err == "hull: container c1 does not exist\n");
    const auto ls = lines_of(read_text(log));
    REQUIRE(ls.size() == 1);
    CHECK(std::regex_match(
        ls[0],
        std::regex(R"re(time="[0-9T:.-]+Z" level=error msg="container c1 does not exist")re")));
}

TEST_CASE("cli: features prints the features document", "[cli]") {
    RunResult r = run_hull({"features"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json j = json::parse(r.out);
    REQUIRE(j.is_object());
    REQUIRE(j.contains("ociVersionMin"));
    REQUIRE(j.contains("ociVersionMax"));
    CHECK(j["ociVersionMin"].is_string());
    CHECK(j["ociVersionMax"].is_string());
    CHECK(j["ociVersionMin"].get<std::string>().starts_with("1."));
    CHECK(j["ociVersionMax"].get<std::string>().starts_with("1."));
}

TEST_CASE("cli: spec writes config.json once", "[cli]") {
    const std::string dir = temp_dir();
    RunResult r = run_hull({"spec", "--bundle", dir});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    const std::string first = read_text(dir + "/config.json");
    json j = json::parse(first);
    CHECK(j["ociVersion"].is_string());
    CHECK(j["process"]["args"].is_array());
    CHECK(j["root"]["path"] == "rootfs");
    // Nothing but config.json is left in the bundle (no temp files).
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    CHECK(names == std::vector<std::string>{"config.json"});

    write_text(dir + "/config.json", "{\"mine\":true}");
    RunResult again = run_hull({"spec", "-b", dir});
    CHECK(again.exit_code == 1);
    CHECK(again.err == "hull: File config.json exists. Remove it first\n");
    CHECK(read_text(dir + "/config.json") == "{\"mine\":true}");
}

TEST_CASE("cli: spec without --bundle writes into the working directory", "[cli]") {
    const std::string dir = temp_dir();
    RunOptions o;
    o.cwd = dir;
    RunResult r = run_hull({"spec"}, o);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(json::parse(read_text(dir + "/config.json")).is_object());

    RunResult missing = run_hull({"spec", "-b", dir + "/nope"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.starts_with("hull: open bundle " + dir + "/nope: "));
}

TEST_CASE("cli: spec --rootless has a user namespace", "[cli]") {
    const std::string dir = temp_dir();
    RunResult r = run_hull({"spec", "--rootless", "--bundle", dir});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json j = json::parse(read_text(dir + "/config.json"));
    bool user_ns = false;
    for (const auto& ns : j["linux"]["namespaces"])
        if (ns["type"] == "user") user_ns = true;
    CHECK(user_ns);
    CHECK(j["linux"]["uidMappings"].is_array());

    const std::string root_dir = temp_dir();
    REQUIRE(run_hull({"spec", "--bundle", root_dir}).exit_code == 0);
    json root = json::parse(read_text(root_dir + "/config.json"));
    for (const auto& ns : root["linux"]["namespaces"])
        CHECK(ns["type"] != "user");
}

TEST_CASE("cli: a JSON log of a failed create holds only the error, despite warnings", "[cli]") {
    // podman decodes the whole log file as one {level,msg,time} object when create fails.
    Bundle b;
    b.config["process"]["capabilities"]["bounding"].push_back("CAP_NO_SUCH_THING"); // warns
    b.config["mounts"].push_back({{"destination", "/data"},
                                  {"type", "bind"},
                                  {"source", b.dir + "/no-such-source"},
                                  {"options", json::array({"rbind"})}});
    b.write();
    const std::string log = temp_dir() + "/oci-log";
    RunResult r = b.hull({"--log", log, "--log-format", "json", "create", "--bundle", b.dir, b.id});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    const std::string text = read_text(log);
    INFO("log: " << text);
    const json j = json::parse(text, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["level"] == "error");
    CHECK(j["msg"].get<std::string>().find("/data") != std::string::npos);
    CHECK(r.err == "hull: " + j["msg"].get<std::string>() + "\n");

    // With --debug the warning is there too, one JSON object per line.
    const std::string dlog = temp_dir() + "/debug-log";
    RunResult d = b.hull(
        {"--debug", "--log", dlog, "--log-format", "json", "create", "--bundle", b.dir, b.id});
    CHECK(d.exit_code == 1);
    bool warned = false;
    for (const auto& l : lines_of(read_text(dlog))) {
        const json x = json::parse(l);
        if (x["level"] == "warning" &&
            x["msg"].get<std::string>().find("CAP_NO_SUCH_THING") != std::string::npos)
            warned = true;
    }
    CHECK(warned);
}
