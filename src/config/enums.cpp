// Spellings of the config.json enums (config_enums.hpp), indexed by enum value.
#include <array>
#include <cstddef>

#include "hull/config_enums.hpp"

namespace hull {
namespace {

template <class E> struct Names;

template <> struct Names<NamespaceType> {
    static constexpr std::array<std::string_view, 8> v{"pid", "network", "mount",  "ipc",
                                                       "uts", "user",    "cgroup", "time"};
};

template <> struct Names<RlimitType> {
    static constexpr std::array<std::string_view, 16> v{
        "RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
        "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
        "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
        "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME"};
};

template <> struct Names<Capability> {
    static constexpr std::array<std::string_view, 41> v{"CAP_CHOWN",
                                                        "CAP_DAC_OVERRIDE",
                                                        "CAP_DAC_READ_SEARCH",
                                                        "CAP_FOWNER",
                                                        "CAP_FSETID",
                                                        "CAP_KILL",
                                                        "CAP_SETGID",
                                                        "CAP_SETUID",
                                                        "CAP_SETPCAP",
                                                        "CAP_LINUX_IMMUTABLE",
                                                        "CAP_NET_BIND_SERVICE",
                                                        "CAP_NET_BROADCAST",
                                                        "CAP_NET_ADMIN",
                                                        "CAP_NET_RAW",
                                                        "CAP_IPC_LOCK",
                                                        "CAP_IPC_OWNER",
                                                        "CAP_SYS_MODULE",
                                                        "CAP_SYS_RAWIO",
                                                        "CAP_SYS_CHROOT",
                                                        "CAP_SYS_PTRACE",
                                                        "CAP_SYS_PACCT",
                                                        "CAP_SYS_ADMIN",
                                                        "CAP_SYS_BOOT",
                                                        "CAP_SYS_NICE",
                                                        "CAP_SYS_RESOURCE",
                                                        "CAP_SYS_TIME",
                                                        "CAP_SYS_TTY_CONFIG",
                                                        "CAP_MKNOD",
                                                        "CAP_LEASE",
                                                        "CAP_AUDIT_WRITE",
                                                        "CAP_AUDIT_CONTROL",
                                                        "CAP_SETFCAP",
                                                        "CAP_MAC_OVERRIDE",
                                                        "CAP_MAC_ADMIN",
                                                        "CAP_SYSLOG",
                                                        "CAP_WAKE_ALARM",
                                                        "CAP_BLOCK_SUSPEND",
                                                        "CAP_AUDIT_READ",
                                                        "CAP_PERFMON",
                                                        "CAP_BPF",
                                                        "CAP_CHECKPOINT_RESTORE"};
};

template <> struct Names<SeccompAction> {
    static constexpr std::array<std::string_view, 9> v{
        "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
        "SCMP_ACT_TRAP",  "SCMP_ACT_ERRNO",        "SCMP_ACT_TRACE",
        "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",          "SCMP_ACT_NOTIFY"};
};

template <> struct Names<SeccompOperator> {
    static constexpr std::array<std::string_view, 7> v{
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",       "SCMP_CMP_EQ",
        "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"};
};

template <> struct Names<SeccompArch> {
    static constexpr std::array<std::string_view, 23> v{
        "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
        "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB"};
};

template <> struct Names<SeccompFlag> {
    static constexpr std::array<std::string_view, 4> v{
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
};

template <> struct Names<SchedulerPolicy> {
    static constexpr std::array<std::string_view, 7> v{"SCHED_OTHER",   "SCHED_FIFO", "SCHED_RR",
                                                       "SCHED_BATCH",   "SCHED_ISO",  "SCHED_IDLE",
                                                       "SCHED_DEADLINE"};
};

template <> struct Names<SchedulerFlag> {
    static constexpr std::array<std::string_view, 7> v{
        "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
        "SCHED_FLAG_KEEP_POLICY",   "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
        "SCHED_FLAG_UTIL_CLAMP_MAX"};
};

template <> struct Names<IoPriorityClass> {
    static constexpr std::array<std::string_view, 3> v{"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
                                                       "IOPRIO_CLASS_IDLE"};
};

template <> struct Names<MemoryPolicyMode> {
    static constexpr std::array<std::string_view, 7> v{"MPOL_DEFAULT",
                                                       "MPOL_PREFERRED",
                                                       "MPOL_BIND",
                                                       "MPOL_INTERLEAVE",
                                                       "MPOL_LOCAL",
                                                       "MPOL_PREFERRED_MANY",
                                                       "MPOL_WEIGHTED_INTERLEAVE"};
};

template <> struct Names<MemoryPolicyFlag> {
    static constexpr std::array<std::string_view, 3> v{
        "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"};
};

template <> struct Names<DeviceType> {
    static constexpr std::array<std::string_view, 4> v{"c", "b", "u", "p"};
};

template <> struct Names<DeviceRuleType> {
    static constexpr std::array<std::string_view, 3> v{"a", "c", "b"};
};

template <> struct Names<PersonalityDomain> {
    static constexpr std::array<std::string_view, 2> v{"LINUX", "LINUX32"};
};

template <> struct Names<RootfsPropagation> {
    static constexpr std::array<std::string_view, 8> v{
        "shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable"};
};

} // namespace

template <class E> std::optional<E> parse_enum(std::string_view name) {
    const auto& names = Names<E>::v;
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<E>(i);
    return std::nullopt;
}

template <class E> std::span<const std::string_view> enum_names() {
    return Names<E>::v;
}

#define HULL_ENUM_IMPL(E)                                                                          \
    template std::optional<E> parse_enum<E>(std::string_view);                                     \
    template std::span<const std::string_view> enum_names<E>();                                    \
    std::string_view to_string(E v) {                                                              \
        const auto i = static_cast<std::size_t>(v);                                                \
        return i < Names<E>::v.size() ? Names<E>::v[i] : std::string_view("?");                    \
    }

HULL_ENUM_IMPL(NamespaceType)
HULL_ENUM_IMPL(RlimitType)
HULL_ENUM_IMPL(Capability)
HULL_ENUM_IMPL(SeccompAction)
HULL_ENUM_IMPL(SeccompOperator)
HULL_ENUM_IMPL(SeccompArch)
HULL_ENUM_IMPL(SeccompFlag)
HULL_ENUM_IMPL(SchedulerPolicy)
HULL_ENUM_IMPL(SchedulerFlag)
HULL_ENUM_IMPL(IoPriorityClass)
HULL_ENUM_IMPL(MemoryPolicyMode)
HULL_ENUM_IMPL(MemoryPolicyFlag)
HULL_ENUM_IMPL(DeviceType)
HULL_ENUM_IMPL(DeviceRuleType)
HULL_ENUM_IMPL(PersonalityDomain)
HULL_ENUM_IMPL(RootfsPropagation)

#undef HULL_ENUM_IMPL

} // namespace hull
