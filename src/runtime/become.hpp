// The last step of a container process, shared by the container init (init.cpp, after `start`)
// and the child of `hull exec` (exec/enter.cpp): apply the process with process::prepare,
// taking linux.personality and linux.memoryPolicy from the config and loading the seccomp
// filter last, then execve it: directly, or through exe_guard's trampoline when there is one.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "process/process.hpp"
#include "seccomp/seccomp.hpp"
#include "state/state.hpp"

#include <span>

namespace hull::runtime {

// What happens to process::prepare()'s warnings: hull::log::warn before the execve, or
// nothing (the init has always dropped them).
enum class PrepareWarnings { Log, Drop };

struct BecomeSpec {
    const Config& cfg;
    const Process& process;
    std::span<const int> keep_fds; // fds >= 3 that survive execve
    const process::HostLsms& lsms;
    seccomp::Launch* seccomp = nullptr; // nullptr: no filter
    // The seccomp listener's state message: `state` with `host_pid` and `status`.
    const ContainerState& state;
    Status status = Status::Created;
    int host_pid = 0;
    int trampoline_fd = -1; // exe_guard's sealed trampoline; -1: execve directly
    int report_fd = -1;     // where the trampoline reports its execve error
    PrepareWarnings warnings = PrepareWarnings::Log;
};

// Returns only on failure.
Error prepare_and_exec(const BecomeSpec& spec);

} // namespace hull::runtime
