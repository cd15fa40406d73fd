#include "util/signals.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <string>

using hull::parse_signal;
using hull::signal_name;

TEST_CASE("signals: names in every spelling", "[cli][signals]") {
    for (const char* s : {"KILL", "SIGKILL", "kill", "sigkill", "Kill", "9"}) {
        INFO(s);
        auto r = parse_signal(s);
        REQUIRE(r);
        CHECK(*r == SIGKILL);
    }
    CHECK(parse_signal("TERM") == SIGTERM);
    CHECK(parse_signal("HUP") == SIGHUP);
    CHECK(parse_signal("USR1") == SIGUSR1);
    CHECK(parse_signal("SIGWINCH") == SIGWINCH);
    CHECK(parse_signal("CHLD") == SIGCHLD);
    CHECK(parse_signal("CLD") == SIGCHLD);
    CHECK(parse_signal("IOT") == SIGABRT);
    CHECK(parse_signal("POLL") == SIGIO);
    CHECK(parse_signal("STKFLT") == SIGSTKFLT);
    CHECK(parse_signal("PWR") == SIGPWR);
    CHECK(parse_signal("SYS") == SIGSYS);
}

TEST_CASE("signals: numbers", "[cli][signals]") {
    CHECK(parse_signal("1") == 1);
    CHECK(parse_signal("15") == SIGTERM);
    CHECK(parse_signal("64") == SIGRTMAX);
    auto big = parse_signal("99");
    REQUIRE_FALSE(big);
    CHECK(big.error().message() == "invalid signal number 99");
    auto zero = parse_signal("0");
    REQUIRE_FALSE(zero);
    CHECK(zero.error().message() == "invalid signal number 0");
    auto junk = parse_signal("9x");
    REQUIRE_FALSE(junk);
    CHECK(junk.error().message() == "unknown signal \"9x\"");
}

TEST_CASE("signals: real-time names", "[cli][signals]") {
    CHECK(parse_signal("RTMIN") == SIGRTMIN);
    CHECK(parse_signal("SIGRTMIN") == SIGRTMIN);
    CHECK(parse_signal("SIGRTMIN+3") == SIGRTMIN + 3);
    CHECK(parse_signal("rtmin+3") == SIGRTMIN + 3);
    CHECK(parse_signal("RTMAX") == SIGRTMAX);
    CHECK(parse_signal("RTMAX-1") == SIGRTMAX - 1);
    CHECK(parse_signal("SIGRTMAX-0") == SIGRTMAX);
    CHECK_FALSE(parse_signal("RTMIN+40"));
    CHECK_FALSE(parse_signal("RTMAX+1"));
    CHECK_FALSE(parse_signal("RTMIN-1"));
    CHECK_FALSE(parse_signal("RTMIN+"));
    CHECK_FALSE(parse_signal("RTMINX"));
}

TEST_CASE("signals: unknown names", "[cli][signals]") {
    for (const char* s : {"FOO", "", "SIG", "-9", "+9", " 9", "KILL "}) {
        INFO(s);
        auto r = parse_signal(s);
        REQUIRE_FALSE(r);
        CHECK(r.error().message() == "unknown signal \"" + std::string(s) + "\"");
    }
}

TEST_CASE("signals: names of numbers", "[cli][signals]") {
    CHECK(signal_name(SIGTERM) == "SIGTERM");
    CHECK(signal_name(SIGKILL) == "SIGKILL");
    CHECK(signal_name(SIGCHLD) == "SIGCHLD");
    CHECK(signal_name(SIGABRT) == "SIGABRT");
    CHECK(signal_name(SIGIO) == "SIGIO");
    CHECK(signal_name(SIGRTMIN) == "SIGRTMIN");
    CHECK(signal_name(SIGRTMIN + 3) == "SIGRTMIN+3");
    CHECK(signal_name(SIGRTMAX) == "SIGRTMAX");
    CHECK(signal_name(SIGRTMAX - 1) == "SIGRTMAX-1");
    CHECK(signal_name(99) == "SIG99");
    // Every name round-trips.
    for (int s = 1; s <= SIGRTMAX; ++s) {
        const std::string name = signal_name(s);
        if (name == "SIG" + std::to_string(s)) continue; // glibc-reserved 32, 33
        INFO(name);
        CHECK(parse_signal(name) == s);
    }
}
