// The parent side of `create`: builds the container up to the "created" state. Shared by
// `create` (which then exits, leaving the init to its new parent) and `run` (which keeps the
// init as its child and waits for it).
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "hull/runtime.hpp"
#include "state/state.hpp"
#include "state/store.hpp"
#include "util/fd.hpp"

#include <sys/types.h>

#include <optional>

namespace hull::runtime {

struct Launched {
    pid_t pid = 0;
    UniqueFd pidfd;          // of the init, our child
    UniqueFd console_master; // the pty master, when `run` asked for one in-process
    // The record, still locked, its `created` state and the config: `run` starts the
    // container from these without reading them back (start_launched).
    std::optional<Container> container;
    ContainerState state;
    Config cfg;
};

enum class ConsoleMode {
    Socket,    // a terminal goes to --console-socket (create, run -d)
    InProcess, // `run` in the foreground: hull receives the master itself
};

// What the caller does once the container is created.
enum class AfterLaunch {
    Exit,  // `create`: exits, so the init must have stopped watching for its parent's death
    Start, // `run`: starts it at once (start_launched waits for the init anyway)
};

// Creates the container. On failure nothing is left: the init is killed, the state directory
// removed, and poststop hooks run if creation hooks had started.
Result<Launched> launch(const CreateOptions& opts, ConsoleMode console, AfterLaunch then);

// `start` of a container this process has just launched: the same steps as runtime::start,
// from the record `launch` kept locked; the lock is released on return.
Result<void> start_launched(Launched& l);

// `delete --force` of a container this process launched, with the config it holds (moved
// out of `l`) instead of the snapshot read back.
Result<void> remove_launched(const CreateOptions& o, Launched& l);

// The snapshot of config.json taken at create (later edits of the bundle do not matter).

Result<Config> load_snapshot(const Container& c);

// The state object handed to hooks on stdin (runc's state shape).
std::string hook_state(const ContainerState& st, Status status);

// Runs the poststop hooks after the container is gone; failures are only warnings.
void run_poststop(const Config& cfg, const ContainerState& st);

} // namespace hull::runtime
