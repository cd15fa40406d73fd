#include "sys/pty.hpp"

#include "sys_test_util.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

using namespace hull;
using namespace hull::pty;

namespace {

std::string read_some(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) != 1) return "";
    char buf[256];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

} // namespace

TEST_CASE("open_pty opens a connected pair with its name", "[linux][pty]") {
    auto p = open_pty();
    REQUIRE(p);
    CHECK(p->name.starts_with("/dev/pts/"));
    struct stat by_name {
    }, by_fd{};
    REQUIRE(::stat(p->name.c_str(), &by_name) == 0);
    REQUIRE(::fstat(p->slave.get(), &by_fd) == 0);
    CHECK(by_name.st_rdev == by_fd.st_rdev);
    CHECK(::isatty(p->slave.get()));
    CHECK((::fcntl(p->master.get(), F_GETFD) & FD_CLOEXEC) != 0);
    CHECK((::fcntl(p->slave.get(), F_GETFD) & FD_CLOEXEC) != 0);
    auto name = pty_name(p->master.get());
    REQUIRE(name);
    CHECK(*name == p->name);

    REQUIRE(::write(p->slave.get(), "hi\n", 3) == 3);
    CHECK_THAT(read_some(p->master.get()), Catch::StartsWith("hi"));
    REQUIRE(::write(p->master.get(), "in\n", 3) == 3);
    CHECK_THAT(read_some(p->slave.get()), Catch::StartsWith("in"));
}

TEST_CASE("set_window_size is seen on the slave", "[linux][pty]") {
    auto p = open_pty("/dev/ptmx");
    REQUIRE(p);
    REQUIRE(set_window_size(p->master.get(), 33, 101));
    winsize ws{};
    REQUIRE(::ioctl(p->slave.get(), TIOCGWINSZ, &ws) == 0);
    CHECK(ws.ws_row == 33);
    CHECK(ws.ws_col == 101);
    CHECK_FALSE(set_window_size(-1, 1, 1));
}

TEST_CASE("open_pty_at reopens a ptmx fd for a new pair", "[linux][pty]") {
    UniqueFd ptmx(::open("/dev/ptmx", O_PATH | O_CLOEXEC));
    REQUIRE(ptmx.valid());
    auto a = open_pty_at(ptmx.get());
    auto b = open_pty_at(ptmx.get());
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->name != b->name);
    CHECK(::isatty(a->slave.get()));
    CHECK_FALSE(open_pty("/nonexistent/ptmx"));
}

TEST_CASE("make_controlling_tty and dup_onto_stdio", "[linux][pty]") {
    auto p = open_pty();
    REQUIRE(p);
    int slave = p->slave.get();
    int code = testutil::in_child([&] {
        if (!make_controlling_tty(slave)) return 1;
        if (!dup_onto_stdio(slave)) return 2;
        for (int fd = 0; fd <= 2; ++fd) {
            if (!::isatty(fd)) return 3;
            if (::fcntl(fd, F_GETFD) & FD_CLOEXEC) return 4;
        }
        if (::tcgetsid(0) != ::getpid()) return 5;
        int tty = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
        if (tty < 0) return 6;
        ::close(tty);
        return 0;
    });
    CHECK(code == 0);

    // dup_onto_stdio with an fd that already is 0..2 clears its close-on-exec flag.
    code = testutil::in_child([&] {
        int fd = ::fcntl(slave, F_DUPFD_CLOEXEC, 0);
        ::close(0);
        if (::dup3(fd, 0, O_CLOEXEC) != 0) return 1;
        if (!dup_onto_stdio(0)) return 2;
        return (::fcntl(0, F_GETFD) & FD_CLOEXEC) ? 3 : 0;
    });
    CHECK(code == 0);
}
