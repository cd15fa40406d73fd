// `hull update` flags -> the LinuxResources delta (runc's rules).
#include "cli/command_table.hpp"
#include "cli/update_flags.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace hull;
using namespace hull::cli;

namespace {

ParsedArgs update_args(std::vector<std::string> argv) {
    argv.push_back("ctr");
    const CommandSpec* spec = find_command("update");
    REQUIRE(spec);
    auto r = parse_args(spec->flags, spec->args, argv);
    REQUIRE(r);
    return *r;
}

} // namespace

TEST_CASE("update flags: memory sizes as docker's RAMInBytes", "[cli][update]") {
    CHECK(parse_ram_bytes("0") == 0);
    CHECK(parse_ram_bytes("1024") == 1024);
    CHECK(parse_ram_bytes("64m") == 64LL << 20);
    CHECK(parse_ram_bytes("64M") == 64LL << 20);
    CHECK(parse_ram_bytes("1g") == 1LL << 30);
    CHECK(parse_ram_bytes("1GiB") == 1LL << 30);
    CHECK(parse_ram_bytes("2kb") == 2048);
    CHECK(parse_ram_bytes("100 k") == 102400);
    CHECK(parse_ram_bytes("1.5g") == 3LL << 29);
    CHECK(parse_ram_bytes("3b") == 3);
    CHECK(parse_ram_bytes("1t") == 1LL << 40);
    CHECK(parse_ram_bytes("1p") == 1LL << 50);
    for (const char* bad : {"", "-1", "m", "1x", "1mm", "1.", ".5", "1 m b x", "1e9", "99999p"}) {
        INFO(bad);
        auto r = parse_ram_bytes(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().message() == "invalid size: '" + std::string(bad) + "'");
    }
}

TEST_CASE("update flags: no flags ask for nothing", "[cli][update]") {
    std::vector<std::string> warnings;
    auto r = resources_from_flags(update_args({}), warnings);
    REQUIRE(r);
    CHECK(*r == Resources{});
    CHECK(warnings.empty());
}

TEST_CASE("update flags: every per-field flag lands in its field", "[cli][update]") {
    std::vector<std::string> warnings;
    auto r = resources_from_flags(
        update_args({"--blkio-weight",   "500",    "--cpu-period",         "100000",
                     "--cpu-quota",      "-1",     "--cpu-burst",          "2000",
                     "--cpu-share",      "512",    "--cpu-rt-period",      "1000000",
                     "--cpu-rt-runtime", "950000", "--cpuset-cpus",        "0-1",
                     "--cpuset-mems",    "0",      "--cpu-idle",           "1",
                     "--memory",         "64m",    "--memory-reservation", "32m",
                     "--memory-swap",    "-1",     "--pids-limit",         "100"}),
        warnings);
    REQUIRE(r);
    CHECK(warnings.empty());
    REQUIRE(r->blockIO);
    CHECK(r->blockIO->weight == 500);
    REQUIRE(r->cpu);
    CHECK(r->cpu->period == 100000u);
    CHECK(r->cpu->quota == -1);
    CHECK(r->cpu->burst == 2000u);
    CHECK(r->cpu->shares == 512u);
    CHECK(r->cpu->realtimePeriod == 1000000u);
    CHECK(r->cpu->realtimeRuntime == 950000);
    CHECK(r->cpu->cpus == "0-1");
    CHECK(r->cpu->mems == "0");
    CHECK(r->cpu->idle == 1);
    REQUIRE(r->memory);
    CHECK(r->memory->limit == 64LL << 20);
    CHECK(r->memory->reservation == 32LL << 20);
    CHECK(r->memory->swap == -1);
    CHECK_FALSE(r->memory->kernel);
    REQUIRE(r->pids);
    CHECK(r->pids->limit == 100);
    CHECK(r->devices.empty());
    CHECK(r->hugepageLimits.empty());
    CHECK_FALSE(r->network);
}

TEST_CASE("update flags: zero weight and pids limit mean unchanged, as in runc", "[cli][update]") {
    std::vector<std::string> warnings;
    auto r =
        resources_from_flags(update_args({"--blkio-weight", "0", "--pids-limit", "0"}), warnings);
    REQUIRE(r);
    CHECK_FALSE(r->blockIO);
    CHECK_FALSE(r->pids);
    auto minus = resources_from_flags(update_args({"--pids-limit", "-1"}), warnings);
    REQUIRE(minus);
    REQUIRE(minus->pids);
    CHECK(minus->pids->limit == -1);
}

TEST_CASE("update flags: only the given memory field is set", "[cli][update]") {
    std::vector<std::string> warnings;
    auto r = resources_from_flags(update_args({"--memory", "-1"}), warnings);
    REQUIRE(r);
    REQUIRE(r->memory);
    CHECK(r->memory->limit == -1);
    CHECK_FALSE(r->memory->swap); // the merge, not the flags, adds swap -1
    CHECK_FALSE(r->memory->reservation);
    CHECK_FALSE(r->cpu);
}

TEST_CASE("update flags: kernel memory flags are ignored with a warning", "[cli][update]") {
    std::vector<std::string> warnings;
    auto r = resources_from_flags(
        update_args({"--kernel-memory", "10m", "--kernel-memory-tcp", "1m"}), warnings);
    REQUIRE(r);
    CHECK(*r == Resources{});
    CHECK(warnings ==
          std::vector<std::string>{"Setting --kernel-memory is ignored and will be removed",
                                   "Setting --kernel-memory-tcp is ignored and will be removed"});
}

TEST_CASE("update flags: bad values name the flag", "[cli][update]") {
    std::vector<std::string> warnings;
    auto r = resources_from_flags(update_args({"--memory", "lots"}), warnings);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "invalid value for memory: invalid size: 'lots'");
    auto swap = resources_from_flags(update_args({"--memory-swap", "-2"}), warnings);
    REQUIRE_FALSE(swap);
    CHECK(swap.error().message() == "invalid value for memory-swap: invalid size: '-2'");
    auto weight = resources_from_flags(update_args({"--blkio-weight", "70000"}), warnings);
    REQUIRE_FALSE(weight);
    CHECK_THAT(weight.error().message(), Catch::StartsWith("invalid value for blkio-weight"));
}
