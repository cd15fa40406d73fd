// The exec'd process's own setup, from clone to execve (see enter.hpp).
#include "runtime/exec/enter.hpp"

#include "runtime/become.hpp"
#include "sys/fds.hpp"
#include "terminal/terminal.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace hull::runtime::execproc {
namespace {

Result<void> join_namespaces(const ChildContext& ctx) {
    if (ctx.join_flags == 0) return {};
    // One setns on the init's pidfd joins them all at once (the kernel enters the user
    // namespace first and checks the others with the new credentials).
    if (::setns(ctx.init_pidfd, ctx.join_flags) == 0) return {};
    if (errno != EINVAL) return fail_errno("join the container's namespaces");
    for (const auto& [fd, type] : ctx.ns_fds)
        if (::setns(fd, type) < 0) return fail_errno("join the container's namespaces");
    return {};
}

// After joining the mount namespace the root is that namespace's root; make sure it is the
// init's root (it is after pivot_root and after --no-pivot's move + chroot), else take it.
Result<void> enter_root(const ChildContext& ctx) {
    struct stat want {
    }, have{};
    if (fstat(ctx.init_root_fd, &want) < 0) return fail_errno("stat the container's root");
    if (stat("/", &have) < 0) return fail_errno("stat /");
    if (want.st_dev != have.st_dev || want.st_ino != have.st_ino) {
        if (fchdir(ctx.init_root_fd) < 0 || chroot(".") < 0)
            return fail_errno("enter the container's root");
    }
    if (chdir("/") < 0) return fail_errno("chdir /");
    return {};
}

Result<void> open_terminal(const ChildContext& ctx) {
    UniqueFd root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return fail_errno("open /");
    auto pty = HULL_TRY_CTX(terminal::open_pty(root.get()), "set up the terminal");
    if (ctx.process->consoleSize)
        HULL_TRY(terminal::set_size(pty.master.get(), *ctx.process->consoleSize));
    HULL_TRY_CTX(terminal::send_master(ctx.console_fd, pty), "send the console");
    pty.master.reset();
    close(ctx.console_fd);
    return terminal::become_session_leader_on(std::move(pty.slave));
}

Error become_process(const ChildContext& ctx) {
    char go = 0;
    ssize_t n = recv(ctx.sync_fd, &go, 1, 0);
    if (n != 1) _exit(1); // the parent gave up
    int host_pid = getpid();
    if (char self[32]{}; readlink("/proc/self", self, sizeof self - 1) > 0)
        host_pid = std::atoi(self);
    if (auto r = join_namespaces(ctx); !r) return r.error();
    if (auto r = enter_root(ctx); !r) return r.error();
    close(ctx.init_root_fd);
    if (ctx.console_fd >= 0)
        if (auto r = open_terminal(ctx); !r) return r.error();
    // The process outlives `hull exec --detach`: no parent-death signal from here on.
    prctl(PR_SET_PDEATHSIG, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    std::vector<int> keep;
    for (int i = 0; i < ctx.preserve_fds; ++i)
        keep.push_back(3 + i);
    if (ctx.trampoline_fd >= 0) keep.push_back(ctx.sync_fd); // the trampoline reports on it
    return prepare_and_exec({.cfg = *ctx.cfg,
                             .process = *ctx.process,
                             .keep_fds = keep,
                             .lsms = ctx.lsms,
                             .seccomp = ctx.seccomp,
                             .state = ctx.state,
                             .status = Status::Running,
                             .host_pid = host_pid,
                             .trampoline_fd = ctx.trampoline_fd,
                             .report_fd = ctx.sync_fd,
                             .warnings = PrepareWarnings::Log});
}

} // namespace

void child_main(const ChildContext& ctx) {
    // Not dumpable (inherited from the parent, set again here): container processes cannot
    // open /proc/<us>/exe, mem or fd, nor ptrace us, while we run hull's code among them.
    prctl(PR_SET_DUMPABLE, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(1);
    std::vector<int> keep{ctx.sync_fd, ctx.init_pidfd, ctx.init_root_fd};
    if (ctx.console_fd >= 0) keep.push_back(ctx.console_fd);
    if (ctx.seccomp && ctx.seccomp->listener) keep.push_back(ctx.seccomp->listener.get());
    if (ctx.trampoline_fd >= 0) keep.push_back(ctx.trampoline_fd);
    if (const int log_fd = log::file_fd(); log_fd >= 0) keep.push_back(log_fd);
    for (const auto& [fd, type] : ctx.ns_fds)
        keep.push_back(fd);
    for (int i = 0; i < ctx.preserve_fds; ++i)
        keep.push_back(3 + i);
    (void)sys::close_fds_from(3, sys::FdAction::Close, keep);

    Error e = become_process(ctx);
    const std::string& text = e.message();
    (void)!send(ctx.sync_fd, text.data(), text.size(), MSG_NOSIGNAL);
    _exit(1);
}

} // namespace hull::runtime::execproc
