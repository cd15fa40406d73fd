// The process runner behind hull::hooks, with both ways of waiting.
#include "hooks/hook_process.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace hull;
using hull::hooks::detail::Outcome;
using hull::hooks::detail::run_process;
using hull::hooks::detail::WaitVia;

namespace {

Hook sh(const std::string& cmd, std::optional<int32_t> timeout = {}) {
    Hook h;
    h.path = "/bin/sh";
    h.args = {"sh", "-c", cmd};
    h.timeout = timeout;
    return h;
}

} // namespace

TEST_CASE("hook processes end the same with a pidfd and with polling", "[hooks]") {
    auto via = GENERATE(WaitVia::PidFd, WaitVia::Polling);
    INFO((via == WaitVia::PidFd ? "pidfd" : "polling"));

    // The exit status and the captured stderr; stdin is readable in full.
    auto o = run_process(sh("read -r line; echo \"err:$line\" >&2; exit 4"), "abc\n", via);
    REQUIRE(o);
    CHECK(o->end == Outcome::End::Exited);
    CHECK(o->code == 4);
    CHECK(o->stderr_text == "err:abc\n");

    o = run_process(sh("exit 0"), "", via);
    REQUIRE(o);
    CHECK(o->end == Outcome::End::Exited);
    CHECK(o->code == 0);
    CHECK(o->stderr_text.empty());

    o = run_process(sh("kill -TERM $$"), "{}", via);
    REQUIRE(o);
    CHECK(o->end == Outcome::End::Signaled);
    CHECK(o->signal == 15);

    auto t0 = std::chrono::steady_clock::now();
    o = run_process(sh("exec /bin/sleep 30", 1), "{}", via);
    REQUIRE(o);
    CHECK(o->end == Outcome::End::TimedOut);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}

TEST_CASE("a grandchild holding stderr open does not keep the runner waiting", "[hooks]") {
    // The hook leaves a background sleep that inherited its stderr pipe.
    auto t0 = std::chrono::steady_clock::now();
    auto o = run_process(sh("echo bye >&2; /bin/sleep 5 & exit 0"), "", WaitVia::PidFd);
    REQUIRE(o);
    CHECK(o->end == Outcome::End::Exited);
    CHECK(o->code == 0);
    CHECK(o->stderr_text == "bye\n");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4));
}
