// One hook process: fork, execve, feed stdin, pass stderr on, wait with a timeout.
// Private to src/hooks; see hooks/hooks.hpp for the behaviour.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"

#include <string>
#include <string_view>

namespace hull::hooks::detail {

struct Outcome {
    enum class End { Exited, Signaled, TimedOut };
    End end = End::Exited;
    int code = 0;   // exit status (Exited)
    int signal = 0; // terminating signal (Signaled)
    // What the hook wrote on stderr (up to a limit), for the error message.
    std::string stderr_text;
};

// How the end of the hook is noticed: a pidfd in the poll set, or (on kernels without
// pidfd_open, and for tests) waitpid(WNOHANG) at short intervals. PidFd falls back to
// Polling when pidfd_open fails.
enum class WaitVia { PidFd, Polling };

// Runs one hook to its end. An error means it could not be started or waited for (exec
// failure: "exec: No such file or directory"); a hook that ran and failed is an Outcome.
Result<Outcome> run_process(const Hook& hook, std::string_view stdin_data,
                            WaitVia via = WaitVia::PidFd);

} // namespace hull::hooks::detail
