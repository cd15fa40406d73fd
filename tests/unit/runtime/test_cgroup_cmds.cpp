// The pure parts of the cgroup commands: update's merge, ps's table filter, events' interval.
#include "hull/runtime.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace hull;
using namespace hull::runtime;
using namespace std::chrono_literals;

namespace {

Resources current_resources() {
    Resources r;
    r.devices.push_back(DeviceRule{false, std::nullopt, std::nullopt, std::nullopt, "rwm"});
    r.memory.emplace();
    r.memory->limit = 100 << 20;
    r.memory->swap = 200 << 20;
    r.memory->reservation = 50 << 20;
    r.cpu.emplace();
    r.cpu->shares = 1024;
    r.cpu->cpus = "0";
    r.pids.emplace().limit = 10;
    r.hugepageLimits.push_back({"2MB", 1 << 21});
    r.unified["memory.high"] = "max";
    return r;
}

} // namespace

TEST_CASE("update merge: an empty delta changes nothing", "[runtime][update]") {
    CHECK(merge_update(current_resources(), Resources{}) == current_resources());
    CHECK(merge_update(Resources{}, Resources{}) == Resources{});
}

TEST_CASE("update merge: set fields replace, unset fields stay", "[runtime][update]") {
    Resources delta;
    delta.memory.emplace().limit = 64 << 20;
    delta.cpu.emplace().quota = 50000;
    delta.pids.emplace().limit = -1;
    delta.unified["pids.max"] = "7";
    Resources m = merge_update(current_resources(), delta);
    REQUIRE(m.memory);
    CHECK(m.memory->limit == 64 << 20);
    CHECK(m.memory->swap == 200 << 20);
    CHECK(m.memory->reservation == 50 << 20);
    REQUIRE(m.cpu);
    CHECK(m.cpu->quota == 50000);
    CHECK(m.cpu->shares == 1024u);
    CHECK(m.cpu->cpus == "0");
    CHECK(m.pids->limit == -1);
    CHECK(m.unified ==
          std::map<std::string, std::string>{{"memory.high", "max"}, {"pids.max", "7"}});
    CHECK(m.hugepageLimits == current_resources().hugepageLimits);
    CHECK(m.devices == current_resources().devices);
}

TEST_CASE("update merge: objects absent before are created", "[runtime][update]") {
    Resources delta;
    delta.blockIO.emplace().weight = 300;
    delta.network.emplace().classID = 42;
    delta.rdma["mlx5_0"] = Rdma{3, std::nullopt};
    Resources m = merge_update(Resources{}, delta);
    REQUIRE(m.blockIO);
    CHECK(m.blockIO->weight == 300);
    REQUIRE(m.network);
    CHECK(m.network->classID == 42u);
    CHECK(m.rdma.at("mlx5_0").hcaHandles == 3u);
    CHECK_FALSE(m.memory);
}

TEST_CASE("update merge: unlimited memory without swap makes swap unlimited too",
          "[runtime][update]") {
    Resources delta;
    delta.memory.emplace().limit = -1;
    CHECK(merge_update(current_resources(), delta).memory->swap == -1);
    delta.memory->swap = 300 << 20;
    CHECK(merge_update(current_resources(), delta).memory->swap == 300 << 20);
    Resources limited;
    limited.memory.emplace().limit = 10 << 20;
    CHECK(merge_update(current_resources(), limited).memory->swap == 200 << 20);
}

TEST_CASE("update merge: every field set in the delta is taken", "[runtime][update]") {
    Resources delta;
    delta.memory = Memory{1, 2, 3, 4, 5, 6, true, true, true};
    delta.cpu = Cpu{7, 8, 9, 10, 11, 12, "1", "0", 1};
    ThrottleDevice t{8, 0, 13};
    delta.blockIO = BlockIO{14, 15, {{8, 0, 16, std::nullopt}}, {t}, {t}, {t}, {t}};
    delta.network = Network{17, {{"eth0", 18}}};
    Resources current = current_resources();
    current.memory = Memory{21, 22, 23, 24, 25, 26, false, false, false};
    current.cpu = Cpu{27, 28, 29, 30, 31, 32, "2", "1", 0};
    ThrottleDevice u{9, 1, 33};
    current.blockIO = BlockIO{34, 35, {{9, 1, 36, 37}}, {u}, {u}, {u}, {u}};
    current.network = Network{38, {{"lo", 39}}};
    Resources m = merge_update(current, delta);
    CHECK(m.memory == delta.memory);
    CHECK(m.cpu == delta.cpu);
    CHECK(m.blockIO == delta.blockIO);
    CHECK(m.network == delta.network);
}

TEST_CASE("update merge: devices in the delta are ignored", "[runtime][update]") {
    Resources delta;
    delta.devices.push_back(DeviceRule{true, std::nullopt, std::nullopt, std::nullopt, "rwm"});
    CHECK(merge_update(current_resources(), delta).devices == current_resources().devices);
}

TEST_CASE("ps table: keeps the header and the container's lines", "[runtime][ps]") {
    std::string out = "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                      "root           1       0  0 10:00 ?        00:00:01 /sbin/init\n"
                      "root         512       1  0 10:00 ?        00:00:00 /probe sleep 60\n"
                      "root         513     512  0 10:00 ?        00:00:00 sh -c x y\n"
                      "root         900       1  0 10:00 ?        00:00:00 ps -ef\n";
    auto t = filter_ps_table(out, {512, 513});
    REQUIRE(t);
    CHECK(*t == "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                "root         512       1  0 10:00 ?        00:00:00 /probe sleep 60\n"
                "root         513     512  0 10:00 ?        00:00:00 sh -c x y\n");
    auto none = filter_ps_table(out, {});
    REQUIRE(none);
    CHECK(*none == "UID          PID    PPID  C STIME TTY          TIME CMD\n");
    // PID in the first column (ps -o pid,comm).
    auto first = filter_ps_table("    PID COMMAND\n      7 sleep\n      8 sh\n", {8});
    REQUIRE(first);
    CHECK(*first == "    PID COMMAND\n      8 sh\n");
}

TEST_CASE("ps table: errors as runc's", "[runtime][ps]") {
    auto no_pid = filter_ps_table("USER COMMAND\nroot init\n", {1});
    REQUIRE_FALSE(no_pid);
    CHECK(no_pid.error().message() == "couldn't find PID field in ps output");
    auto bad = filter_ps_table("USER PID\nroot abc\n", {1});
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().message(), Catch::StartsWith("unable to parse pid"));
}

TEST_CASE("events interval: Go durations", "[runtime][events]") {
    CHECK(parse_duration("5s") == 5000ms);
    CHECK(parse_duration("1s") == 1000ms);
    CHECK(parse_duration("300ms") == 300ms);
    CHECK(parse_duration("1.5s") == 1500ms);
    CHECK(parse_duration("1m30s") == 90000ms);
    CHECK(parse_duration("2h") == 7200000ms);
    CHECK(parse_duration("1500us") == 2ms); // rounded up
    CHECK(parse_duration("1ns") == 1ms);
    CHECK(parse_duration("0") == 0ms);
    CHECK(parse_duration("-1s") == -1000ms);
    for (const char* bad : {"", "s", "1", "1x", "1.2.3s", "abc", "-"}) {
        INFO(bad);
        CHECK_FALSE(parse_duration(bad));
    }
    CHECK(parse_duration("10").error().message() == "time: missing unit in duration \"10\"");
    CHECK(parse_duration("3d").error().message() == "time: unknown unit \"d\" in duration \"3d\"");
}
