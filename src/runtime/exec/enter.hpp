// The child of `hull exec` that becomes the exec'd process: it starts in the container's
// pid namespace and cgroup (the parent arranged both), joins the container's other
// namespaces, checks its root, opens the terminal, applies the process (process) and
// calls execve. Errors go back to the parent as text over the sync socket; EOF on that
// socket (it is close-on-exec) means execve succeeded.
#pragma once

#include "hull/config.hpp"
#include "process/process.hpp"
#include "seccomp/seccomp.hpp"
#include "state/state.hpp"

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace hull::runtime::execproc {

struct ChildContext {
    const Process* process = nullptr;
    const Config* cfg = nullptr;
    int init_pidfd = -1;
    int join_flags = 0; // CLONE_NEW* to join from init_pidfd (never CLONE_NEWPID)
    // The same namespaces as files, user first: used when setns() does not take a pidfd
    // (kernels before 5.8).
    std::vector<std::pair<int, int>> ns_fds; // (fd, CLONE_NEW* type)
    int init_root_fd = -1;                   // O_PATH of /proc/<init>/root
    int sync_fd = -1;
    int console_fd = -1; // where the pty master goes; -1 without a terminal
    int preserve_fds = 0;
    seccomp::Launch* seccomp = nullptr;
    ContainerState state; // for the seccomp listener message
    process::HostLsms lsms;
    int trampoline_fd = -1; // exe_guard's sealed trampoline; -1: execve directly
};

[[noreturn]] void child_main(const ChildContext& ctx);

} // namespace hull::runtime::execproc
