// Opening the container's pty and handing its master over; see terminal/terminal.hpp.
#include "terminal/terminal.hpp"

#include "rootfs/path.hpp"
#include "sys/fdpass.hpp"
#include "sys/pty.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <limits>

namespace hull::terminal {
namespace {

// The ptmx character device: both /dev/ptmx and /dev/pts/ptmx are 5:2.
constexpr unsigned kPtmxMajor = 5;
constexpr unsigned kPtmxMinor = 2;

// An O_PATH fd of `path` inside the rootfs, checked to be the ptmx device.
Result<UniqueFd> open_ptmx_node(int rootfd, std::string_view path) {
    UniqueFd fd = HULL_TRY(rootfs::open_in_root(rootfd, path, O_PATH));
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return fail_errno("stat " + std::string(path));
    if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != kPtmxMajor || minor(st.st_rdev) != kPtmxMinor)
        return fail_sys(ENOTTY, "/" + std::string(path) + " is not the ptmx device");
    return fd;
}

} // namespace

Result<Pty> open_pty(int rootfd) {
    auto node = open_ptmx_node(rootfd, "dev/pts/ptmx");
    if (!node) {
        auto fallback = open_ptmx_node(rootfd, "dev/ptmx");
        if (!fallback) return std::unexpected(std::move(node.error()));
        node = std::move(fallback);
    }
    pty::PtyPair pair = HULL_TRY_CTX(pty::open_pty_at(node->get()), "open pty");
    Pty p;
    p.master = std::move(pair.master);
    p.slave = std::move(pair.slave);
    p.name = std::move(pair.name);
    p.host_path = rootfs::proc_fd_path(p.slave.get());
    return p;
}

Result<void> set_size(int fd, const ConsoleSize& size) {
    constexpr uint32_t kMax = std::numeric_limits<unsigned short>::max();
    if (size.height > kMax || size.width > kMax)
        return fail_sys(EINVAL, "console size " + std::to_string(size.height) + "x" +
                                    std::to_string(size.width) + " is too large");
    return pty::set_window_size(fd, static_cast<unsigned short>(size.height),
                                static_cast<unsigned short>(size.width));
}

Result<void> send_master(int console_socket_fd, const Pty& pty) {
    return with_context(fdpass::send_fd(console_socket_fd, pty.master.get(), pty.name),
                        "send pty master to console socket");
}

Result<std::pair<UniqueFd, std::string>> recv_master(int sock) {
    return with_context(fdpass::recv_fd(sock), "receive pty master");
}

Result<ConsoleRoute> console_route(const std::string& console_socket) {
    if (!console_socket.empty())
        return ConsoleRoute{.to_child = HULL_TRY_CTX(fdpass::connect_unix(console_socket),
                                                     "connect to console socket " + console_socket),
                            .peer = {}};
    auto pair = HULL_TRY(fdpass::unix_socketpair(SOCK_STREAM));
    return ConsoleRoute{.to_child = std::move(pair.first), .peer = std::move(pair.second)};
}

Result<void> become_session_leader_on(UniqueFd slave) {
    int fd = slave.get();
    // An fd among 0-2 stays open: it is one of the results.
    if (fd <= STDERR_FILENO) (void)slave.release();
    HULL_TRY(pty::make_controlling_tty(fd));
    HULL_TRY(pty::dup_onto_stdio(fd));
    return {}; // `slave` (when > 2) is closed here
}

} // namespace hull::terminal
