// Creating a child process like fork(), with namespaces, a pidfd and a target cgroup.
//
// clone_process() calls clone3(2) with no stack of its own (stack = 0), so the child
// continues on a copy-on-write copy of the caller's stack exactly as after fork(): it
// returns with pid == 0 in the child. When the kernel has no clone3 (ENOSYS) it falls back
// to the raw clone(2) syscall, which cannot place the child in a cgroup; the result then
// says `in_cgroup == false` and the caller must move the child itself. CLONE_NEWTIME only
// works through clone3 (its bit collides with the exit signal of clone(2)); without clone3
// the caller has to unshare(CLONE_NEWTIME) instead.
//
// Caveats of a raw clone (either syscall) compared with glibc's fork():
//  * pthread_atfork handlers do not run and glibc does not reset its internal locks. hull's
//    runtime is single-threaded, so no lock can be held by another thread.
//  * glibc's per-thread tid cache (struct pthread::tid) keeps the parent's value in the
//    child. glibc >= 2.25 no longer caches the pid for getpid(), and raise()/abort() ask
//    the kernel for the tid (glibc >= 2.34), so the usual calls are safe; do not rely on
//    pthread_self()-based tid lookups in the child.
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <sys/types.h>

#include <csignal>
#include <cstdint>

namespace hull::sys {

enum class WantPidFd { No, Yes };
// When the kernel refuses CLONE_INTO_CGROUP for want of permission (EACCES: the caller cannot
// write the cgroup.procs of the common ancestor, e.g. a rootless caller outside its systemd
// user manager's tree): fail, or clone without it and leave the move to the caller
// (CloneResult::in_cgroup is then false).
enum class CgroupRefused { Fail, CloneOutside };

struct CloneRequest {
    // CLONE_NEW* and other clone flags. CLONE_PIDFD and CLONE_INTO_CGROUP are set from the
    // fields below; CLONE_VM, CLONE_THREAD, CLONE_SETTLS and friends are refused.
    std::uint64_t flags = 0;
    // Ask for a pidfd of the child (CLONE_PIDFD).
    WantPidFd pidfd = WantPidFd::No;
    // A cgroup v2 directory fd: the child starts in that cgroup (CLONE_INTO_CGROUP).
    int cgroup_fd = -1;
    CgroupRefused cgroup_refused = CgroupRefused::Fail;
    // Signal sent to the parent when the child exits. Must be 0 with CLONE_PARENT: the child
    // is then our sibling (the child of our parent) and signals it with our own exit signal.
    int exit_signal = SIGCHLD;
};

struct CloneResult {
    pid_t pid = -1;         // 0 in the child, the child's pid in the parent
    UniqueFd pidfd;         // parent only, when requested
    bool in_cgroup = false; // parent only: the child was started in cgroup_fd
    bool used_clone3 = false;
};

// Forks a child as described above.
Result<CloneResult> clone_process(const CloneRequest& req);

// The same, forcing the raw clone(2) path (for tests and for kernels whose clone3 misbehaves).
Result<CloneResult> clone_process_legacy(const CloneRequest& req);

} // namespace hull::sys
