#include "sys/fds.hpp"

#include "sys_test_util.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <vector>

using namespace hull;
using namespace hull::sys;

namespace {

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) >= 0;
}
bool has_cloexec(int fd) {
    return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

// In a child: opens 5 fds above 100 without CLOEXEC, applies `fn` from 100 keeping the
// third, and checks the outcome. Exit 0 on success.
int check_in_child(FdAction action, bool use_proc) {
    return testutil::in_child([&] {
        std::vector<int> fds;
        for (int i = 0; i < 5; ++i) {
            int fd = ::fcntl(0, F_DUPFD, 100 + i * 3);
            if (fd < 0) return 10;
            fds.push_back(fd);
        }
        int keep[] = {fds[2]};
        auto r =
            use_proc ? close_fds_from_proc(100, action, keep) : close_fds_from(100, action, keep);
        if (!r) return 11;
        if (!is_open(2)) return 12; // below `first`: untouched
        if (has_cloexec(fds[2]) || !is_open(fds[2])) return 13;
        for (int i : {0, 1, 3, 4}) {
            if (action == FdAction::Close && is_open(fds[static_cast<size_t>(i)])) return 20 + i;
            if (action == FdAction::SetCloexec && !has_cloexec(fds[static_cast<size_t>(i)]))
                return 30 + i;
        }
        return 0;
    });
}

} // namespace

TEST_CASE("close_fds_from closes everything above first except kept fds", "[linux][fds]") {
    CHECK(check_in_child(FdAction::Close, false) == 0);
    CHECK(check_in_child(FdAction::SetCloexec, false) == 0);
}

TEST_CASE("the /proc/self/fd fallback does the same", "[linux][fds]") {
    CHECK(check_in_child(FdAction::Close, true) == 0);
    CHECK(check_in_child(FdAction::SetCloexec, true) == 0);
}

TEST_CASE("set_cloexec toggles FD_CLOEXEC", "[linux][fds]") {
    int fd = ::open("/dev/null", O_RDONLY);
    REQUIRE(fd >= 0);
    CHECK_FALSE(has_cloexec(fd));
    REQUIRE(set_cloexec(fd, Cloexec::On));
    CHECK(has_cloexec(fd));
    REQUIRE(set_cloexec(fd, Cloexec::Off));
    CHECK_FALSE(has_cloexec(fd));
    ::close(fd);
    CHECK_FALSE(set_cloexec(fd, Cloexec::On));
    CHECK_FALSE(close_fds_from(-1, FdAction::Close));
}
