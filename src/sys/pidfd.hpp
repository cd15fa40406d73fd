// Process file descriptors: open, signal and reap a process without pid-reuse races.
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <sys/types.h>

namespace hull::sys {

// pidfd_open(2); the fd is O_CLOEXEC. ESRCH when the process is gone.
Result<UniqueFd> pidfd_open(pid_t pid);

// pidfd_send_signal(2) with no siginfo. ESRCH when the process has exited.
Result<void> pidfd_send_signal(int pidfd, int sig);

// How a reaped child ended.
struct ExitInfo {
    bool signaled = false; // killed by a signal (then `signal` is set)
    int code = 0;          // exit status when !signaled
    int signal = 0;
    bool core_dumped = false;
    // Shell convention: the exit code, or 128 + the signal number.
    int shell_code() const { return signaled ? 128 + signal : code; }
};

enum class WaitMode { Block, NoHang };

// waitid(P_PIDFD) for a child of ours. With NoHang and a running child: an error with
// errno EAGAIN. Retries on EINTR.
Result<ExitInfo> pidfd_wait(int pidfd, WaitMode mode = WaitMode::Block);

// Waits until the pidfd becomes readable (the process exited) or timeout_ms passes.
// Returns true when it exited. timeout_ms < 0 waits forever.
Result<bool> pidfd_poll_exit(int pidfd, int timeout_ms);

} // namespace hull::sys
