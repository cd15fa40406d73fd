// The single steps of process::prepare (see process/process.hpp for the order). Each
// step applies one config field and is a no-op when that field is unset. Module-private:
// the unit tests call them one by one.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "process/process.hpp"

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hull::process {

// --- limits.cpp: resource limits and scheduling -------------------------------------------

Result<void> apply_rlimits(std::span<const Rlimit> rlimits);
Result<void> apply_oom_score_adj(std::optional<int32_t> adj);
Result<void> apply_scheduler(const std::optional<Scheduler>& sched);
Result<void> apply_io_priority(const std::optional<IoPriority>& prio);
Result<void> apply_personality(const Personality* personality);

// --- mempolicy.cpp: linux.memoryPolicy ----------------------------------------------------

Result<void> apply_memory_policy(const MemoryPolicy* policy);
// A nodelist ("0-3,7") as a set_mempolicy(2) node mask; "" is the empty mask.
Result<std::vector<unsigned long>> parse_node_list(std::string_view list);
// The mode argument of set_mempolicy(2): the MPOL_* mode with its MPOL_F_* flags.
int memory_policy_mode(const MemoryPolicy& policy);

// The kernel's SCHED_FLAG_* bits for the configured flags.
uint64_t sched_flag_bits(std::span<const SchedulerFlag> flags);
// IOPRIO_PRIO_VALUE(class, priority) for ioprio_set(2).
int io_priority_value(const IoPriority& prio);

// --- lsm.cpp: AppArmor / SELinux exec labels ----------------------------------------------

Result<void> apply_lsm_labels(const Process& process, const HostLsms& host, MissingLsm policy,
                              Warnings& warnings);

// --- identity.cpp: user, cwd, umask, fds ---------------------------------------------------

Result<void> apply_user(const User& user);
Result<void> apply_cwd(const std::string& cwd);
Result<void> apply_umask(std::optional<uint32_t> umask);
// Marks every fd >= 3 close-on-exec, except `keep` whose close-on-exec flag is cleared.
Result<void> apply_fd_hygiene(std::span<const int> keep);
Result<void> apply_no_new_privileges(std::optional<bool> nnp);

// --- caps.cpp: capabilities ----------------------------------------------------------------

// The highest capability number the kernel knows (/proc/sys/kernel/cap_last_cap).
int cap_last_cap();
// Raises the effective set to the permitted set (e.g. after a uid switch cleared it).
Result<void> raise_effective_caps();
// Makes each of the five sets hold exactly the listed caps; ungrantable ones become warnings.
Result<void> apply_capabilities(const std::optional<Capabilities>& caps, Warnings& warnings);

// --- proc_file.cpp: writing /proc/self files ----------------------------------------------

// Writes `data` to a file under /proc/self (e.g. "oom_score_adj"), checking that the file
// really is on procfs (a container rootfs may fake /proc).
Result<void> write_proc_self(std::string_view name, std::string_view data);
// The same for /proc/<pid>/`name` (`pid` may be "self").
Result<void> write_proc_of(std::string_view pid, std::string_view name, std::string_view data);

} // namespace hull::process
