// One hook process; see hook_process.hpp and hooks/hooks.hpp.
#include "hooks/hook_process.hpp"

#include "sys/fds.hpp"
#include "sys/pidfd.hpp"
#include "util/fd.hpp"
#include "util/io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <optional>
#include <vector>

namespace hull::hooks::detail {
namespace {

using Clock = std::chrono::steady_clock;

// How much of the hook's stderr is kept for the error message (all of it is passed on).
constexpr size_t kKeepStderr = 16 * 1024;
// After the hook exited, at most this much more stderr is drained (a grandchild may hold
// the pipe open and keep writing; nobody waits for it).
constexpr size_t kDrainLimit = 1024 * 1024;
// Without a pidfd the child is polled with waitpid(WNOHANG) at this interval.
constexpr int kPollIntervalMs = 10;

struct Pipe {
    UniqueFd r;
    UniqueFd w;
};

Result<Pipe> make_pipe() {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return fail_errno("pipe");
    return Pipe{.r = UniqueFd(p[0]), .w = UniqueFd(p[1])};
}

Result<void> set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return fail_errno("set O_NONBLOCK");
    return {};
}

// What the child reports on the status pipe when it fails before or at execve.
struct ChildFailure {
    int stage; // kStageSetup or kStageExec
    int err;
};
constexpr int kStageSetup = 1;
constexpr int kStageExec = 2;

[[noreturn]] void child_fail(int status_fd, int stage) {
    ChildFailure f{stage, errno};
    ssize_t n = ::write(status_fd, &f, sizeof(f));
    (void)n;
    ::_exit(127);
}

// In the forked child: stdin <- in_fd, stderr -> err_fd, stdout stays, every other fd is
// closed, then execve. Never returns.
[[noreturn]] void child_exec(const char* path, char* const argv[], char* const envp[], int in_fd,
                             int err_fd, int status_fd) {
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);

    // Move everything above stdio first: when the caller runs with fd 0, 1 or 2 closed, a
    // pipe may sit on one of them and the dup2s below would clobber it.
    int status = ::fcntl(status_fd, F_DUPFD_CLOEXEC, 3);
    if (status < 0) ::_exit(127);
    int in = ::fcntl(in_fd, F_DUPFD_CLOEXEC, 3);
    int err = ::fcntl(err_fd, F_DUPFD_CLOEXEC, 3);
    if (in < 0 || err < 0) child_fail(status, kStageSetup);
    if (::dup2(in, STDIN_FILENO) < 0 || ::dup2(err, STDERR_FILENO) < 0)
        child_fail(status, kStageSetup);
    // stdout is the caller's; if it is closed, give the hook /dev/null instead.
    if (::fcntl(STDOUT_FILENO, F_SETFD, 0) < 0) {
        int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null < 0 || ::dup2(null, STDOUT_FILENO) < 0) child_fail(status, kStageSetup);
    }
    const int keep[] = {status};
    if (!sys::close_fds_from(3, sys::FdAction::Close, keep)) child_fail(status, kStageSetup);
    ::execve(path, argv, envp);
    child_fail(status, kStageExec);
}

// Blocks SIGPIPE while the state is written to a pipe the hook may have closed; a SIGPIPE
// raised by that write is consumed before the old mask comes back. No handler is touched.
class SigpipeBlock {
  public:
    SigpipeBlock() {
        sigset_t pending;
        ::sigemptyset(&pending);
        ::sigpending(&pending);
        was_pending_ = ::sigismember(&pending, SIGPIPE) == 1;
        sigset_t set;
        ::sigemptyset(&set);
        ::sigaddset(&set, SIGPIPE);
        ::sigprocmask(SIG_BLOCK, &set, &old_);
    }
    ~SigpipeBlock() {
        if (!was_pending_) {
            sigset_t set;
            ::sigemptyset(&set);
            ::sigaddset(&set, SIGPIPE);
            timespec zero{};
            while (::sigtimedwait(&set, nullptr, &zero) == SIGPIPE) {
            }
        }
        ::sigprocmask(SIG_SETMASK, &old_, nullptr);
    }
    SigpipeBlock(const SigpipeBlock&) = delete;
    SigpipeBlock& operator=(const SigpipeBlock&) = delete;

  private:
    sigset_t old_{};
    bool was_pending_ = false;
};

// Kills and reaps the child on every early return.
class ChildGuard {
  public:
    explicit ChildGuard(pid_t pid) : pid_(pid) {}
    ~ChildGuard() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        (void)io::wait_pid(pid_);
    }
    ChildGuard(const ChildGuard&) = delete;
    ChildGuard& operator=(const ChildGuard&) = delete;
    void release() { pid_ = -1; }

  private:
    pid_t pid_;
};

// The parent's side of the pipes while the hook runs.
class Streams {
  public:
    Streams(UniqueFd stdin_w, UniqueFd stderr_r, std::string_view input)
        : in_(std::move(stdin_w)), err_(std::move(stderr_r)), input_(input) {
        if (input_.empty()) in_.reset();
    }

    int in_fd() const { return in_.get(); }
    int err_fd() const { return err_.get(); }

    // Writes as much of the input as the pipe takes. Closes stdin when all is written or
    // the hook closed its end (EPIPE: not an error, the hook need not read the state).
    void feed() {
        while (in_) {
            size_t left = input_.size() - written_;
            ssize_t n =
                io::retry_eintr([&] { return ::write(in_.get(), input_.data() + written_, left); });
            if (n < 0) {
                if (errno != EAGAIN) in_.reset();
                return;
            }
            written_ += static_cast<size_t>(n);
            if (written_ == input_.size()) in_.reset();
        }
    }
    void close_stdin() { in_.reset(); }

