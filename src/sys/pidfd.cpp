// pidfd helpers; see sys/pidfd.hpp.
#include "sys/pidfd.hpp"

#include "util/io.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace hull::sys {

Result<UniqueFd> pidfd_open(pid_t pid) {
    long fd = ::syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return fail_errno("pidfd_open " + std::to_string(pid));
    return UniqueFd(static_cast<int>(fd));
}

Result<void> pidfd_send_signal(int pidfd, int sig) {
    if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0)
        return fail_errno("pidfd_send_signal " + std::to_string(sig));
    return {};
}

Result<ExitInfo> pidfd_wait(int pidfd, WaitMode mode) {
    siginfo_t info{};
    int options = WEXITED | (mode == WaitMode::NoHang ? WNOHANG : 0);
    if (io::retry_eintr([&] {
            return ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info,
                            options);
        }) < 0)
        return fail_errno("waitid");
    if (info.si_pid == 0) return fail_sys(EAGAIN, "waitid: process still running");
    ExitInfo ex;
    switch (info.si_code) {
    case CLD_EXITED:
        ex.code = info.si_status;
        break;
    case CLD_DUMPED:
        ex.core_dumped = true;
        [[fallthrough]];
    case CLD_KILLED:
        ex.signaled = true;
        ex.signal = info.si_status;
        break;
    default:
        return fail_sys(EINVAL, "waitid: unexpected si_code " + std::to_string(info.si_code));
    }
    return ex;
}

Result<bool> pidfd_poll_exit(int pidfd, int timeout_ms) {
    pollfd p{pidfd, POLLIN, 0};
    const int n = io::retry_eintr([&] { return ::poll(&p, 1, timeout_ms); });
    if (n < 0) return fail_errno("poll pidfd");
    return n > 0;
}

} // namespace hull::sys
