// The generic flag parser (src/cli/args.cpp) against a small table.
#include "cli/args.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>
#include <vector>

using namespace hull::cli;

namespace {

constexpr std::array kFlags{
    text("bundle", 'b', "DIR", "bundle"),
    boolean("detach", 'd', "detach"),
    boolean("no-subreaper", 0, "no subreaper"),
    repeated("env", 'e', "KEY=VALUE", "env"),
    unsigned_number("preserve-fds", 0, "N", "fds"),
    signed_number("cpu-quota", 0, "USEC", "quota"),
    choice("format", 'f', "table|json", "table", "format"),
    text("interval", 0, "DURATION", "interval", "5s"),
};

hull::Result<ParsedArgs> parse(std::vector<std::string> argv, ArgRules rules = {}) {
    return parse_args(kFlags, rules, argv);
}

} // namespace

TEST_CASE("args: every spelling of a value flag", "[cli]") {
    for (auto argv : std::vector<std::vector<std::string>>{{"--bundle", "/b"},
                                                           {"--bundle=/b"},
                                                           {"-bundle", "/b"},
                                                           {"-bundle=/b"},
                                                           {"-b", "/b"},
                                                           {"-b=/b"},
                                                           {"--b", "/b"}}) {
        INFO(argv[0]);
        auto r = parse(argv);
        REQUIRE(r);
        CHECK(r->value("bundle") == "/b");
        CHECK(r->given("bundle"));
        CHECK(r->positionals().empty());
    }
}

TEST_CASE("args: boolean flags", "[cli]") {
    auto none = parse({});
    REQUIRE(none);
    CHECK_FALSE(none->flag("detach"));
    CHECK_FALSE(none->given("detach"));

    for (const std::string a : {"--detach", "-d", "-detach", "--detach=true", "-d=1", "--d"}) {
        INFO(a);
        auto r = parse({a});
        REQUIRE(r);
        CHECK(r->flag("detach"));
    }
    for (const std::string a : {"--detach=false", "-d=0", "--detach=F"}) {
        INFO(a);
        auto r = parse({a});
        REQUIRE(r);
        CHECK_FALSE(r->flag("detach"));
        CHECK(r->given("detach"));
    }
    // A boolean flag never consumes the next argument.
    auto r = parse({"-d", "false"});
    REQUIRE(r);
    CHECK(r->flag("detach"));
    CHECK(r->positionals() == std::vector<std::string>{"false"});
    // The last occurrence wins.
    auto last = parse({"--detach", "--detach=false"});
    REQUIRE(last);
    CHECK_FALSE(last->flag("detach"));
}

TEST_CASE("args: single-dash long boolean as go-runc passes it", "[cli]") {
    auto r = parse({"-no-subreaper", "id"});
    REQUIRE(r);
    CHECK(r->flag("no-subreaper"));
    CHECK(r->positionals() == std::vector<std::string>{"id"});
}

TEST_CASE("args: invalid boolean value", "[cli]") {
    auto r = parse({"--detach=maybe"});
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "invalid boolean value \"maybe\" for -detach");
}

TEST_CASE("args: repeated flags keep every value in order", "[cli]") {
    auto r = parse({"-e", "A=1", "--env=B=2", "x", "-env", "C=3"});
    REQUIRE(r);
    CHECK(r->values("env") == std::vector<std::string>{"A=1", "B=2", "C=3"});
    CHECK(r->value("env") == "C=3");
    CHECK(r->positionals() == std::vector<std::string>{"x"});
    auto none = parse({});
    REQUIRE(none);
    CHECK(none->values("env").empty());
}

TEST_CASE("args: a value flag takes the next argument even if it starts with a dash", "[cli]") {
    auto r = parse({"--bundle", "-weird", "id"});
    REQUIRE(r);
    CHECK(r->value("bundle") == "-weird");
    CHECK(r->positionals() == std::vector<std::string>{"id"});
}

TEST_CASE("args: an empty inline value is a value", "[cli]") {
    auto r = parse({"--bundle="});
    REQUIRE(r);
    CHECK(r->value("bundle") == "");
    CHECK(r->given("bundle"));
}

TEST_CASE("args: defaults", "[cli]") {
    auto r = parse({});
    REQUIRE(r);
    CHECK(r->value("format") == "table");
    CHECK(r->value("interval") == "5s");
    CHECK_FALSE(r->value("bundle"));
    CHECK_FALSE(r->given("format"));
    auto set = parse({"--interval=10s", "-f", "json"});
    REQUIRE(set);
    CHECK(set->value("interval") == "10s");
    CHECK(set->value("format") == "json");
}

TEST_CASE("args: unknown flags", "[cli]") {
    for (const std::string a : {"-x", "--x", "--nope", "-nope=3"}) {
        INFO(a);
        auto r = parse({a});
        REQUIRE_FALSE(r);
        const std::string name =
            a.substr(a.find_first_not_of('-'), a.find('=') - a.find_first_not_of('-'));
        CHECK(r.error().message() == "flag provided but not defined: -" + name);
    }
}

