// hull::hooks: running the OCI lifecycle hooks (config.json "hooks").
//
// Each hook is fork+execve'd with exactly its `args` (default [path]) and exactly its `env`
// (empty when absent); the path is used as is (no PATH search). The container state JSON is
// written to the hook's stdin through a pipe; a hook that does not read it, or exits early,
// is fine. stdout is inherited from the caller. stderr goes through a pipe: everything the
// hook writes there is passed on to the caller's stderr as it arrives, and its first line is
// quoted in the error when the hook fails. Every other fd is closed in the hook. The cwd is
// the caller's (callers that want runc's behaviour chdir to the bundle first).
//
// No signal handler is installed and no thread is started: the hook is waited for with a
// pidfd (or, without pidfd_open, waitpid(WNOHANG) and short sleeps), SIGPIPE is blocked only
// while the state is being written. The same code works in the runtime process and inside
// the container init before pivot_root. A hook with `timeout` gets SIGKILL once it expires.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace hull::hooks {

enum class HookKind {
    Prestart,
    CreateRuntime,
    CreateContainer,
    StartContainer,
    Poststart,
    Poststop
};

// The config.json key: "prestart", "createRuntime", ..., "poststop".
std::string_view to_string(HookKind kind);

// Runs the hooks in order and stops at the first failure. The error names the hook by its
// kind, its 0-based index in the config array (as runc does) and its path:
//   createRuntime hook #1 (/usr/bin/x): exit status 3: <first line of the hook's stderr>
//   prestart hook #0 (/usr/bin/x): timed out after 2s
//   poststart hook #0 (/usr/bin/x): killed by signal 9
//   createContainer hook #0 (/nope): exec: No such file or directory
// A relative path is rejected before anything runs.
Result<void> run(HookKind kind, std::span<const Hook> hooks, std::string_view state_json);

// Whether the runtime has hooks to run while the init waits in `create` (prestart and
// createRuntime); without them the init does not wait for the runtime at that point.
bool runtime_create_hooks(const Hooks& hooks);

// Runs every hook even when some fail (poststop: warn and continue) and returns the errors,
// in order, with the same texts as run(). Empty = all succeeded.
std::vector<Error> run_all(HookKind kind, std::span<const Hook> hooks, std::string_view state_json);

} // namespace hull::hooks
