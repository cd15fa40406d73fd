#include "runtime/forward.hpp"

#include "sys/pidfd.hpp"
#include "util/fd.hpp"
#include "util/io.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>

namespace hull::runtime {
namespace {

constexpr int kForwarded[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH,
                              SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGALRM, SIGPWR};

} // namespace

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
        if (io::retry_eintr([&] { return poll(p, 2, -1); }) < 0) return fail_errno("poll");
        if (p[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (io::retry_eintr([&] { return read(sfd.get(), &si, sizeof si); }) == sizeof si)
                (void)sys::pidfd_send_signal(pidfd, static_cast<int>(si.ssi_signo));
        }
        if (p[0].revents & POLLIN) return {};
    }
}

} // namespace hull::runtime
