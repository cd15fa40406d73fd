// hull::process: what the container init does to become the user's process.
//
// Runs in the container init (single threaded, root of its possibly new user namespace, after
// pivot_root and the start signal), right before execve:
//
//     process::Warnings warnings;
//     auto r = process::prepare(process, opts, warnings);
//     for (auto& w : warnings) log_warning(w);        // the spec says: warn, do not fail
//     if (!r) report(r.error());
//     report(process::exec(process));                // returns only on failure
//
// prepare() applies, in this order (each step is skipped when its field is unset):
//   1. rlimits                setrlimit for each entry
//   2. oomScoreAdj            write /proc/self/oom_score_adj (unset: left untouched)
//   3. scheduler              sched_setattr(2)
//   4. ioPriority             ioprio_set(IOPRIO_WHO_PROCESS, 0, ...)
//   5. personality            personality(PER_LINUX / PER_LINUX32)
//      memoryPolicy           set_mempolicy(mode | MPOL_F_* flags, nodes)
//   6. apparmorProfile,       write /proc/self/attr/{apparmor/,}exec. Done while still root
//      selinuxLabel           and before seccomp: after the uid switch /proc/self belongs to
//                             root (the process is no longer dumpable), and a seccomp profile
//                             may block the open/write. The label only takes effect at execve.
//   7. user                   setgroups(additionalGids) (empty: clear them), setresgid,
//                             PR_SET_KEEPCAPS 1, setresuid, PR_SET_KEEPCAPS 0
//   8. cwd                    chdir as the new user (permission checks apply), then getcwd()
//                             must be absolute (a leaked host fd as cwd, CVE-2024-21626)
//   9. umask                  only when set
//  10. resolved_exec          args[0] looked up in the container's PATH (find_executable), as
//                             the user and in the cwd, before any filter is loaded
//  11. fds                    every fd >= 3 not in keep_fds is marked close-on-exec; fds in
//                             keep_fds get close-on-exec cleared; 0, 1, 2 are not touched
//  12. noNewPrivileges        PR_SET_NO_NEW_PRIVS, only when true (never implicitly). Set
//                             before seccomp so a filter can be loaded without CAP_SYS_ADMIN.
//  13. load_seccomp           without no_new_privs: the caller's callback, with every
//                             permitted cap (so CAP_SYS_ADMIN) raised into the effective set
//                             first, then capabilities (14);
//      with no_new_privs:     capabilities (14) first, then the callback as the very last
//                             step, so only execve follows the filter
//  14. capabilities           exactly the listed caps in bounding, effective, inheritable,
//                             permitted and ambient (unset: caps are left as they are). A cap
//                             that cannot be granted is left out with a warning.
// Errors name the step: "setrlimit RLIMIT_NOFILE: Operation not permitted",
// "chdir to cwd /nonexistent: No such file or directory".
//
// Everything after the seccomp callback must be allowed by the filter: execve, and without
// no_new_privs also capget, capset and prctl (docs/seccomp.md). A libseccomp based loader should
// clear SCMP_FLTATR_CTL_NNP, or libseccomp sets no_new_privs on its own.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hull::process {

// Non-fatal problems (e.g. a capability the runtime does not hold). The caller logs them.
using Warnings = std::vector<std::string>;

// Which label-based LSMs the HOST has enabled. Detect them before pivot_root: inside the
// container /sys may be missing or show other things.
struct HostLsms {
    bool apparmor = false; // /sys/module/apparmor/parameters/enabled is "Y"
    bool selinux = false;  // selinuxfs mounted (/sys/fs/selinux/enforce exists)
};
HostLsms detect_host_lsms();
// Whether `process` asks for an AppArmor profile or an SELinux label (only then does the
// host's LSM set matter).
bool has_lsm_label(const Process& process);

// What to do with apparmorProfile / selinuxLabel when the host lacks that LSM. runc and crun
// fail here, and the spec says unsupported values MUST give an error, so the default is Error:
//   apparmor profile "p" requested but AppArmor is not enabled on this host
// With Warn the label is skipped and that text becomes a warning.
enum class MissingLsm { Error, Warn };
inline constexpr MissingLsm kMissingLsmPolicy = MissingLsm::Error;

struct Options {
    // linux.personality (nullptr: leave the personality alone).
    const Personality* personality = nullptr;
    // linux.memoryPolicy (nullptr: leave the memory policy alone).
    const MemoryPolicy* memory_policy = nullptr;
    // fds >= 3 that must survive execve (e.g. LISTEN_FDS from --preserve-fds).
    std::span<const int> keep_fds;
    // Loads the seccomp filter. Called once, as late as possible while CAP_SYS_ADMIN is still
    // effective; an error aborts prepare() with context "load seccomp".
    std::function<Result<void>()> load_seccomp;
    // nullopt: detect now, from the /sys the init sees (may be the container's).
    std::optional<HostLsms> host_lsms;
    MissingLsm missing_lsm = kMissingLsmPolicy;
    // When set, receives find_executable(args[0]) (step 10); pass it to exec(process, path)
    // so that no lookup happens after the filter.
    std::string* resolved_exec = nullptr;
};

// oomScoreAdj of another process (`create` and `exec` set it for their child, which is not
// dumpable: in a user namespace its /proc files belong to host root and it could not write
// them itself). Unset: nothing is written.
Result<void> set_oom_score_adj(int pid, std::optional<int32_t> adj);

// Everything except the exec, in the order above. Warnings are appended to `warnings`, also
// when an error follows.
Result<void> prepare(const Process& process, const Options& opts, Warnings& warnings);

// Resolves args[0] like execvp(3) but with the CONTAINER's PATH taken from `env` ("KEY=value"
// entries): a name with a '/' is returned as is; otherwise each PATH entry is searched for an
// executable regular file (an empty entry means "."). Without PATH in env the default
// "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" is used. Not found:
//   exec: "foo": executable file not found in $PATH
Result<std::string> find_executable(std::string_view arg0, std::span<const std::string> env);

// find_executable(args[0], env), then execve with args and exactly process.env. Returns only
// on failure, e.g. "exec /bin/x: permission denied" (lowercase like runc; podman greps for
// "permission denied", "no such file or directory" and "executable file not found in").
Error exec(const Process& process);
// The same with args[0] already resolved (Options::resolved_exec): only execve.
Error exec(const Process& process, const std::string& resolved_path);

// execve's form of `strings` after `prefix`: pointers into them, null-terminated.
std::vector<char*> c_array(std::span<const std::string> strings, std::vector<char*> prefix = {});
// The error of a failed execve of `path` as exec() words it: "exec PATH: permission denied".
Error exec_error(int err, const std::string& path);

} // namespace hull::process
