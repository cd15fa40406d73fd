// clone3 / clone wrappers that behave like fork(); see sys/clone.hpp.
#include "sys/clone.hpp"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

namespace hull::sys {
namespace {

constexpr std::uint64_t kCloneIntoCgroup = 0x200000000ULL;
constexpr std::uint64_t kExitSignalMask = 0xff; // CSIGNAL
// CLONE_NEWTIME sits inside CSIGNAL: clone3 takes it in `flags`, clone(2) cannot express it.
constexpr std::uint64_t kCloneNewTime = 0x80;

// The kernel's struct clone_args (version 2, 88 bytes, with `cgroup`), spelled out here so
// that no <linux/sched.h> has to be mixed with glibc's <sched.h>.
struct CloneArgs {
    std::uint64_t flags;
    std::uint64_t pidfd;
    std::uint64_t child_tid;
    std::uint64_t parent_tid;
    std::uint64_t exit_signal;
    std::uint64_t stack;
    std::uint64_t stack_size;
    std::uint64_t tls;
    std::uint64_t set_tid;
    std::uint64_t set_tid_size;
    std::uint64_t cgroup;
};
static_assert(sizeof(CloneArgs) == 88);

// Flags that would make the child share memory or thread state with us, or need pointers
// we do not pass: not a fork() any more.
constexpr std::uint64_t kRefused = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_SETTLS |
                                   CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID |
                                   CLONE_VFORK | (kExitSignalMask & ~kCloneNewTime);

Result<std::uint64_t> checked_flags(const CloneRequest& req) {
    if (req.flags & kRefused) return fail_sys(EINVAL, "clone: unsupported clone flags");
    if ((req.flags & kCloneIntoCgroup) && req.cgroup_fd < 0)
        return fail_sys(EINVAL, "clone: CLONE_INTO_CGROUP without a cgroup fd");
    if (req.exit_signal < 0 || static_cast<std::uint64_t>(req.exit_signal) > kExitSignalMask)
        return fail_sys(EINVAL, "clone: bad exit signal");
    // The child of CLONE_PARENT signals our parent with our own exit signal; clone3 takes
    // no other.
    if ((req.flags & CLONE_PARENT) && req.exit_signal != 0)
        return fail_sys(EINVAL, "clone: CLONE_PARENT needs exit_signal 0");
    std::uint64_t flags = req.flags & ~kCloneIntoCgroup;
    if (req.pidfd == WantPidFd::Yes) flags |= CLONE_PIDFD;
    return flags;
}

Result<CloneResult> raw_clone(std::uint64_t flags, int exit_signal) {
    if (flags & kCloneNewTime)
        return fail_sys(EINVAL, "clone: CLONE_NEWTIME needs clone3 (or unshare)");
    int pidfd = -1;
    // x86_64 order: flags, stack, parent_tid, child_tid, tls. CLONE_PIDFD stores the pidfd
    // through the parent_tid pointer; that argument is third on every architecture.
    long pid = ::syscall(SYS_clone, static_cast<unsigned long>(flags | exit_signal), nullptr,
                         (flags & CLONE_PIDFD) ? &pidfd : nullptr, nullptr, nullptr);
    if (pid < 0) return fail_errno("clone");
    CloneResult res;
    res.pid = static_cast<pid_t>(pid);
    if (pid > 0 && pidfd >= 0) res.pidfd.reset(pidfd);
    return res;
}

} // namespace

Result<CloneResult> clone_process(const CloneRequest& req) {
    std::uint64_t flags = HULL_TRY(checked_flags(req));
    int pidfd = -1;
    CloneArgs args{};
    args.flags = flags;
    args.exit_signal = static_cast<std::uint64_t>(req.exit_signal);
    if (flags & CLONE_PIDFD) args.pidfd = reinterpret_cast<std::uintptr_t>(&pidfd);
    if (req.cgroup_fd >= 0) {
        args.flags |= kCloneIntoCgroup;
        args.cgroup = static_cast<std::uint64_t>(req.cgroup_fd);
    }
    long pid = ::syscall(SYS_clone3, &args, sizeof(args));
    bool in_cgroup = req.cgroup_fd >= 0;
    if (pid < 0 && errno == EACCES && in_cgroup &&
        req.cgroup_refused == CgroupRefused::CloneOutside) {
        args.flags &= ~kCloneIntoCgroup;
        args.cgroup = 0;
        in_cgroup = false;
        pid = ::syscall(SYS_clone3, &args, sizeof(args));
    }
    if (pid < 0) {
        if (errno == ENOSYS) return raw_clone(flags, req.exit_signal);
        return fail_errno("clone3");
    }
    CloneResult res;
    res.pid = static_cast<pid_t>(pid);
    res.used_clone3 = true;
    if (pid > 0) {
        if (pidfd >= 0) res.pidfd.reset(pidfd);
        res.in_cgroup = in_cgroup;
    }
    return res;
}

Result<CloneResult> clone_process_legacy(const CloneRequest& req) {
    std::uint64_t flags = HULL_TRY(checked_flags(req));
    return raw_clone(flags, req.exit_signal);
}

} // namespace hull::sys
