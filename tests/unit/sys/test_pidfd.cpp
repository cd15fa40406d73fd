#include "sys/pidfd.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

using namespace hull;
using namespace hull::sys;

TEST_CASE("pidfd_open, poll, signal and wait", "[linux][pidfd]") {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::signal(SIGTERM, SIG_DFL); // not Catch's fatal-signal handler
        ::close(ready[1]);          // tells the parent the handler is reset
        ::pause();
        ::_exit(0);
    }
    ::close(ready[1]);
    char c;
    REQUIRE(::read(ready[0], &c, 1) == 0);
    ::close(ready[0]);
    auto fd = pidfd_open(pid);
    REQUIRE(fd);
    auto still = pidfd_wait(fd->get(), WaitMode::NoHang);
    REQUIRE_FALSE(still);
    CHECK(still.error().err() == EAGAIN);
    auto exited = pidfd_poll_exit(fd->get(), 0);
    REQUIRE(exited);
    CHECK_FALSE(*exited);

    REQUIRE(pidfd_send_signal(fd->get(), SIGTERM));
    exited = pidfd_poll_exit(fd->get(), 5000);
    REQUIRE(exited);
    CHECK(*exited);
    auto ex = pidfd_wait(fd->get());
    REQUIRE(ex);
    CHECK(ex->signaled);
    CHECK(ex->signal == SIGTERM);
    CHECK(ex->shell_code() == 128 + SIGTERM);

    // The process is reaped: signalling through the pidfd now fails with ESRCH.
    auto sig = pidfd_send_signal(fd->get(), SIGTERM);
    REQUIRE_FALSE(sig);
    CHECK(sig.error().err() == ESRCH);
    // And the pid can no longer be opened.
    auto again = pidfd_open(pid);
    if (again)
        WARN("pid " << pid << " was reused already");
    else
        CHECK(again.error().err() == ESRCH);
}

TEST_CASE("pidfd_wait reports the exit code", "[linux][pidfd]") {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) ::_exit(42);
    auto fd = pidfd_open(pid);
    REQUIRE(fd);
    auto ex = pidfd_wait(fd->get());
    REQUIRE(ex);
    CHECK_FALSE(ex->signaled);
    CHECK(ex->code == 42);
}
