// run: create + start, then (in the foreground) wait for the container as its parent,
// forwarding signals, and delete it when it is done.
#include "hull/log.hpp"
#include "hull/runtime.hpp"
#include "hull/sys_pidfd.hpp"
#include "hull/terminal.hpp"
#include "launch.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

namespace hull::runtime {
namespace {

constexpr int kForwarded[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
                              SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGALRM, SIGPWR};

// Waits for the init while passing the signals hull receives on to it.
Result<void> forward_until_exit(int pidfd) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kForwarded)
        sigaddset(&set, s);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return fail_errno("sigprocmask");
    UniqueFd sfd(signalfd(-1, &set, SFD_CLOEXEC));
    if (!sfd) return fail_errno("signalfd");
    for (;;) {
        struct pollfd p[2] = {{pidfd, POLLIN, 0}, {sfd.get(), POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return fail_errno("poll");
        }
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd.get(), &si, sizeof si) == sizeof si)
                (void)sys::pidfd_send_signal(pidfd, static_cast<int>(si.ssi_signo));
        }
        if (p[0].revents & POLLIN) return {};
    }
}

// Reaps whatever else was re-parented to us as subreaper.
void reap_orphans() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

} // namespace

Result<int> run(const RunOptions& o) {
    bool fg = o.mode == RunMode::Foreground;
    if (fg && o.subreaper == Subreaper::Yes) prctl(PR_SET_CHILD_SUBREAPER, 1);
    auto l = HULL_TRY(launch(o.create, fg ? ConsoleMode::InProcess : ConsoleMode::Socket));
    auto started = start(o.create.root, o.create.id);
    if (!started) {
        if (o.keep == KeepMode::Remove) (void)remove(o.create.root, o.create.id, DeleteMode::Force);
        return std::unexpected(started.error());
    }
    if (!fg) return 0;

    if (l.console_master)
        HULL_TRY(terminal::proxy(l.console_master.get(), l.pidfd.get()));
    else
        HULL_TRY(forward_until_exit(l.pidfd.get()));
    auto exit = HULL_TRY(sys::pidfd_wait(l.pidfd.get()));
    reap_orphans();
    if (o.keep == KeepMode::Remove) {
        auto r = remove(o.create.root, o.create.id, DeleteMode::Force);
        if (!r) log::warn(r.error().message());
    }
    return exit.shell_code();
}

} // namespace hull::runtime
