// linux.seccomp -> libseccomp filter -> BPF program (runs in the parent, never in the init).
#include "seccomp/internal.hpp"
#include "seccomp/seccomp.hpp"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <set>

namespace hull::seccomp {
namespace detail {

std::optional<uint32_t> arch_token(SeccompArch a) {
    std::string name(to_string(a));
    name = name.substr(std::string_view("SCMP_ARCH_").size());
    for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    uint32_t token = ::seccomp_arch_resolve_name(name.c_str());
    if (token == 0) return std::nullopt;
    return token;
}

uint32_t action_value(SeccompAction a, std::optional<uint32_t> errno_ret) {
    switch (a) {
    case SeccompAction::Kill:
    case SeccompAction::KillThread:
        return SCMP_ACT_KILL_THREAD;
    case SeccompAction::KillProcess:
        return SCMP_ACT_KILL_PROCESS;
    case SeccompAction::Trap:
        return SCMP_ACT_TRAP;
    case SeccompAction::Errno:
        return SCMP_ACT_ERRNO(errno_ret.value_or(EPERM));
    case SeccompAction::Trace:
        return SCMP_ACT_TRACE(errno_ret.value_or(EPERM));
    case SeccompAction::Allow:
        return SCMP_ACT_ALLOW;
    case SeccompAction::Log:
        return SCMP_ACT_LOG;
    case SeccompAction::Notify:
        return SCMP_ACT_NOTIFY;
    }
    return SCMP_ACT_KILL_THREAD;
}

unsigned flag_bit(SeccompFlag f) {
    switch (f) {
    case SeccompFlag::Tsync:
        return SECCOMP_FILTER_FLAG_TSYNC;
    case SeccompFlag::Log:
        return SECCOMP_FILTER_FLAG_LOG;
    case SeccompFlag::SpecAllow:
        return SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    case SeccompFlag::WaitKillableRecv:
        return 1U << 5; // SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19)
    }
    return 0;
}

std::string native_arch_name() {
    uint32_t native = ::seccomp_arch_native();
    for (auto name : enum_names<SeccompArch>()) {
        auto a = parse_enum<SeccompArch>(name);
        if (a && arch_token(*a) == native) return std::string(name);
    }
    return "arch-" + std::to_string(native);
}

} // namespace detail

namespace {

using namespace detail;

struct CtxFree {
    void operator()(void* c) const { ::seccomp_release(c); }
};
using Ctx = std::unique_ptr<void, CtxFree>;

std::string at(const std::string& base, std::size_t i) {
    return base + "[" + std::to_string(i) + "]";
}

// errnoRet travels in the 16 data bits of the action.
Result<void> check_errno_ret(std::optional<uint32_t> v, const std::string& path) {
    if (v && *v > SECCOMP_RET_DATA)
        return fail(path + ": " + std::to_string(*v) + " does not fit the 16 bits seccomp has");
    return {};
}

scmp_arg_cmp make_cmp(const SeccompArg& a) {
    scmp_arg_cmp c{};
    c.arg = a.index;
    // Value + 1 == enum scmp_compare (config_enums.hpp). For MASKED_EQ, value is the mask
    // and valueTwo the expected value: (arg & value) == valueTwo, as runc passes them.
    c.op = static_cast<scmp_compare>(static_cast<int>(a.op) + 1);
    c.datum_a = a.value;
    c.datum_b = a.valueTwo.value_or(0);
    return c;
}

Result<void> add_rule(scmp_filter_ctx ctx, const SeccompSyscall& sc, uint32_t act, int nr,
                      const std::string& path, const std::string& name) {
    // libseccomp cannot AND two comparisons of the same argument; like runc, a rule whose
    // args repeat an index becomes one rule per arg (ORed), otherwise all args are ANDed.
    std::set<uint32_t> seen;
    bool repeats = false;
    for (const auto& a : sc.args)
        repeats |= !seen.insert(a.index).second;
    std::vector<std::vector<scmp_arg_cmp>> groups;
    if (repeats) {
        for (const auto& a : sc.args)
            groups.push_back({make_cmp(a)});
    } else {
        groups.emplace_back();
        for (const auto& a : sc.args)
            groups.back().push_back(make_cmp(a));
    }
    for (const auto& g : groups) {
        int rc = ::seccomp_rule_add_array(ctx, act, nr, static_cast<unsigned>(g.size()),
                                          g.empty() ? nullptr : g.data());
        if (rc < 0) return fail_sys(-rc, path + ": add the rule for \"" + name + "\"");
    }
    return {};
}

Result<void> add_rules(scmp_filter_ctx ctx, const Seccomp& p, uint32_t default_act) {
    const std::string base = "linux.seccomp.syscalls";
    for (std::size_t i = 0; i < p.syscalls.size(); ++i) {
        const SeccompSyscall& sc = p.syscalls[i];
        const std::string path = at(base, i);
        HULL_TRY(check_errno_ret(sc.errnoRet, path + ".errnoRet"));
        for (std::size_t a = 0; a < sc.args.size(); ++a)
            if (sc.args[a].index >= 6)
                return fail(at(path + ".args", a) + ".index: " + std::to_string(sc.args[a].index) +
                            " is not a syscall argument (0 to 5)");
        uint32_t act = action_value(sc.action, sc.errnoRet);
        for (std::size_t n = 0; n < sc.names.size(); ++n) {
            const std::string& name = sc.names[n];
            int nr = ::seccomp_syscall_resolve_name(name.c_str());
            if (nr == __NR_SCMP_ERROR)
                return fail(at(path + ".names", n) + ": unknown syscall \"" + name + "\"");
            // The kernel could not tell this rule from the default: libseccomp refuses it.
            if (act == default_act) continue;
            if (sc.action == SeccompAction::Notify && name == "sendmsg")
                return fail(at(path + ".names", n) +
                            ": SCMP_ACT_NOTIFY cannot be used for sendmsg (hull sends the "
                            "notify fd to the listener with it)");
            HULL_TRY(add_rule(ctx, sc, act, nr, path, name));
        }
    }
    return {};
}

Result<std::vector<sock_filter>> export_bpf(scmp_filter_ctx ctx) {
    UniqueFd mem(::memfd_create("hull-seccomp-bpf", MFD_CLOEXEC));
    if (!mem) return fail_errno("memfd_create");
    int rc = ::seccomp_export_bpf(ctx, mem.get());
    if (rc < 0) return fail_sys(-rc, "seccomp_export_bpf");
    off_t size = ::lseek(mem.get(), 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0)
        return fail("seccomp_export_bpf: unexpected program size " + std::to_string(size));
    std::vector<sock_filter> prog(static_cast<std::size_t>(size) / sizeof(sock_filter));
    if (::pread(mem.get(), prog.data(), static_cast<std::size_t>(size), 0) != size)
        return fail_errno("read the exported BPF");
    return prog;
}

} // namespace

bool uses_notify(const Seccomp& p) {
    if (p.defaultAction == SeccompAction::Notify) return true;
    return std::any_of(p.syscalls.begin(), p.syscalls.end(),
                       [](const SeccompSyscall& s) { return s.action == SeccompAction::Notify; });
}

Result<std::vector<sock_filter>> compile_bpf(const Seccomp& p) {
    if (p.defaultAction == SeccompAction::Notify)
        return fail("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action "
                    "(the listener could not even receive its fd)");
    HULL_TRY(check_errno_ret(p.defaultErrnoRet, "linux.seccomp.defaultErrnoRet"));
    uint32_t default_act = action_value(p.defaultAction, p.defaultErrnoRet);
    Ctx ctx(::seccomp_init(default_act));
    if (!ctx)
        return fail("seccomp_init: libseccomp refused the default action " +
                    std::string(to_string(p.defaultAction)));
    // The init loads the program itself; these only shape what libseccomp generates.
    (void)::seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
    (void)::seccomp_attr_set(ctx.get(), SCMP_FLTATR_API_SYSRAWRC, 1);
    // A binary tree of syscalls: fewer instructions per syscall for long allow lists.
    (void)::seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);

