// Rootless mode: telling an unprivileged caller from real root, as runc does, and what that
// changes before the container is built (the state root, the cgroup rules). An unprivileged
// caller is one whose euid is not 0, or who is uid 0 inside a user namespace whose uid_map
// is not the identity map of the whole id space (rootless podman runs the runtime there).
// docs/rootless.md has the rules.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "hull/runtime.hpp"

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hull::rootless {

// The text of /proc/self/uid_map is "0 0 4294967295": the initial user namespace.
bool is_identity_map(std::string_view uid_map);
// This process runs inside a user namespace other than the initial one.
bool in_user_namespace();
// Not real root: euid != 0, or inside a user namespace (runc's "rootless euid").
bool unprivileged();

// --rootless (runtime::cgroup_rules in hull/runtime.hpp).
using Setting = runtime::RootlessFlag;
using CgroupRules = runtime::CgroupRules;
CgroupRules cgroup_rules(Setting flag);

// The state root when --root is not given: /run/hull for real root (and for uid 0 in a user
// namespace with USER=root, as runc), $XDG_RUNTIME_DIR/hull for anyone else; an error naming
// both ways out when that variable is unset or empty.
struct Caller {
    uid_t euid = 0;
    bool in_userns = false;
    const char* xdg_runtime_dir = nullptr;
    const char* user = nullptr; // $USER
};
Result<std::string> default_root(const Caller& caller);
Caller this_caller();

// The first cgroup controller that `res` puts a limit on ("memory", "cpu", ...), ignoring
// devices rules (an unprivileged user cannot enforce them, runc ignores them too). nullopt
// when there is none.
std::optional<std::string> first_limit(const Resources& res);

// The container's cgroup could not be made (`err`, a permission error) under the rootless
// rules: ok (the container runs without a cgroup) when no cgroupsPath was given and there
// is no limit to apply; otherwise runc's error for the host's cgroup version.
Result<void> allow_without_cgroup(const Error& err, const Config& cfg, bool unified_host);
// process.oomScoreAdj for an unprivileged caller, before the clone: the value is set on this
// process (the child inherits it; an unprivileged caller cannot write the file of a child
// that is not dumpable), or left as it is with a warning when it would lower the current
// value (only CAP_SYS_RESOURCE may). Returns what is left for the parent to write after the
// clone: nothing for an unprivileged caller, `adj` for real root.
Result<std::optional<int32_t>> oom_before_clone(std::optional<int32_t> adj);

// The processes of a container that has no cgroup (rootless without permission): the init,
// its descendants and every process in the init's pid namespace when it has one of its own.
// Sorted.
std::vector<pid_t> processes_without_cgroup(pid_t init);

// EPERM, EACCES or EROFS.
bool is_permission_error(int err);

} // namespace hull::rootless
