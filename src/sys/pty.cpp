// Pseudo terminal helpers; see sys/pty.hpp.
#include "sys/pty.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace hull::pty {
namespace {

constexpr int kOpenFlags = O_RDWR | O_NOCTTY | O_CLOEXEC;

Result<PtyPair> from_master(UniqueFd master) {
    int unlock = 0;
    if (::ioctl(master.get(), TIOCSPTLCK, &unlock) < 0) return fail_errno("unlock pty");
    PtyPair p;
    p.name = HULL_TRY(pty_name(master.get()));
    int slave = ::ioctl(master.get(), TIOCGPTPEER, kOpenFlags);
    if (slave < 0) return fail_errno("open pty peer " + p.name);
    p.slave.reset(slave);
    p.master = std::move(master);
    return p;
}

} // namespace

Result<PtyPair> open_pty(const std::string& ptmx_path) {
    UniqueFd m(::open(ptmx_path.c_str(), kOpenFlags));
    if (!m) return fail_errno("open " + ptmx_path);
    return from_master(std::move(m));
}

Result<PtyPair> open_pty_at(int ptmx_fd) {
    // Reopening the node (even through an fd that is itself an open master) opens a new
    // master on the same devpts instance.
    std::string path = "/proc/self/fd/" + std::to_string(ptmx_fd);
    UniqueFd m(::open(path.c_str(), kOpenFlags));
    if (!m) return fail_errno("open ptmx fd " + std::to_string(ptmx_fd));
    return from_master(std::move(m));
}

Result<std::string> pty_name(int master_fd) {
    unsigned n = 0;
    if (::ioctl(master_fd, TIOCGPTN, &n) < 0) return fail_errno("get pty number");
    return "/dev/pts/" + std::to_string(n);
}

Result<void> set_window_size(int fd, unsigned short rows, unsigned short cols) {
    winsize ws{};
    ws.ws_row = rows;
    ws.ws_col = cols;
    if (::ioctl(fd, TIOCSWINSZ, &ws) < 0) return fail_errno("set window size");
    return {};
}

Result<void> make_controlling_tty(int fd) {
    if (::setsid() < 0) return fail_errno("setsid");
    if (::ioctl(fd, TIOCSCTTY, 0) < 0) return fail_errno("set controlling tty");
    return {};
}

Result<void> dup_onto_stdio(int fd) {
    for (int target = 0; target <= 2; ++target) {
        if (fd == target) {
            // dup2(fd, fd) would leave FD_CLOEXEC set.
            int flags = ::fcntl(fd, F_GETFD);
            if (flags < 0 || ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                return fail_errno("clear close-on-exec on fd " + std::to_string(fd));
            continue;
        }
        if (::dup2(fd, target) < 0) return fail_errno("dup2 onto fd " + std::to_string(target));
    }
    return {};
}

} // namespace hull::pty
