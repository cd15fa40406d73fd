#include "util/io.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

namespace io = hull::io;

namespace {

volatile sig_atomic_t g_alarms = 0;

void on_alarm(int) {
    g_alarms = g_alarms + 1;
}

// SIGALRM every millisecond with a handler installed without SA_RESTART, so that blocking
// read/write/waitpid calls really fail with EINTR while it is armed.
class SignalStorm {
  public:
    SignalStorm() {
        g_alarms = 0;
        struct sigaction sa {};
        sa.sa_handler = on_alarm;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0; // no SA_RESTART
        ::sigaction(SIGALRM, &sa, &old_);
        itimerval t{{0, 1000}, {0, 1000}};
        ::setitimer(ITIMER_REAL, &t, nullptr);
    }
    ~SignalStorm() {
        itimerval off{};
        ::setitimer(ITIMER_REAL, &off, nullptr);
        ::sigaction(SIGALRM, &old_, nullptr);
    }
    SignalStorm(const SignalStorm&) = delete;
    SignalStorm& operator=(const SignalStorm&) = delete;

  private:
    struct sigaction old_ {};
};

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>('a' + (i * 7) % 26);
    return s;
}

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int p[2];
        REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
        r = p[0];
        w = p[1];
    }
    ~Pipe() {
        if (r >= 0) ::close(r);
        if (w >= 0) ::close(w);
    }
    void close_r() { ::close(std::exchange(r, -1)); }
    void close_w() { ::close(std::exchange(w, -1)); }
};

} // namespace

TEST_CASE("retry_eintr calls again only while the call fails with EINTR", "[io]") {
    int calls = 0;
    auto r = io::retry_eintr([&] {
        ++calls;
        if (calls < 3) {
            errno = EINTR;
            return -1;
        }
        return 5;
    });
    CHECK(r == 5);
    CHECK(calls == 3);

    calls = 0;
    auto bad = io::retry_eintr([&] {
        ++calls;
        errno = EBADF;
        return -1L;
    });
    CHECK(bad == -1L);
    CHECK(errno == EBADF);
    CHECK(calls == 1);
}

TEST_CASE("read_all reads an fd from its offset to EOF", "[io]") {
    Pipe p;
    const std::string big(20000, 'x'); // more than one read(2) of the 8 KiB buffer
    REQUIRE(::write(p.w, big.data(), big.size()) == static_cast<ssize_t>(big.size()));
    p.close_w();
    auto r = io::read_all(p.r);
    REQUIRE(r);
    CHECK(*r == big);

    auto bad = io::read_all(-1);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().err() == EBADF);
    CHECK(bad.error().message().starts_with("read: "));
    CHECK(io::read_all(-1, "read exec.fifo").error().message().starts_with("read exec.fifo: "));
}

TEST_CASE("write_all and read_all carry every byte through a pipe while signals interrupt",
          "[io]") {
    const std::string data = pattern(1 << 20); // far more than the 64 KiB a pipe holds

    SECTION("write_all, with a slow reader") {
        Pipe p;
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            p.close_w();
            ::usleep(100 * 1000); // the writer blocks on a full pipe meanwhile
            auto got = io::read_all(p.r);
            ::_exit(got && *got == data ? 0 : 1);
        }
        p.close_r();
        {
            SignalStorm storm;
            auto w = io::write_all(p.w, data);
            REQUIRE(w);
        }
        CHECK(g_alarms > 0);
        p.close_w();
        auto status = io::wait_pid(child);
        REQUIRE(status);
        REQUIRE(WIFEXITED(*status));
        CHECK(WEXITSTATUS(*status) == 0);
    }

    SECTION("read_all, with a slow writer") {
        Pipe p;
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            p.close_r();
            for (size_t off = 0; off < data.size(); off += data.size() / 8) {
                ::usleep(20 * 1000); // the reader blocks on an empty pipe meanwhile
                if (io::write_all_raw(p.w, data.data() + off, data.size() / 8) != 0) ::_exit(1);
            }
            ::_exit(0);
        }
        p.close_w();
        hull::Result<std::string> got;
        {
            SignalStorm storm;
            got = io::read_all(p.r);
        }
        CHECK(g_alarms > 0);
        REQUIRE(got);
        CHECK(got->size() == data.size());
        CHECK(*got == data);
        auto status = io::wait_pid(child);
        REQUIRE(status);
        CHECK(WIFEXITED(*status));
        CHECK(WEXITSTATUS(*status) == 0);
    }
}

TEST_CASE("write_all_raw waits on a full non-blocking pipe and reports errors", "[io]") {
    const std::string data = pattern(300000);
    Pipe p;
    REQUIRE(::fcntl(p.w, F_SETFL, ::fcntl(p.w, F_GETFL) | O_NONBLOCK) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        p.close_w();
        ::usleep(50 * 1000);
        auto got = io::read_all(p.r);
        ::_exit(got && *got == data ? 0 : 1);
    }
    p.close_r();
    CHECK(io::write_all_raw(p.w, data.data(), data.size()) == 0);
    p.close_w();
    auto status = io::wait_pid(child);
    REQUIRE(status);
    CHECK(WIFEXITED(*status));
    CHECK(WEXITSTATUS(*status) == 0);

    CHECK(io::write_all_raw(-1, "x", 1) == EBADF);
    auto bad = io::write_all(-1, "x", "write the trampoline");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().err() == EBADF);
    CHECK(bad.error().message().starts_with("write the trampoline: "));
}

TEST_CASE("wait_pid returns the wait status, retrying while signals interrupt", "[io]") {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::usleep(100 * 1000);
        ::_exit(7);
    }
    auto early = io::try_wait_pid(child);
    REQUIRE(early);
    CHECK_FALSE(early->has_value()); // still sleeping
    hull::Result<int> status;
    {
        SignalStorm storm;
        status = io::wait_pid(child);
    }
    CHECK(g_alarms > 0);
    REQUIRE(status);
    REQUIRE(WIFEXITED(*status));
    CHECK(WEXITSTATUS(*status) == 7);

    // Reaped: no such child any more.
    auto again = io::wait_pid(child, "wait for ps");
    REQUIRE_FALSE(again);
    CHECK(again.error().err() == ECHILD);
    CHECK(again.error().message().starts_with("wait for ps: "));

    const pid_t killed = ::fork();
    REQUIRE(killed >= 0);
    if (killed == 0) {
        ::pause();
        ::_exit(0);
    }
    REQUIRE(::kill(killed, SIGKILL) == 0);
    auto k = io::wait_pid(killed);
    REQUIRE(k);
    CHECK(WIFSIGNALED(*k));
    CHECK(WTERMSIG(*k) == SIGKILL);
    auto done = io::try_wait_pid(killed);
    REQUIRE_FALSE(done);
    CHECK(done.error().err() == ECHILD);
}