    std::vector<uint32_t> tokens{::seccomp_arch_native()};
    for (std::size_t i = 0; i < p.architectures.size(); ++i) {
        auto token = arch_token(p.architectures[i]);
        const std::string path = at("linux.seccomp.architectures", i);
        if (!token)
            return fail(path + ": " + std::string(to_string(p.architectures[i])) +
                        " is not supported by this libseccomp");
        if (std::find(tokens.begin(), tokens.end(), *token) != tokens.end()) continue;
        int rc = ::seccomp_arch_add(ctx.get(), *token);
        if (rc < 0 && rc != -EEXIST)
            return fail_sys(-rc, path + ": add " + std::string(to_string(p.architectures[i])));
        tokens.push_back(*token);
    }
    HULL_TRY(add_rules(ctx.get(), p, default_act));
    auto prog = HULL_TRY(export_bpf(ctx.get()));
    if (!wants_enosys_stub(p)) return prog;
    std::vector<sock_filter> out = enosys_stub(p, tokens);
    out.insert(out.end(), prog.begin(), prog.end());
    if (out.size() > BPF_MAXINSNS)
        return fail("linux.seccomp: the filter has " + std::to_string(out.size()) +
                    " instructions, more than the kernel's " + std::to_string(BPF_MAXINSNS));
    return out;
}

} // namespace hull::seccomp
