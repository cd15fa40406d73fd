// The closed value sets of config.json (runtime-spec v1.3, Linux) as enum classes.
//
// Every enum is contiguous from 0 in declaration order. Where the kernel numbers a set the
// same way, the enum value IS the kernel value (noted per enum); otherwise map explicitly.
//
// For every enum E below:
//   std::string_view to_string(E)             the spec's spelling ("pid", "CAP_KILL", ...)
//   std::optional<E> parse_enum<E>(name)       exact, case-sensitive; nullopt when unknown
//   std::span<const std::string_view> enum_names<E>()   all spellings, in enum order
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace hull {

// linux.namespaces[].type
enum class NamespaceType : uint8_t { Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time };

// process.rlimits[].type. Value == the kernel's RLIMIT_* number (RLIMIT_CPU = 0 ...).
enum class RlimitType : uint8_t {
    Cpu,
    Fsize,
    Data,
    Stack,
    Core,
    Rss,
    Nproc,
    Nofile,
    Memlock,
    As,
    Locks,
    Sigpending,
    Msgqueue,
    Nice,
    Rtprio,
    Rttime,
};

// process.capabilities.* entries. Value == the kernel's CAP_* number (CAP_CHOWN = 0 ...
// CAP_CHECKPOINT_RESTORE = 40).
enum class Capability : uint8_t {
    Chown,
    DacOverride,
    DacReadSearch,
    Fowner,
    Fsetid,
    Kill,
    Setgid,
    Setuid,
    Setpcap,
    LinuxImmutable,
    NetBindService,
    NetBroadcast,
    NetAdmin,
    NetRaw,
    IpcLock,
    IpcOwner,
    SysModule,
    SysRawio,
    SysChroot,
    SysPtrace,
    SysPacct,
    SysAdmin,
    SysBoot,
    SysNice,
    SysResource,
    SysTime,
    SysTtyConfig,
    Mknod,
    Lease,
    AuditWrite,
    AuditControl,
    Setfcap,
    MacOverride,
    MacAdmin,
    Syslog,
    WakeAlarm,
    BlockSuspend,
    AuditRead,
    Perfmon,
    Bpf,
    CheckpointRestore,
};

// linux.seccomp.defaultAction / syscalls[].action ("SCMP_ACT_*"). Map to libseccomp explicitly.
enum class SeccompAction : uint8_t {
    Kill,
    KillProcess,
    KillThread,
    Trap,
    Errno,
    Trace,
    Allow,
    Log,
    Notify,
};

// syscalls[].args[].op ("SCMP_CMP_*"). Value + 1 == libseccomp's enum scmp_compare.
enum class SeccompOperator : uint8_t { Ne, Lt, Le, Eq, Ge, Gt, MaskedEq };

// linux.seccomp.architectures ("SCMP_ARCH_*"), the 23 values of the spec.
enum class SeccompArch : uint8_t {
    X86,
    X86_64,
    X32,
    Arm,
    Aarch64,
    Mips,
    Mips64,
    Mips64n32,
    Mipsel,
    Mipsel64,
    Mipsel64n32,
    Ppc,
    Ppc64,
    Ppc64le,
    S390,
    S390x,
    Parisc,
    Parisc64,
    Riscv64,
    Loongarch64,
    M68k,
    Sh,
    Sheb,
};

// linux.seccomp.flags ("SECCOMP_FILTER_FLAG_*").
enum class SeccompFlag : uint8_t { Tsync, Log, SpecAllow, WaitKillableRecv };

// process.scheduler.policy ("SCHED_*"). Value == the kernel's SCHED_* number.
enum class SchedulerPolicy : uint8_t { Other, Fifo, Rr, Batch, Iso, Idle, Deadline };

// process.scheduler.flags ("SCHED_FLAG_*"). Not kernel bits: map explicitly.
enum class SchedulerFlag : uint8_t {
    ResetOnFork,
    Reclaim,
    DlOverrun,
    KeepPolicy,
    KeepParams,
    UtilClampMin,
    UtilClampMax,
};

// process.ioPriority.class ("IOPRIO_CLASS_*"). Value + 1 == the kernel's IOPRIO_CLASS_*.
enum class IoPriorityClass : uint8_t { Rt, Be, Idle };

// linux.memoryPolicy.mode ("MPOL_*"). Value == the kernel's MPOL_* mode number.
enum class MemoryPolicyMode : uint8_t {
    Default,
    Preferred,
    Bind,
    Interleave,
    Local,
    PreferredMany,
    WeightedInterleave,
};

// linux.memoryPolicy.flags ("MPOL_F_*"). Not kernel bits: map explicitly.
enum class MemoryPolicyFlag : uint8_t { NumaBalancing, RelativeNodes, StaticNodes };

// linux.devices[].type: "c", "b", "u" (unbuffered char, same as c), "p" (FIFO).
enum class DeviceType : uint8_t { Char, Block, Unbuffered, Fifo };

// linux.resources.devices[].type: "a" (all), "c", "b".
enum class DeviceRuleType : uint8_t { All, Char, Block };

// linux.personality.domain.
enum class PersonalityDomain : uint8_t { Linux, Linux32 };

// linux.rootfsPropagation. The spec lists the first four; the r* forms are accepted like runc.
enum class RootfsPropagation : uint8_t {
    Shared,
    Slave,
    Private,
    Unbindable,
    Rshared,
    Rslave,
    Rprivate,
    Runbindable,
};

std::string_view to_string(NamespaceType v);
std::string_view to_string(RlimitType v);
std::string_view to_string(Capability v);
std::string_view to_string(SeccompAction v);
std::string_view to_string(SeccompOperator v);
std::string_view to_string(SeccompArch v);
std::string_view to_string(SeccompFlag v);
std::string_view to_string(SchedulerPolicy v);
std::string_view to_string(SchedulerFlag v);
std::string_view to_string(IoPriorityClass v);
std::string_view to_string(MemoryPolicyMode v);
std::string_view to_string(MemoryPolicyFlag v);
std::string_view to_string(DeviceType v);
std::string_view to_string(DeviceRuleType v);
std::string_view to_string(PersonalityDomain v);
std::string_view to_string(RootfsPropagation v);

// Defined (explicitly instantiated) for each enum above.
template <class E> std::optional<E> parse_enum(std::string_view name);
template <class E> std::span<const std::string_view> enum_names();

// Named shorthands for the most used parses.
inline std::optional<NamespaceType> parse_namespace_type(std::string_view s) {
    return parse_enum<NamespaceType>(s);
}
inline std::optional<RlimitType> parse_rlimit_type(std::string_view s) {
    return parse_enum<RlimitType>(s);
}
inline std::optional<Capability> parse_capability(std::string_view s) {
    return parse_enum<Capability>(s);
}

// The kernel CAP_* number of a capability (same as its enum value).
constexpr int cap_number(Capability c) {
    return static_cast<int>(c);
}
// The kernel RLIMIT_* resource number (same as its enum value).
constexpr int rlimit_resource(RlimitType t) {
    return static_cast<int>(t);
}

} // namespace hull
