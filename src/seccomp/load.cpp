// seccomp(2) flags, the kernel probes behind them, and loading the program in the init.
#include "seccomp/internal.hpp"
#include "seccomp/seccomp.hpp"

#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::seccomp {
namespace {

constexpr unsigned kWaitKillableRecv = 1U << 5;

long sys_seccomp(unsigned op, unsigned flags, const void* args) {
    return ::syscall(SYS_seccomp, op, flags, args);
}

} // namespace

namespace detail {

// A flag the kernel knows makes seccomp(SET_MODE_FILTER, flag, NULL) fail with EFAULT (it
// gets as far as reading the program); an unknown one fails with EINVAL first.
bool kernel_has_flag(unsigned bit) {
    unsigned flags = bit;
    if (bit == kWaitKillableRecv) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER; // required with it
    return sys_seccomp(SECCOMP_SET_MODE_FILTER, flags, nullptr) < 0 && errno == EFAULT;
}

bool kernel_has_action(uint32_t action) {
    return sys_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

} // namespace detail

Result<unsigned> filter_flags(const Seccomp& p) {
    unsigned flags = 0;
    bool notify = uses_notify(p);
    for (std::size_t i = 0; i < p.flags.size(); ++i) {
        unsigned bit = detail::flag_bit(p.flags[i]);
        if (!detail::kernel_has_flag(bit))
            return fail("linux.seccomp.flags[" + std::to_string(i) + "]: " +
                        std::string(to_string(p.flags[i])) + " is not supported by this kernel");
        if (bit == kWaitKillableRecv && !notify) continue; // meaningless without a listener
        flags |= bit;
    }
    if (notify) {
        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
        // TSYNC and NEW_LISTENER together need TSYNC_ESRCH (Linux 5.7).
        if (flags & SECCOMP_FILTER_FLAG_TSYNC) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
    return flags;
}

Result<UniqueFd> load(const Program& program) {
    if (program.bpf.empty()) return fail("seccomp: empty program");
    sock_fprog prog{};
    prog.len = static_cast<unsigned short>(program.bpf.size());
    prog.filter = const_cast<sock_filter*>(program.bpf.data());
    long rc = sys_seccomp(SECCOMP_SET_MODE_FILTER, program.flags, &prog);
    if (rc < 0) return fail_errno("seccomp(SECCOMP_SET_MODE_FILTER)");
    if (program.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) return UniqueFd(static_cast<int>(rc));
    return UniqueFd();
}

} // namespace hull::seccomp
