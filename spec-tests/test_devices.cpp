// Spec tests for the default devices, the /dev symlinks and linux.devices
// (config-linux.md "Devices", "Default Devices"; runtime-linux.md "Dev symbolic links"),
// checked from inside the container with `probe stat`.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

using namespace spectest;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Runs `probe stat PATH` (lstat) for every path in one container; a path that cannot be
// stat'ed gives null.
std::vector<json> stat_all(Bundle& b, const std::vector<std::string>& paths) {
    std::string script;
    for (const auto& p : paths)
        script += "/probe stat " + p + " | grep '^{' || echo null; ";
    b.set_args({"/bin/sh", "-c", script});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    std::vector<json> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);)
        out.push_back(json::parse(line));
    REQUIRE(out.size() == paths.size());
    return out;
}

json device(const std::string& path, const std::string& type, int major, int minor) {
    return {{"path", path}, {"type", type}, {"major", major}, {"minor", minor}};
}

} // namespace

TEST_CASE("the default devices exist with the right numbers", "[devices]") {
    struct Dev {
        const char* path;
        int major;
        int minor;
    };
    const std::vector<Dev> devs{{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
                                {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
    std::vector<std::string> paths;
    for (const auto& d : devs)
        paths.push_back(d.path);
    Bundle b;
    auto st = stat_all(b, paths);
    for (size_t i = 0; i < devs.size(); ++i) {
        INFO(devs[i].path << ": " << st[i].dump());
        REQUIRE(st[i].is_object());
        CHECK(st[i]["type"] == "char");
        CHECK(st[i]["major"] == devs[i].major);
        CHECK(st[i]["minor"] == devs[i].minor);
    }
}

TEST_CASE("the default devices are usable", "[devices]") {
    Bundle b;
    b.set_args({"/bin/sh", "-c",
                "/probe write /dev/null x && /probe write /dev/full x; "
                "head -c 4 /dev/zero | wc -c; head -c 16 /dev/urandom | wc -c"});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("write /dev/full: No space left on device") != std::string::npos);
    CHECK(r.out.find("4\n16\n") != std::string::npos);
}

TEST_CASE("/dev/ptmx and the fd symlinks", "[devices]") {
    Bundle b;
    auto st = stat_all(b, {"/dev/ptmx", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr"});
    const std::vector<std::string> targets{"pts/ptmx", "/proc/self/fd", "/proc/self/fd/0",
                                           "/proc/self/fd/1", "/proc/self/fd/2"};
    for (size_t i = 0; i < targets.size(); ++i) {
        INFO(st[i].dump());
        REQUIRE(st[i].is_object());
        CHECK(st[i]["type"] == "symlink");
        CHECK(st[i]["target"] == targets[i]);
    }
    // /dev/ptmx leads to the container's own devpts instance.
    Bundle p;
    p.set_args({"/probe", "stat", "-L", "/dev/ptmx"});
    RunResult r = p.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json t = parse_probe_json(r.out);
    CHECK(t["type"] == "char");
    CHECK(t["major"] == 5);
    CHECK(t["minor"] == 2);
}

TEST_CASE("a configured char device gets its numbers, mode and owner", "[devices]") {
    Bundle b;
    json d = device("/dev/mydev", "c", 1, 3);
    d["fileMode"] = 432; // 0660
    d["uid"] = 1;
    d["gid"] = 2;
    json u = device("/dev/myunbuffered", "u", 1, 5);
    u["fileMode"] = 0640;
    b.config["linux"]["devices"] = json::array({d, u});
    auto st = stat_all(b, {"/dev/mydev", "/dev/myunbuffered"});
    INFO(st[0].dump() << "\n" << st[1].dump());
    REQUIRE(st[0].is_object());
    CHECK(st[0]["type"] == "char");
    CHECK(st[0]["major"] == 1);
    CHECK(st[0]["minor"] == 3);
    CHECK(st[0]["mode"] == 0660);
    CHECK(st[0]["uid"] == 1);
    CHECK(st[0]["gid"] == 2);
    REQUIRE(st[1].is_object());
    CHECK(st[1]["type"] == "char");
    CHECK(st[1]["major"] == 1);
    CHECK(st[1]["minor"] == 5);
    CHECK(st[1]["mode"] == 0640);
    CHECK(st[1]["uid"] == 0);
    CHECK(st[1]["gid"] == 0);
}

TEST_CASE("a configured fifo and block device", "[devices]") {
    Bundle b;
    json f = {{"path", "/dev/myfifo"}, {"type", "p"}, {"fileMode", 0600}};
    json blk = device("/dev/myloop", "b", 7, 0);
    blk["fileMode"] = 0660;
    b.config["linux"]["devices"] = json::array({f, blk});
    auto st = stat_all(b, {"/dev/myfifo", "/dev/myloop"});
    INFO(st[0].dump() << "\n" << st[1].dump());
    REQUIRE(st[0].is_object());
    CHECK(st[0]["type"] == "fifo");
    CHECK(st[0]["mode"] == 0600);
    REQUIRE(st[1].is_object());
    CHECK(st[1]["type"] == "block");
    CHECK(st[1]["major"] == 7);
    CHECK(st[1]["minor"] == 0);
    CHECK(st[1]["mode"] == 0660);
}

TEST_CASE("a device under missing directories gets its parents", "[devices]") {
    Bundle b;
    json d = device("/dev/sub/dir/node", "c", 1, 5);
    d["fileMode"] = 0666;
    json outside = device("/opt/devs/null2", "c", 1, 3);
    outside["fileMode"] = 0666;
    b.config["linux"]["devices"] = json::array({d, outside});
    auto st = stat_all(b, {"/dev/sub/dir/node", "/dev/sub/dir", "/opt/devs/null2"});
    INFO(st[0].dump() << "\n" << st[1].dump() << "\n" << st[2].dump());
    REQUIRE(st[0].is_object());
    CHECK(st[0]["type"] == "char");
    CHECK(st[0]["major"] == 1);
    CHECK(st[0]["minor"] == 5);
    CHECK(st[0]["mode"] == 0666);
    REQUIRE(st[1].is_object());
    CHECK(st[1]["type"] == "dir");
    REQUIRE(st[2].is_object());
    CHECK(st[2]["type"] == "char");
    CHECK(st[2]["minor"] == 3);
}

TEST_CASE("a file in the way of a device that does not match is an error", "[devices]") {
    Bundle b;
    json d = device("/etc/passwd", "c", 1, 3);
    d["fileMode"] = 0666;
    b.config["linux"]["devices"] = json::array({d});
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("\"pid\"") == std::string::npos); // the probe never ran
    CHECK(fs::is_regular_file(b.host_path("/etc/passwd")));
}

TEST_CASE("an invalid device type is an error", "[devices]") {
    Bundle b;
    b.config["linux"]["devices"] = json::array({device("/dev/bad", "x", 1, 3)});
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("\"pid\"") == std::string::npos);
}
