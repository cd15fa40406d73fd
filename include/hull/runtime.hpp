// The container lifecycle as the command line drives it: create, start, state, kill,
// delete, run, list, and the cgroup commands update, pause, resume, ps, events. Each call
// opens the store under `root`, takes the container's lock and returns an error whose text
// callers can match ("does not exist", "container not running", "already exists").
#pragma once

#include "hull/config_resources.hpp"
#include "hull/error.hpp"

#include <nlohmann/json_fwd.hpp>

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hull::runtime {

// The state root when --root is not given (docs/rootless.md): /run/hull for real root (and
// for uid 0 of a user namespace whose $USER is root, as runc), $XDG_RUNTIME_DIR/hull for
// anyone else (an unprivileged user, or uid 0 of rootless podman's user namespace). An
// error naming both ways out when that variable is unset or empty.
Result<std::string> default_root();
// The same for a caller outside any user namespace with `euid` and $XDG_RUNTIME_DIR
// (nullptr: unset); "" where default_root() fails. For the manual pages.
std::string default_root_for(uid_t euid, const char* xdg_runtime_dir);

// --rootless true|false|auto, as runc reads it: whether the cgroup rules of rootless mode
// apply (docs/rootless.md). Auto: when the caller is not real root (euid != 0, or uid 0
// inside a user namespace that does not map the whole id space).
enum class RootlessFlag { Auto, True, False };
enum class CgroupRules { Root, Rootless };
CgroupRules cgroup_rules(RootlessFlag flag);

enum class PivotMode { PivotRoot, NoPivot };
// Who makes the container's cgroup: hull itself, or systemd (--systemd-cgroup).
enum class CgroupDriver { Cgroupfs, Systemd };

struct CreateOptions {
    std::string root; // state root (--root)
    std::string id;
    std::string bundle;         // --bundle, default the current directory
    std::string config_path;    // -f/--config; empty = <bundle>/config.json
    std::string console_socket; // --console-socket
    std::string pid_file;       // --pid-file
    PivotMode pivot = PivotMode::PivotRoot;
    int preserve_fds = 0; // --preserve-fds: fds 3 .. 3+N-1 stay open in the container
    // Socket activation (LISTEN_FDS with LISTEN_PID = our pid): these fds come first (from 3
    // on, counted in preserve_fds) and the process gets LISTEN_FDS=N and LISTEN_PID=1.
    int listen_fds = 0;
    CgroupDriver cgroup_driver = CgroupDriver::Cgroupfs;
    // --rootless: with the rootless rules a cgroup that may not be made is skipped when the
    // config asks for no limits (docs/rootless.md).
    CgroupRules cgroup_rules = CgroupRules::Root;
};

Result<void> create(const CreateOptions& opts);
Result<void> start(const std::string& root, const std::string& id);

// The state of one container: the runtime-spec's state plus runc's `created` and `owner`.
// The command line prints it in runc's JSON shape.
struct ContainerInfo {
    std::string ociVersion; // the runtime-spec version hull implements
    std::string id;
    pid_t pid = 0;       // host pid of the container init; 0 once stopped
    std::string status;  // the live status: creating, created, running, paused or stopped
    std::string bundle;  // absolute path
    std::string rootfs;  // absolute path
    std::string created; // RFC 3339 with nanoseconds, UTC
    std::string owner;   // "" when created by root, else the user name (or uid)
    std::map<std::string, std::string> annotations;
};

// The state of one container (not locked: never waits behind a running command).
Result<ContainerInfo> state(const std::string& root, const std::string& id);
// The state of every container under root, sorted by id.
Result<std::vector<ContainerInfo>> list(const std::string& root);

enum class KillScope { Init, All };
Result<void> kill(const std::string& root, const std::string& id, int signal, KillScope scope);

enum class DeleteMode { Normal, Force };
Result<void> remove(const std::string& root, const std::string& id, DeleteMode mode);

enum class RunMode { Foreground, Detach };
enum class KeepMode { Remove, Keep };
enum class Subreaper { Yes, No };
struct RunOptions {
    CreateOptions create;
    RunMode mode = RunMode::Foreground;
    KeepMode keep = KeepMode::Remove;
    Subreaper subreaper = Subreaper::Yes;
};
// Foreground: the container's exit code (128 + signal when killed). Detached: 0.
Result<int> run(const RunOptions& opts);

// ---- The cgroup commands (update.cpp, pause.cpp, ps.cpp, events.cpp) ----

// `update`: merges `delta` into the container's resources (merge_update), writes them to its
// cgroup and saves them in the config snapshot. Refused on a stopped container. Returns the
// warnings of the cgroup write.
Result<std::vector<std::string>> update(const std::string& root, const std::string& id,
                                        const Resources& delta);
// The resources after an update: every field set in `delta` replaces the current one (a
// non-empty list replaces the whole list, `unified` keys are merged); devices never change.
// As runc: memory.limit -1 without memory.swap also makes the swap limit -1.
Resources merge_update(const Resources& current, const Resources& delta);

// Freezes / thaws the container's cgroup ("container not running", "container not paused").
Result<void> pause(const std::string& root, const std::string& id);
Result<void> resume(const std::string& root, const std::string& id);

// Host pids of every process in the container's cgroup, sorted.
Result<std::vector<pid_t>> processes(const std::string& root, const std::string& id);
// runc's `ps` table: the header line of ps(1) output, then the lines whose PID column holds
// one of `pids` (sorted). Error when the header has no PID column.
Result<std::string> filter_ps_table(std::string_view ps_output, const std::vector<pid_t>& pids);

// `events --stats`: {"type":"stats","id":...,"data":{cpu, memory, pids, blkio, hugetlb}}.
Result<nlohmann::ordered_json> stats_event(const std::string& root, const std::string& id);
// `events`: calls `emit` with an "oom" event ({"type":"oom","id":...}) whenever the OOM killer
// kills in the container's cgroup and with a stats event every `interval`, until the
// container stops.
using EventSink = std::function<void(const nlohmann::ordered_json&)>;
Result<void> stream_events(const std::string& root, const std::string& id,
                           std::chrono::milliseconds interval, const EventSink& emit);
// A Go time.Duration string ("5s", "1.5s", "300ms", "1m30s", "2h"), rounded up to
// milliseconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

} // namespace hull::runtime
