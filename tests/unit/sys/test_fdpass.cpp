#include "sys/fdpass.hpp"

#include "sys_test_util.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

using namespace hull;
using namespace hull::fdpass;

namespace {

// A pipe; the write end is sent, and what is written through the received copy must
// come out of the read end.
void check_passes(int send_sock, int recv_sock, std::string_view payload) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    UniqueFd rd(p[0]), wr(p[1]);
    REQUIRE(send_fd(send_sock, wr.get(), payload));
    auto got = recv_fd(recv_sock);
    REQUIRE(got);
    CHECK(got->second == payload);
    CHECK(got->first.get() != wr.get());
    CHECK((::fcntl(got->first.get(), F_GETFD) & FD_CLOEXEC) != 0);
    REQUIRE(::write(got->first.get(), "ok", 2) == 2);
    char buf[2];
    REQUIRE(::read(rd.get(), buf, 2) == 2);
    CHECK(std::string(buf, 2) == "ok");
}

} // namespace

TEST_CASE("send_fd/recv_fd pass an fd with its payload", "[linux][fdpass]") {
    auto pair = unix_socketpair(SOCK_STREAM);
    REQUIRE(pair);
    check_passes(pair->first.get(), pair->second.get(), "/dev/pts/3");
    check_passes(pair->second.get(), pair->first.get(), "");
    auto seq = unix_socketpair(SOCK_SEQPACKET);
    REQUIRE(seq);
    check_passes(seq->first.get(), seq->second.get(), "x");
}

TEST_CASE("recv_fd errors", "[linux][fdpass]") {
    auto pair = unix_socketpair(SOCK_STREAM);
    REQUIRE(pair);
    REQUIRE(::write(pair->first.get(), "no fd", 5) == 5);
    auto none = recv_fd(pair->second.get());
    REQUIRE_FALSE(none);
    CHECK_THAT(none.error().message(), Catch::Contains("no file descriptor"));

    // Two fds in one message: refused, both closed.
    int fds[2] = {0, 1};
    char data = 'x';
    iovec iov{&data, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(fds))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(fds));
    std::memcpy(CMSG_DATA(c), fds, sizeof(fds));
    REQUIRE(::sendmsg(pair->first.get(), &msg, 0) == 1);
    auto two = recv_fd(pair->second.get());
    REQUIRE_FALSE(two);
    CHECK_THAT(two.error().message(), Catch::Contains("2 fds"));

    pair->first.reset();
    auto closed = recv_fd(pair->second.get());
    REQUIRE_FALSE(closed);
    CHECK_THAT(closed.error().message(), Catch::Contains("connection closed"));
}

TEST_CASE("listen_unix/connect_unix, also with paths longer than sun_path", "[linux][fdpass]") {
    testutil::TempDir tmp;
    std::string dir = tmp.path();
    while (dir.size() < 120)
        dir += "/a-rather-long-directory-name";
    std::filesystem::create_directories(dir);
    for (const std::string& path : {tmp / "short.sock", dir + "/console.sock"}) {
        auto l = listen_unix(path);
        REQUIRE(l);
        CHECK(std::filesystem::is_socket(path));
        auto c = connect_unix(path);
        REQUIRE(c);
        UniqueFd conn(::accept4(l->get(), nullptr, nullptr, SOCK_CLOEXEC));
        REQUIRE(conn.valid());
        check_passes(c->get(), conn.get(), "/dev/pts/7");
        // Binding the same path again fails.
        CHECK_FALSE(listen_unix(path));
    }
    auto nobody = connect_unix(tmp / "nothing.sock");
    REQUIRE_FALSE(nobody);
    CHECK(nobody.error().err() == ENOENT);
}
