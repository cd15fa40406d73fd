// The ENOSYS stub: syscalls newer than any the profile names get ENOSYS, not the default.
//
// For each architecture of the filter the stub compares the syscall number with the highest
// number the profile names on that architecture (all rules, whatever their action, as runc
// counts them) and returns ENOSYS above it; everything else jumps to libseccomp's program,
// which starts over with its own architecture check. Layout:
//
//     ld  [4]                       arch
//     jeq ARCH_A, 0, <next block>   one block per architecture
//     ld  [0]                       nr
//     jgt MAX_A, ENOSYS, FILTER     (x86_64: jset 0x40000000 first, x32 numbers have bit 30)
//     ...
//     ja  FILTER
//   ENOSYS: ret ERRNO(ENOSYS)
//   FILTER: libseccomp's program
#include "seccomp/internal.hpp"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include <algorithm>
#include <map>

namespace hull::seccomp::detail {
namespace {

constexpr uint32_t kX32Bit = 0x40000000U;

enum Target : int { kNext = -1, kEnosys = -2, kFilter = -3 };

struct Insn {
    sock_filter f;
    int jt = 0; // >= 0: relative; < 0: a Target
    int jf = 0;
};

// Highest syscall number the profile names on `token`, or nullopt.
std::optional<uint32_t> max_syscall(const Seccomp& p, uint32_t token) {
    std::optional<uint32_t> max;
    for (const auto& sc : p.syscalls) {
        for (const auto& name : sc.names) {
            int nr = ::seccomp_syscall_resolve_name_arch(token, name.c_str());
            if (nr < 0) continue; // not on this arch, or a multiplexed pseudo syscall
            uint32_t n = static_cast<uint32_t>(nr);
            if (token == SCMP_ARCH_X32) n |= kX32Bit;
            if (!max || n > *max) max = n;
        }
    }
    return max;
}

} // namespace

bool wants_enosys_stub(const Seccomp& p) {
    switch (p.defaultAction) {
    case SeccompAction::Allow:
    case SeccompAction::Log:
    case SeccompAction::Trace:
    case SeccompAction::Notify:
        return false;
    case SeccompAction::Errno:
        return p.defaultErrnoRet.value_or(EPERM) != ENOSYS;
    default:
        return true;
    }
}

std::vector<sock_filter> enosys_stub(const Seccomp& p, const std::vector<uint32_t>& tokens) {
    // The audit arch seen in seccomp_data.arch -> (token -> max). x32 shares x86_64's.
    std::map<uint32_t, std::map<uint32_t, uint32_t>> arches;
    for (uint32_t token : tokens) {
        auto max = max_syscall(p, token);
        if (!max) continue;
        uint32_t audit = token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
        arches[audit][token] = *max;
    }
    if (arches.empty()) return {};

    std::vector<Insn> code;
    auto stmt = [&](uint16_t code_, uint32_t k) { code.push_back({BPF_STMT(code_, k), 0, 0}); };
    auto jump = [&](uint16_t code_, uint32_t k, int jt, int jf) {
        code.push_back({BPF_JUMP(code_, k, 0, 0), jt, jf});
    };
    std::vector<std::size_t> block_starts;
    stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch));
    for (const auto& [audit, maxes] : arches) {
        block_starts.push_back(code.size());
        jump(BPF_JMP | BPF_JEQ | BPF_K, audit, 0, kNext);
        stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr));
        auto x64 = maxes.find(SCMP_ARCH_X86_64), x32 = maxes.find(SCMP_ARCH_X32);
        if (audit == AUDIT_ARCH_X86_64 && x64 != maxes.end() && x32 != maxes.end()) {
            jump(BPF_JMP | BPF_JSET | BPF_K, kX32Bit, 0, 1);
            jump(BPF_JMP | BPF_JGT | BPF_K, x32->second, kEnosys, kFilter);
            jump(BPF_JMP | BPF_JGT | BPF_K, x64->second, kEnosys, kFilter);
        } else if (audit == AUDIT_ARCH_X86_64 && x64 != maxes.end()) {
            // An x32 syscall in a filter without x32: leave it to libseccomp (bad arch).
            jump(BPF_JMP | BPF_JSET | BPF_K, kX32Bit, kFilter, 0);
            jump(BPF_JMP | BPF_JGT | BPF_K, x64->second, kEnosys, kFilter);
        } else if (audit == AUDIT_ARCH_X86_64) {
            jump(BPF_JMP | BPF_JSET | BPF_K, kX32Bit, 0, kFilter);
            jump(BPF_JMP | BPF_JGT | BPF_K, x32->second, kEnosys, kFilter);
        } else {
            jump(BPF_JMP | BPF_JGT | BPF_K, maxes.begin()->second, kEnosys, kFilter);
        }
    }
    block_starts.push_back(code.size());
    stmt(BPF_JMP | BPF_JA, 1); // no block matched: over the ENOSYS return, into the filter
    const std::size_t enosys = code.size();
    stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
    const std::size_t filter = code.size();

    // Resolve the symbolic targets into relative offsets (all short: the stub is small).
    std::vector<sock_filter> out;
    out.reserve(code.size());
    std::size_t block = 0;
    for (std::size_t i = 0; i < code.size(); ++i) {
        while (block + 1 < block_starts.size() && block_starts[block + 1] <= i)
            ++block;
        auto resolve = [&](int t) -> uint8_t {
            if (t >= 0) return static_cast<uint8_t>(t);
            std::size_t dest = t == kEnosys ? enosys
                               : t == kFilter
                                   ? filter
                                   : block_starts[std::min(block + 1, block_starts.size() - 1)];
            return static_cast<uint8_t>(dest - i - 1);
        };
        sock_filter f = code[i].f;
        if (BPF_CLASS(f.code) == BPF_JMP && BPF_OP(f.code) != BPF_JA) {
            f.jt = resolve(code[i].jt);
            f.jf = resolve(code[i].jf);
        }
        out.push_back(f);
    }
    return out;
}

} // namespace hull::seccomp::detail
