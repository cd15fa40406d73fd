#include "cli/command_table.hpp"
#include "cli/global_options.hpp"
#include "state/store.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <string>
#include <vector>

using namespace hull::cli;

namespace {

hull::Result<GlobalOptions> globals(std::vector<std::string> argv) {
    auto parsed = parse_args(global_flags(), global_rules(), argv);
    REQUIRE(parsed);
    return make_global_options(*parsed);
}

} // namespace

TEST_CASE("global options: defaults", "[cli]") {
    auto g = globals({"state", "x"});
    REQUIRE(g);
    CHECK(g->root == hull::runtime::default_root().value_or("?"));
    CHECK_FALSE(g->root_given);
    CHECK(g->log.path.empty());
    CHECK(g->log.format == hull::log::Format::Text);
    CHECK_FALSE(g->log.debug);
    CHECK_FALSE(g->systemd_cgroup);
    CHECK(g->rootless == Rootless::Auto);
}

TEST_CASE("global options: everything set", "[cli]") {
    auto g = globals({"--root=/tmp/r", "--log", "/tmp/l.json", "--log-format", "json", "--debug",
                      "--systemd-cgroup", "--rootless", "false", "state"});
    REQUIRE(g);
    CHECK(g->root == "/tmp/r");
    CHECK(g->root_given);
    CHECK(g->log.path == "/tmp/l.json");
    CHECK(g->log.format == hull::log::Format::Json);
    CHECK(g->log.debug);
    CHECK(g->systemd_cgroup);
    CHECK(g->rootless == Rootless::False);
    auto t = globals({"--rootless=true"});
    REQUIRE(t);
    CHECK(t->rootless == Rootless::True);
}

TEST_CASE("global options: relative paths become absolute", "[cli]") {
    char cwd[4096];
    REQUIRE(::getcwd(cwd, sizeof cwd));
    const std::string base = std::string(cwd) == "/" ? "" : cwd;
    auto g = globals({"--root", "state-dir", "--log", "./logs/x.log"});
    REQUIRE(g);
    CHECK(g->root == base + "/state-dir");
    CHECK(g->log.path == base + "/logs/x.log");
    auto empty = globals({"--root="});
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message() == "--root must not be empty");
}