TEST_CASE("args: missing value", "[cli]") {
    auto r = parse({"id", "--bundle"});
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "flag needs an argument: -bundle");
    auto s = parse({"-b"});
    REQUIRE_FALSE(s);
    CHECK(s.error().message() == "flag needs an argument: -b");
}

TEST_CASE("args: bad flag syntax", "[cli]") {
    for (const std::string a : {"---x", "--=x", "-=x"}) {
        INFO(a);
        auto r = parse({a});
        REQUIRE_FALSE(r);
        CHECK(r.error().message() == "bad flag syntax: " + a);
    }
}

TEST_CASE("args: numbers and choices are checked", "[cli]") {
    auto ok = parse({"--preserve-fds", "3", "--cpu-quota=-1"});
    REQUIRE(ok);
    CHECK(ok->unsigned_value("preserve-fds") == 3u);
    CHECK(ok->signed_value("cpu-quota") == -1);
    CHECK_FALSE(ok->unsigned_value("bundle"));

    auto neg = parse({"--preserve-fds=-1"});
    REQUIRE_FALSE(neg);
    CHECK(neg.error().message() ==
          "invalid value \"-1\" for flag -preserve-fds: expected an unsigned integer");
    CHECK_FALSE(parse({"--preserve-fds", "3x"}));
    CHECK_FALSE(parse({"--preserve-fds", ""}));
    CHECK_FALSE(parse({"--cpu-quota", "1.5"}));

    auto bad = parse({"--format", "yaml"});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message() ==
          "invalid value \"yaml\" for flag -format: must be one of table, json");
}

TEST_CASE("args: double dash ends the flags", "[cli]") {
    auto r = parse({"-d", "--", "-b", "--x", "--"});
    REQUIRE(r);
    CHECK(r->flag("detach"));
    CHECK_FALSE(r->given("bundle"));
    CHECK(r->positionals() == std::vector<std::string>{"-b", "--x", "--"});
}

TEST_CASE("args: a lone dash and empty strings are positionals", "[cli]") {
    auto r = parse({"-", ""});
    REQUIRE(r);
    CHECK(r->positionals() == std::vector<std::string>{"-", ""});
}

TEST_CASE("args: flags and positionals interleave", "[cli]") {
    auto r = parse({"a", "-d", "b", "--bundle", "x", "c"});
    REQUIRE(r);
    CHECK(r->flag("detach"));
    CHECK(r->value("bundle") == "x");
    CHECK(r->positionals() == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("args: flags_end_after turns the rest into positionals", "[cli]") {
    const ArgRules rules{1, kUnbounded, 2};
    auto r = parse({"-d", "id", "-e", "A=1", "sh", "-c", "--bundle", "x", "-e"}, rules);
    REQUIRE(r);
    CHECK(r->flag("detach"));
    CHECK(r->values("env") == std::vector<std::string>{"A=1"});
    CHECK_FALSE(r->given("bundle"));
    CHECK(r->positionals() == std::vector<std::string>{"id", "sh", "-c", "--bundle", "x", "-e"});
    // The stop also holds for unknown-looking arguments.
    auto unknown = parse({"id", "cmd", "--whatever"}, rules);
    REQUIRE(unknown);
    CHECK(unknown->positionals().back() == "--whatever");
}

TEST_CASE("args: argument counts", "[cli]") {
    CHECK(check_arg_count("state", {1, 1, 0}, 1));
    auto none = check_arg_count("state", {1, 1, 0}, 0);
    REQUIRE_FALSE(none);
    CHECK(none.error().message() == "\"state\" requires exactly 1 argument");
    auto two = check_arg_count("state", {1, 1, 0}, 2);
    REQUIRE_FALSE(two);
    CHECK(two.error().message() == "\"state\" requires exactly 1 argument");
    auto kill = check_arg_count("kill", {1, 2, 0}, 3);
    REQUIRE_FALSE(kill);
    CHECK(kill.error().message() == "\"kill\" requires 1 to 2 arguments");
    CHECK(check_arg_count("kill", {1, 2, 0}, 2));
    auto exec = check_arg_count("exec", {1, kUnbounded, 2}, 0);
    REQUIRE_FALSE(exec);
    CHECK(exec.error().message() == "\"exec\" requires at least 1 argument");
    CHECK(check_arg_count("exec", {1, kUnbounded, 2}, 40));
    auto list = check_arg_count("list", {0, 0, 0}, 1);
    REQUIRE_FALSE(list);
    CHECK(list.error().message() == "\"list\" accepts no arguments");
    auto two_req = check_arg_count("x", {2, 2, 0}, 1);
    REQUIRE_FALSE(two_req);
    CHECK(two_req.error().message() == "\"x\" requires exactly 2 arguments");
}