    // Reads what stderr has now (one read). Returns the bytes read (0 at EOF / EAGAIN).
    size_t pump_stderr() {
        if (!err_) return 0;
        char buf[4096];
        ssize_t n = ::read(err_.get(), buf, sizeof(buf));
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
        if (n <= 0) {
            err_.reset();
            return 0;
        }
        // The caller's stderr may be gone: nothing to do about it.
        (void)io::write_all_raw(STDERR_FILENO, buf, static_cast<size_t>(n));
        if (kept_.size() < kKeepStderr)
            kept_.append(buf, std::min(static_cast<size_t>(n), kKeepStderr - kept_.size()));
        return static_cast<size_t>(n);
    }
    // After the hook exited: whatever is already in the pipe, without waiting for EOF.
    void drain_stderr() {
        size_t total = 0;
        while (err_ && total < kDrainLimit) {
            size_t n = pump_stderr();
            if (n == 0) break;
            total += n;
        }
        err_.reset();
    }
    std::string take_stderr() { return std::move(kept_); }

  private:
    UniqueFd in_;
    UniqueFd err_;
    std::string_view input_;
    size_t written_ = 0;
    std::string kept_;
};

Outcome outcome_of(int status) {
    Outcome o;
    if (WIFSIGNALED(status)) {
        o.end = Outcome::End::Signaled;
        o.signal = WTERMSIG(status);
    } else {
        o.end = Outcome::End::Exited;
        o.code = WEXITSTATUS(status);
    }
    return o;
}

} // namespace

Result<Outcome> run_process(const Hook& hook, std::string_view stdin_data, WaitVia via) {
    // Everything the child needs is built before fork.
    std::vector<std::string> args = hook.args;
    if (args.empty()) args.push_back(hook.path);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env = hook.env;
    std::vector<char*> envp;
    for (auto& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    Pipe in = HULL_TRY_CTX(make_pipe(), "stdin");
    Pipe err = HULL_TRY_CTX(make_pipe(), "stderr");
    Pipe status = HULL_TRY_CTX(make_pipe(), "status");

    pid_t pid = ::fork();
    if (pid < 0) return fail_errno("fork");
    if (pid == 0)
        child_exec(hook.path.c_str(), argv.data(), envp.data(), in.r.get(), err.w.get(),
                   status.w.get());
    ChildGuard guard(pid);
    in.r.reset();
    err.w.reset();
    status.w.reset();

    // EOF on the status pipe: execve succeeded (the pipe is close-on-exec).
    ChildFailure failure{};
    const ssize_t got =
        io::retry_eintr([&] { return ::read(status.r.get(), &failure, sizeof(failure)); });
    if (got == static_cast<ssize_t>(sizeof(failure))) {
        guard.release();
        (void)io::wait_pid(pid);
        return fail_sys(failure.err, failure.stage == kStageExec ? "exec" : "set up hook process");
    }
    status.r.reset();

    // Without pidfd_open (old kernel), waitpid(WNOHANG) at short intervals.
    UniqueFd pidfd;
    if (via == WaitVia::PidFd) {
        if (auto p = sys::pidfd_open(pid)) pidfd = std::move(*p);
    }

    HULL_TRY_CTX(set_nonblocking(in.w.get()), "stdin");
    HULL_TRY_CTX(set_nonblocking(err.r.get()), "stderr");
    Streams streams(std::move(in.w), std::move(err.r), stdin_data);

    std::optional<Clock::time_point> deadline;
    if (hook.timeout && *hook.timeout > 0)
        deadline = Clock::now() + std::chrono::seconds(*hook.timeout);

    SigpipeBlock sigpipe;
    std::optional<int> wstatus;
    bool timed_out = false;
    while (!wstatus) {
        streams.feed();
        pollfd fds[3];
        nfds_t n = 0;
        int pid_i = -1, in_i = -1, err_i = -1;
        if (pidfd) pid_i = static_cast<int>(n), fds[n++] = {pidfd.get(), POLLIN, 0};
        if (streams.in_fd() >= 0)
            in_i = static_cast<int>(n), fds[n++] = {streams.in_fd(), POLLOUT, 0};
        if (streams.err_fd() >= 0)
            err_i = static_cast<int>(n), fds[n++] = {streams.err_fd(), POLLIN, 0};

        int wait_ms = -1;
        if (deadline) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
            if (left.count() <= 0) {
                timed_out = true;
                break;
            }
            wait_ms = static_cast<int>(std::min<long long>(left.count(), 60 * 60 * 1000));
        }
        if (!pidfd) wait_ms = wait_ms < 0 ? kPollIntervalMs : std::min(wait_ms, kPollIntervalMs);

        int r = ::poll(fds, n, wait_ms);
        if (r < 0 && errno != EINTR) return fail_errno("poll");
        if (r > 0) {
            if (in_i >= 0 && fds[in_i].revents != 0) streams.feed();
            if (err_i >= 0 && fds[err_i].revents != 0) streams.pump_stderr();
        }
        if (!pidfd)
            wstatus = HULL_TRY(io::try_wait_pid(pid));
        else if (pid_i >= 0 && r > 0 && (fds[pid_i].revents & POLLIN))
            wstatus = HULL_TRY(io::wait_pid(pid));
    }
    streams.close_stdin();

    if (timed_out) {
        ::kill(pid, SIGKILL);
        guard.release();
        HULL_TRY(io::wait_pid(pid));
        streams.drain_stderr();
        Outcome o;
        o.end = Outcome::End::TimedOut;
        o.stderr_text = streams.take_stderr();
        return o;
    }
    guard.release();
    streams.drain_stderr();
    Outcome o = outcome_of(*wstatus);
    o.stderr_text = streams.take_stderr();
    return o;
}

} // namespace hull::hooks::detail
