// Container state: the lifecycle statuses, which operation is legal in which status, the
// record persisted in <root>/<id>/state.json, and the runc-shaped state JSON hooks read.
#pragma once

#include "hull/error.hpp"

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace hull {

enum class Status { Creating, Created, Running, Paused, Stopped };

// "creating", "created", "running", "paused", "stopped".
std::string_view to_string(Status);
Result<Status> parse_status(std::string_view);

enum class Operation {
    Start,
    Kill,
    Delete,
    ForceDelete,
    Pause,
    Resume,
    Exec,
    Update,
    Ps,
    Events,
    Checkpoint
};

// Whether `op` is legal on a container in `status` (the live status, see derive_status).
// The error texts are the ones runc prints and callers match on ("container not running",
// "cannot start a container that has stopped", ...). `id` only appears in the Delete error:
//   cannot delete container <id> that is not stopped: <status>
// Delete follows the spec, not runc: a created or running container is an error (no effect).
// Exec is legal in created and running containers (as runc); for a paused one the CLI may skip
// the check when --ignore-paused is given.
Result<void> check_operation(Status status, Operation op, std::string_view id = {});

// The record of one container. Everything the later commands need is in here; `extra` is
// persisted as-is for other modules (cgroup paths, namespace paths, config flags).
struct ContainerState {
    std::string id;
    pid_t pid = 0;               // host pid of the container init, 0 before it exists
    uint64_t pid_start_time = 0; // field 22 of /proc/<pid>/stat, guards against pid reuse
    // The status as last written: Creating while `create` runs, then Created; Running after
    // `start`, Stopped once known dead. The live status comes from derive_status().
    Status status = Status::Creating;
    std::string bundle;  // absolute bundle path, as reported in `state` and to hooks
    std::string rootfs;  // absolute rootfs path
    std::string created; // RFC 3339 with nanoseconds, UTC
    std::string owner;   // "" when created by root, else the user name (or uid)
    std::map<std::string, std::string> annotations;
    nlohmann::json extra = nlohmann::json::object();
};

// The owner string for a euid: "" for root (as runc's `state`), else the user name, or the
// decimal uid when it has no passwd entry.
std::string owner_name(uid_t euid);

// The persisted form (state.json). Round-trips every field including `extra`.
nlohmann::json to_persisted_json(const ContainerState&);
Result<ContainerState> from_persisted_json(std::string_view text);

// The object runc's `state` prints, in runc's key order:
//   ociVersion, id, pid (0 when stopped), status, bundle, rootfs, created,
//   annotations (omitted when empty), owner
// What hooks read on stdin and the seccomp listener receives. (`hull state` itself prints
// the same shape from runtime::ContainerInfo: cli/state_json.cpp.)
nlohmann::ordered_json to_runc_json(const ContainerState&, Status live_status);

// The start signal file whose presence marks a created (not yet started) container.
inline constexpr std::string_view kExecFifo = "exec.fifo";

// Optional probe for the paused status (the cgroup freezer), asked only while the init lives.
using FrozenProbe = std::function<bool()>;

// The live status of a container, from its record plus what the system shows now:
//   Stopped  persisted Stopped, or the init (pid + start time) is gone or a zombie
//   Creating persisted Creating and the init is alive
//   Paused   `frozen` is given and returns true
//   Created  `exec.fifo` exists in the container directory
//   Running  otherwise
Status derive_status(const ContainerState&, int container_dirfd, const FrozenProbe& frozen = {});

} // namespace hull
