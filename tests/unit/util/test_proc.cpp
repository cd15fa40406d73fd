#include "util/proc.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

namespace proc = hull::proc;

namespace {

// A stat line with `comm` and numbered filler fields; field 22 is `start`.
std::string stat_line(const std::string& comm, char state, int ppid, const std::string& start) {
    std::string s = "4242 (" + comm + ") " + state + " " + std::to_string(ppid);
    for (int field = 5; field <= 52; field++)
        s += " " + (field == 22 ? start : std::to_string(field * 10));
    return s + "\n";
}

// A child that sleeps until killed; reaped by the caller.
pid_t spawn_sleeper(const char* comm = nullptr) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (comm) ::prctl(PR_SET_NAME, comm);
        for (;;)
            ::pause();
    }
    return pid;
}

proc::Liveness wait_for(pid_t pid, uint64_t start, proc::Liveness want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    auto l = proc::liveness(pid, start);
    while (l != want && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        l = proc::liveness(pid, start);
    }
    return l;
}

} // namespace

TEST_CASE("parse_stat reads after the last ')'", "[proc]") {
    auto st = proc::parse_stat(stat_line("a) b (c) S 9", 'Z', 77, "123456789012"));
    REQUIRE(st);
    CHECK(st->state == 'Z');
    CHECK(st->ppid == 77);
    CHECK(st->start_time == 123456789012ULL);

    auto plain = proc::parse_stat(stat_line("bash", 'S', 1, "5"));
    REQUIRE(plain);
    CHECK(plain->state == 'S');
    CHECK(plain->start_time == 5);
}

TEST_CASE("parse_stat rejects malformed content", "[proc]") {
    CHECK(proc::parse_stat("").error().err() == EINVAL);
    CHECK(proc::parse_stat("1 (x S 1 2 3").error().err() == EINVAL);
    CHECK_FALSE(proc::parse_stat("1 (x) S 1 2 3"));                 // too few fields
    CHECK_FALSE(proc::parse_stat(stat_line("x", 'S', 1, "12abc"))); // bad start time
    CHECK_FALSE(proc::parse_stat(stat_line("x", 'S', 1, "-5")));    // negative
    auto bad_state = stat_line("x", 'S', 1, "1");
    bad_state.replace(bad_state.find(") S") + 2, 1, "SS");
    CHECK_FALSE(proc::parse_stat(bad_state));
}

TEST_CASE("stat and start_time of real processes", "[proc]") {
    auto self = proc::start_time(::getpid());
    REQUIRE(self);
    CHECK(*self > 0);
    CHECK(proc::start_time(::getpid()).value() == *self);

    pid_t child = spawn_sleeper("we) ird (name");
    auto st = proc::stat(child);
    REQUIRE(st);
    CHECK(st->ppid == ::getpid());
    CHECK(st->start_time >= *self);
    ::kill(child, SIGKILL);
    REQUIRE(::waitpid(child, nullptr, 0) == child);

    auto gone = proc::start_time(child);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().err() == ENOENT);
}

TEST_CASE("liveness follows a child through alive, zombie and reaped", "[proc]") {
    pid_t child = spawn_sleeper();
    uint64_t start = proc::start_time(child).value();

    CHECK(proc::liveness(child, start) == proc::Liveness::Alive);
    // The same pid with another start time is a different (reused) process.
    CHECK(proc::liveness(child, start + 1) == proc::Liveness::Gone);
    CHECK(proc::liveness(child, 0) == proc::Liveness::Gone);

    REQUIRE(::kill(child, SIGKILL) == 0);
    CHECK(wait_for(child, start, proc::Liveness::Zombie) == proc::Liveness::Zombie);
    REQUIRE(::waitpid(child, nullptr, 0) == child);
    CHECK(proc::liveness(child, start) == proc::Liveness::Gone);

    CHECK(proc::liveness(0, 0) == proc::Liveness::Gone);
    CHECK(proc::liveness(-1, start) == proc::Liveness::Gone);
}

TEST_CASE("rfc3339 timestamps", "[proc]") {
    CHECK(proc::rfc3339({0, 5}) == "1970-01-01T00:00:00.000000005Z");
    CHECK(proc::rfc3339({1795338562, 952219071}) == "2026-11-22T09:09:22.952219071Z");
    auto now = proc::rfc3339_now();
    CHECK(std::regex_match(now, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)")));
    CHECK(now > "2024-01-01T");
}
