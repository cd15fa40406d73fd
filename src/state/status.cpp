// Lifecycle statuses, the legal-operation table and the live status derivation.
#include "state/state.hpp"
#include "util/fs.hpp"
#include "util/proc.hpp"

namespace hull {

std::string_view to_string(Status s) {
    switch (s) {
    case Status::Creating:
        return "creating";
    case Status::Created:
        return "created";
    case Status::Running:
        return "running";
    case Status::Paused:
        return "paused";
    case Status::Stopped:
        return "stopped";
    }
    return "unknown";
}

Result<Status> parse_status(std::string_view s) {
    for (auto st :
         {Status::Creating, Status::Created, Status::Running, Status::Paused, Status::Stopped})
        if (to_string(st) == s) return st;
    return fail_sys(EINVAL, "unknown container status \"" + std::string(s) + "\"");
}

namespace {

std::unexpected<Error> not_running() {
    return fail("container not running");
}

Result<void> check_start(Status s) {
    switch (s) {
    case Status::Created:
        return {};
    case Status::Stopped:
        return fail("cannot start a container that has stopped");
    case Status::Running:
        return fail("cannot start an already running container");
    default:
        return fail("container is not in created state");
    }
}

Result<void> check_exec(Status s) {
    switch (s) {
    case Status::Created:
    case Status::Running:
        return {};
    case Status::Stopped:
        return fail("cannot exec in a stopped container");
    case Status::Paused:
        return fail("cannot exec in a paused container (use --ignore-paused to override)");
    case Status::Creating:
        break;
    }
    return fail("cannot exec in a creating container");
}

} // namespace

Result<void> check_operation(Status s, Operation op, std::string_view id) {
    switch (op) {
    case Operation::Start:
        return check_start(s);
    case Operation::Kill:
        // The spec: only created or running; paused counts as running (the init lives).
        if (s == Status::Created || s == Status::Running || s == Status::Paused) return {};
        return not_running();
    case Operation::Delete:
        if (s == Status::Stopped) return {};
        if (id.empty())
            return fail("cannot delete container that is not stopped: " +
                        std::string(to_string(s)));
        return fail("cannot delete container " + std::string(id) +
                    " that is not stopped: " + std::string(to_string(s)));
    case Operation::ForceDelete:
        return {};
    case Operation::Pause: // runc freezes a created container too
        if (s == Status::Running || s == Status::Created) return {};
        if (s == Status::Paused) return fail("container already paused");
        return not_running();
    case Operation::Resume:
        if (s == Status::Paused) return {};
        return fail("container not paused");
    case Operation::Exec:
        return check_exec(s);
    case Operation::Update:
    case Operation::Ps:
    case Operation::Events:
        if (s != Status::Stopped) return {};
        return not_running();
    case Operation::Checkpoint:
        if (s == Status::Running || s == Status::Paused) return {};
        return fail("container cannot be checkpointed in " + std::string(to_string(s)) + " state");
    }
    return fail("unknown operation");
}

Status derive_status(const ContainerState& st, int container_dirfd, const FrozenProbe& frozen) {
    if (st.status == Status::Stopped) return Status::Stopped;
    if (proc::liveness(st.pid, st.pid_start_time) != proc::Liveness::Alive) return Status::Stopped;
    if (st.status == Status::Creating) return Status::Creating;
    if (frozen && frozen()) return Status::Paused;
    // `start` removes exec.fifo before it records "running": no need to look for it then.
    if (st.status == Status::Running) return Status::Running;
    auto fifo = fs::exists(container_dirfd, kExecFifo);
    if (fifo && *fifo) return Status::Created;
    return Status::Running;
}

} // namespace hull
