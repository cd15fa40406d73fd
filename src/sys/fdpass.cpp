// SCM_RIGHTS fd passing and small AF_UNIX helpers; see sys/fdpass.hpp.
#include "sys/fdpass.hpp"

#include "util/io.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

namespace hull::fdpass {
namespace {

// Up to this many fds are accepted in one message (so that extras can be closed).
constexpr size_t kMaxFds = 16;
constexpr size_t kMaxPayload = 4096;

// Fills `addr` for `path`. Paths longer than sun_path go through an O_PATH fd of their
// directory, which `holder` keeps open until the bind/connect is done.
Result<socklen_t> make_addr(const std::string& path, sockaddr_un& addr, UniqueFd& holder) {
    std::memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    std::string name = path;
    if (name.size() >= sizeof(addr.sun_path)) {
        size_t slash = path.rfind('/');
        std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
        if (dir.empty()) dir = "/";
        holder.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!holder) return fail_errno("open " + dir);
        name = "/proc/self/fd/" + std::to_string(holder.get()) + "/" + path.substr(slash + 1);
        if (name.size() >= sizeof(addr.sun_path))
            return fail_sys(ENAMETOOLONG, "socket path " + path);
    }
    std::memcpy(addr.sun_path, name.c_str(), name.size() + 1);
    return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() + 1);
}

} // namespace

Result<void> send_fd(int sock, int fd, std::string_view payload) {
    char nul = '\0';
    iovec iov{};
    if (payload.empty()) {
        iov.iov_base = &nul;
        iov.iov_len = 1;
    } else {
        iov.iov_base = const_cast<char*>(payload.data());
        iov.iov_len = payload.size();
    }
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
    const ssize_t n = io::retry_eintr([&] { return ::sendmsg(sock, &msg, MSG_NOSIGNAL); });
    if (n < 0) return fail_errno("sendmsg");
    if (static_cast<size_t>(n) != iov.iov_len) return fail_sys(EMSGSIZE, "sendmsg: short write");
    return {};
}

Result<std::pair<UniqueFd, std::string>> recv_fd(int sock) {
    std::string payload(kMaxPayload, '\0');
    iovec iov{payload.data(), payload.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = io::retry_eintr([&] { return ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC); });
    if (n < 0) return fail_errno("recvmsg");
    std::vector<UniqueFd> fds;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; ++i) {
            int fd;
            std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            fds.emplace_back(fd);
        }
    }
    if (n == 0 && fds.empty()) return fail_sys(ECONNRESET, "recvmsg: connection closed");
    if (msg.msg_flags & MSG_CTRUNC) return fail_sys(EMSGSIZE, "recvmsg: control data truncated");
    if (fds.empty()) return fail_sys(EBADMSG, "recvmsg: no file descriptor received");
    if (fds.size() > 1)
        return fail_sys(EBADMSG,
                        "recvmsg: " + std::to_string(fds.size()) + " fds received, want 1");
    payload.resize(static_cast<size_t>(n));
    while (!payload.empty() && payload.back() == '\0')
        payload.pop_back();
    return std::pair<UniqueFd, std::string>(std::move(fds.front()), std::move(payload));
}

Result<UniqueFd> connect_unix(const std::string& path) {
    UniqueFd holder;
    sockaddr_un addr{};
    socklen_t len = HULL_TRY(make_addr(path, addr, holder));
    UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s) return fail_errno("socket");
    if (io::retry_eintr(
            [&] { return ::connect(s.get(), reinterpret_cast<sockaddr*>(&addr), len); }) < 0)
        return fail_errno("connect " + path);
    return s;
}

Result<UniqueFd> listen_unix(const std::string& path) {
    UniqueFd holder;
    sockaddr_un addr{};
    socklen_t len = HULL_TRY(make_addr(path, addr, holder));
    UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s) return fail_errno("socket");
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), len) < 0)
        return fail_errno("bind " + path);
    if (::listen(s.get(), 16) < 0) return fail_errno("listen " + path);
    return s;
}

Result<std::pair<UniqueFd, UniqueFd>> unix_socketpair(int type) {
    int sv[2];
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0) return fail_errno("socketpair");
    return std::pair<UniqueFd, UniqueFd>(UniqueFd(sv[0]), UniqueFd(sv[1]));
}

} // namespace hull::fdpass
