// Resource limits, oom_score_adj, scheduler, I/O priority and personality of the init.
#include "process/steps.hpp"

#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

namespace hull::process {

namespace {

// struct sched_attr of sched_setattr(2) (glibc 2.36 does not declare it), up to
// SCHED_ATTR_SIZE_VER1 (with the utilization clamps).
struct SchedAttr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
    uint32_t sched_util_min;
    uint32_t sched_util_max;
};
static_assert(sizeof(SchedAttr) == 56, "SCHED_ATTR_SIZE_VER1");

constexpr uint64_t kFlagBits[] = {
    0x01, // SCHED_FLAG_RESET_ON_FORK
    0x02, // SCHED_FLAG_RECLAIM
    0x04, // SCHED_FLAG_DL_OVERRUN
    0x08, // SCHED_FLAG_KEEP_POLICY
    0x10, // SCHED_FLAG_KEEP_PARAMS
    0x20, // SCHED_FLAG_UTIL_CLAMP_MIN
    0x40, // SCHED_FLAG_UTIL_CLAMP_MAX
};

constexpr int kIoprioClassShift = 13;
constexpr int kIoprioWhoProcess = 1;

} // namespace

Result<void> apply_rlimits(std::span<const Rlimit> rlimits) {
    for (const auto& rl : rlimits) {
        struct rlimit lim {};
        lim.rlim_cur = static_cast<rlim_t>(rl.soft);
        lim.rlim_max = static_cast<rlim_t>(rl.hard);
        if (::setrlimit(rlimit_resource(rl.type), &lim) != 0) {
            int err = errno;
            return fail_sys(err, "setrlimit " + std::string(to_string(rl.type)));
        }
    }
    return {};
}

Result<void> apply_oom_score_adj(std::optional<int32_t> adj) {
    if (!adj) return {}; // unset: MUST NOT change it
    auto text = std::to_string(*adj);
    return with_context(write_proc_self("oom_score_adj", text), "set oom_score_adj to " + text);
}

Result<void> set_oom_score_adj(int pid, std::optional<int32_t> adj) {
    if (!adj) return {};
    auto text = std::to_string(*adj);
    return with_context(write_proc_of(std::to_string(pid), "oom_score_adj", text),
                        "set oom_score_adj to " + text);
}

uint64_t sched_flag_bits(std::span<const SchedulerFlag> flags) {
    uint64_t bits = 0;
    for (auto f : flags)
        bits |= kFlagBits[static_cast<size_t>(f)];
    return bits;
}

Result<void> apply_scheduler(const std::optional<Scheduler>& sched) {
    if (!sched) return {};
    std::string what = "sched_setattr " + std::string(to_string(sched->policy));
    if (sched->policy == SchedulerPolicy::Iso)
        return fail_sys(EINVAL, what + " (SCHED_ISO is not implemented by the Linux kernel)");
    SchedAttr attr{};
    attr.size = sizeof(attr);
    attr.sched_policy = static_cast<uint32_t>(sched->policy); // enum value == SCHED_*
    attr.sched_flags = sched_flag_bits(sched->flags);
    attr.sched_nice = sched->nice.value_or(0);
    attr.sched_priority = static_cast<uint32_t>(sched->priority.value_or(0));
    attr.sched_runtime = sched->runtime.value_or(0);
    attr.sched_deadline = sched->deadline.value_or(0);
    attr.sched_period = sched->period.value_or(0);
    // The spec has no clamp values: UTIL_CLAMP_MIN/MAX flags set the clamps to 0.
    if (::syscall(SYS_sched_setattr, 0, &attr, 0) != 0) return fail_sys(errno, what);
    return {};
}

int io_priority_value(const IoPriority& prio) {
    int klass = static_cast<int>(prio.class_) + 1; // enum value + 1 == IOPRIO_CLASS_*
    return (klass << kIoprioClassShift) | prio.priority;
}

Result<void> apply_io_priority(const std::optional<IoPriority>& prio) {
    if (!prio) return {};
    if (prio->priority < 0 || prio->priority > 7)
        return fail_sys(EINVAL, "ioprio_set " + std::string(to_string(prio->class_)) +
                                    " priority " + std::to_string(prio->priority) +
                                    " (must be 0..7)");
    if (::syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, io_priority_value(*prio)) != 0) {
        int err = errno;
        return fail_sys(err, "ioprio_set " + std::string(to_string(prio->class_)) + " priority " +
                                 std::to_string(prio->priority));
    }
    return {};
}

Result<void> apply_personality(const Personality* personality) {
    if (personality == nullptr) return {};
    if (!personality->flags.empty())
        return fail("personality: unsupported flag \"" + personality->flags.front() + "\"");
    unsigned long persona =
        personality->domain == PersonalityDomain::Linux32 ? PER_LINUX32 : PER_LINUX;
    if (::personality(persona) < 0) {
        int err = errno;
        return fail_sys(err, "personality " + std::string(to_string(personality->domain)));
    }
    return {};
}

} // namespace hull::process
