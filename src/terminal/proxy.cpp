// Relaying hull's own terminal to the container's pty master; see terminal/terminal.hpp.
#include "terminal/terminal.hpp"
#include "util/io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

namespace hull::terminal {
namespace {

constexpr size_t kChunk = 16 * 1024;
// After the child exited, at most this much more output is drained from the master.
constexpr size_t kDrainLimit = 4 * 1024 * 1024;

// Puts a tty into raw mode and restores its settings when destroyed.
class RawMode {
  public:
    explicit RawMode(int fd) {
        if (!::isatty(fd) || ::tcgetattr(fd, &saved_) < 0) return;
        termios raw = saved_;
        ::cfmakeraw(&raw);
        if (::tcsetattr(fd, TCSANOW, &raw) == 0) fd_ = fd;
    }
    ~RawMode() {
        if (fd_ >= 0) ::tcsetattr(fd_, TCSANOW, &saved_);
    }
    RawMode(const RawMode&) = delete;
    RawMode& operator=(const RawMode&) = delete;

  private:
    int fd_ = -1;
    termios saved_{};
};

// SIGWINCH blocked and readable from a signalfd; the old mask comes back when destroyed.
class WinchFd {
  public:
    WinchFd() = default;
    Result<void> open() {
        sigset_t set;
        ::sigemptyset(&set);
        ::sigaddset(&set, SIGWINCH);
        if (::sigprocmask(SIG_BLOCK, &set, &old_) < 0) return fail_errno("block SIGWINCH");
        blocked_ = true;
        fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
        if (!fd_) return fail_errno("signalfd SIGWINCH");
        return {};
    }
    ~WinchFd() {
        fd_.reset();
        if (blocked_) ::sigprocmask(SIG_SETMASK, &old_, nullptr);
    }
    WinchFd(const WinchFd&) = delete;
    WinchFd& operator=(const WinchFd&) = delete;
    int get() const { return fd_.get(); }
    // Reads every queued SIGWINCH; true if there was one.
    bool consume() {
        signalfd_siginfo info[8];
        bool any = false;
        while (io::retry_eintr([&] { return ::read(fd_.get(), info, sizeof(info)); }) > 0)
            any = true;
        return any;
    }

  private:
    UniqueFd fd_;
    sigset_t old_{};
    bool blocked_ = false;
};

// Sets O_NONBLOCK on the master and restores its old file status flags when destroyed.
class NonBlocking {
  public:
    Result<void> set(int fd) {
        int flags = ::fcntl(fd, F_GETFL);
        if (flags < 0) return fail_errno("get master flags");
        if (::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return fail_errno("set O_NONBLOCK");
        fd_ = fd;
        flags_ = flags;
        return {};
    }
    ~NonBlocking() {
        if (fd_ >= 0) ::fcntl(fd_, F_SETFL, flags_);
    }

  private:
    int fd_ = -1;
    int flags_ = 0;
};

// Copies the window size of `tty` to the master (which signals the container's foreground
// process group). Errors are not fatal: the relay goes on with the old size.
void copy_size(int tty, int master) {
    if (tty < 0) return;
    winsize ws{};
    if (::ioctl(tty, TIOCGWINSZ, &ws) == 0) ::ioctl(master, TIOCSWINSZ, &ws);
}

enum class ReadEnd { Data, Again, Closed };

// One read from the master, copied to `out`. EIO means no slave is open any more.
Result<ReadEnd> master_to_out(int master, int out, size_t* copied = nullptr) {
    char buf[kChunk];
    ssize_t n = ::read(master, buf, sizeof(buf));
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) return ReadEnd::Again;
        if (errno == EIO) return ReadEnd::Closed;
        return fail_errno("read pty master");
    }
    if (n == 0) return ReadEnd::Closed;
    // io::write_all waits for POLLOUT if `out` happens to be non-blocking.
    HULL_TRY(
        io::write_all(out, std::string_view(buf, static_cast<size_t>(n)), "write terminal output"));
    if (copied) *copied = static_cast<size_t>(n);
    return ReadEnd::Data;
}

// What the master still holds once the child exited, without waiting for more.
Result<void> drain(int master, int out) {
    size_t total = 0;
    while (total < kDrainLimit) {
        size_t n = 0;
        if (HULL_TRY(master_to_out(master, out, &n)) != ReadEnd::Data) break;
        total += n;
    }
    return {};
}

} // namespace

Result<void> proxy(int master_fd, int child_pidfd, ProxyIo io) {
    NonBlocking master_flags;
    HULL_TRY(master_flags.set(master_fd));
    WinchFd winch;
    HULL_TRY(winch.open());
    int tty = ::isatty(io.in) ? io.in : (::isatty(io.out) ? io.out : -1);
    RawMode raw(io.in);
    copy_size(tty, master_fd);

    std::string pending; // read from io.in, not yet taken by the master
    bool in_open = io.in >= 0;
    bool master_open = true;
    for (;;) {
        pollfd fds[4];
        nfds_t n = 0;
        int in_i = -1, m_i = -1;
        fds[n++] = {child_pidfd, POLLIN, 0};
        fds[n++] = {winch.get(), POLLIN, 0};
        if (in_open && pending.empty()) in_i = static_cast<int>(n), fds[n++] = {io.in, POLLIN, 0};
        if (master_open) {
            short ev = POLLIN;
            if (!pending.empty()) ev |= POLLOUT;
            m_i = static_cast<int>(n);
            fds[n++] = {master_fd, ev, 0};
        }
        if (io::retry_eintr([&] { return ::poll(fds, n, -1); }) < 0)
            return fail_errno("poll terminal");
        if (fds[1].revents & POLLIN) {
            if (winch.consume()) copy_size(tty, master_fd);
        }
        if (in_i >= 0 && fds[in_i].revents) {
            char buf[kChunk];
            ssize_t got = ::read(io.in, buf, sizeof(buf));
            if (got > 0)
                pending.append(buf, static_cast<size_t>(got));
            else if (got == 0 || (errno != EINTR && errno != EAGAIN))
                in_open = false;
        }
        if (m_i >= 0 && fds[m_i].revents) {
            short rev = fds[m_i].revents;
            if (rev & (POLLIN | POLLHUP | POLLERR)) {
                if (HULL_TRY(master_to_out(master_fd, io.out)) == ReadEnd::Closed) {
                    master_open = false;
                    pending.clear();
                }
            }
            if (master_open && !pending.empty() && (rev & POLLOUT)) {
                ssize_t w = ::write(master_fd, pending.data(), pending.size());
                if (w > 0)
                    pending.erase(0, static_cast<size_t>(w));
                else if (w < 0 && errno != EINTR && errno != EAGAIN)
                    return fail_errno("write pty master");
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (master_open) HULL_TRY(drain(master_fd, io.out));
            return {};
        }
    }
}

} // namespace hull::terminal
