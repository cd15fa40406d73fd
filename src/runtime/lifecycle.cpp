// start, state, list, kill and delete: the commands that act on an existing container.
#include "hooks/hooks.hpp"
#include "hull/runtime.hpp"
#include "rootfs/rootfs.hpp"
#include "runtime/container_handle.hpp"
#include "runtime/launch.hpp"
#include "runtime/systemd_unit.hpp"
#include "state/store.hpp"
#include "sys/pidfd.hpp"
#include "util/build_info.h"
#include "util/fs.hpp"
#include "util/io.hpp"
#include "util/log.hpp"
#include "util/proc.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

namespace hull::runtime {
namespace {

// A pidfd of the recorded init, or ESRCH when that process is gone (the start time guards
// against a reused pid).
Result<UniqueFd> open_init(const ContainerState& st) {
    if (st.pid <= 0) return fail_sys(ESRCH, "container not running");
    auto fd = sys::pidfd_open(st.pid);
    if (!fd) return fail_sys(ESRCH, "container not running");
    if (proc::liveness(st.pid, st.pid_start_time) != proc::Liveness::Alive)
        return fail_sys(ESRCH, "container not running");
    return fd;
}

// Reads what the init writes to exec.fifo after `start` released it: a first byte when it
// is released, then nothing (EOF at execve, the fd is O_CLOEXEC) or an error text.
Result<void> release_init(const Container& c, const ContainerState& st) {
    UniqueFd fifo(
        openat(c.dirfd(), std::string(kExecFifo).c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
    if (!fifo) return fail_errno("open exec.fifo");
    // Wait for the released byte, watching for the init's death meanwhile.
    for (;;) {
        struct pollfd p {
            fifo.get(), POLLIN, 0
        };
        const int n = io::retry_eintr([&] { return poll(&p, 1, 100); });
        if (n < 0) return fail_errno("poll exec.fifo");
        if (n > 0 && (p.revents & POLLIN)) break;
        if (proc::liveness(st.pid, st.pid_start_time) != proc::Liveness::Alive)
            return fail("the container init exited before it could be started");
    }
    int flags = fcntl(fifo.get(), F_GETFL);
    if (flags < 0 || fcntl(fifo.get(), F_SETFL, flags & ~O_NONBLOCK) < 0)
        return fail_errno("exec.fifo: clear O_NONBLOCK");
    const std::string data = HULL_TRY(io::read_all(fifo.get(), "read exec.fifo"));
    if (data.empty()) return fail("exec.fifo: the container init did not answer");
    if (data.size() > 1) return fail(data.substr(1));
    return {};
}

ContainerInfo info_of(const ContainerHandle& h) {
    const ContainerState& st = h.state();
    return {.ociVersion = HULL_SPEC_VERSION,
            .id = st.id,
            .pid = h.status() == Status::Stopped ? 0 : st.pid,
            .status = std::string(to_string(h.status())),
            .bundle = st.bundle,
            .rootfs = st.rootfs,
            .created = st.created,
            .owner = st.owner,
            .annotations = st.annotations};
}

std::string signal_error(int sig) {
    return "send signal " + std::to_string(sig);
}

// On cgroup v1 a SIGKILLed process in a frozen cgroup only dies once thawed, so a paused
// container is thawed after SIGKILL (as runc does).
void thaw_after_kill(ContainerHandle& h) {
    if (auto cg = h.cgroup(); cg && *cg) (void)(*cg)->thaw();
}

// Signals every process that shares the init's pid namespace (when it has its own), else
// just the init.
Result<void> signal_all(const ContainerState& st, int pidfd, int sig) {
    char self_ns[64] = {}, ns[64] = {};
    ssize_t n1 =
        readlink(("/proc/" + std::to_string(st.pid) + "/ns/pid").c_str(), ns, sizeof ns - 1);
    ssize_t n2 = readlink("/proc/self/ns/pid", self_ns, sizeof self_ns - 1);
    if (n1 > 0 && n2 > 0 && std::string_view(ns) != std::string_view(self_ns)) {
        DIR* d = opendir("/proc");
        if (!d) return fail_errno("open /proc");
        while (struct dirent* e = readdir(d)) {
            char* end;
            long pid = strtol(e->d_name, &end, 10);
            if (*end || pid <= 0 || pid == st.pid) continue;
            char other[64] = {};
            if (readlink(("/proc/" + std::string(e->d_name) + "/ns/pid").c_str(), other,
                         sizeof other - 1) > 0 &&
                std::string_view(other) == std::string_view(ns))
                ::kill(static_cast<pid_t>(pid), sig);
        }
        closedir(d);
    }
    return with_context(sys::pidfd_send_signal(pidfd, sig), signal_error(sig));
}

} // namespace

namespace {

// start's steps on a record locked for it, whose state is `created`.
Result<void> start_created(Container& c, ContainerState& st, const Config& cfg) {
    if (!cfg.process) return fail("process: the config has no process to start");
    HULL_TRY(release_init(c, st));
    if (unlinkat(c.dirfd(), std::string(kExecFifo).c_str(), 0) < 0 && errno != ENOENT)
        return fail_errno("remove exec.fifo");
    st.status = Status::Running;
    HULL_TRY(c.save(st));
    if (!cfg.hooks.poststart.empty()) HULL_TRY(c.load_annotations(st)); // the hooks' state
    auto r = hooks::run(hooks::HookKind::Poststart, cfg.hooks.poststart,
                        hook_state(st, Status::Running));
    if (!r) {
        // runtime-spec 1.3: a failed poststart hook stops the container.
        if (auto fd = open_init(st)) (void)sys::pidfd_send_signal(fd->get(), SIGKILL);
        return std::unexpected(r.error());
    }
    return {};
}

} // namespace

Result<void> start(const std::string& root, const std::string& id) {
    auto h = HULL_TRY(
        open_container(root, id, Operation::Start, LockMode::Exclusive, StateDetail::Lean));
    const Config& cfg = *HULL_TRY(h.config());
    return start_created(h.record(), h.state(), cfg);
}

Result<void> start_launched(Launched& l) {
    if (!l.container) return fail("start: the container's record is not held");
    auto r = start_created(*l.container, l.state, l.cfg);
    l.container.reset(); // unlock: kill, exec and delete may act on it now
    return r;
}

Result<ContainerInfo> state(const std::string& root, const std::string& id) {
    return info_of(HULL_TRY(open_container(root, id, std::nullopt, LockMode::None)));
}

Result<std::vector<ContainerInfo>> list(const std::string& root) {
    std::vector<ContainerInfo> out;
    auto store = Store::open_root(root);
    // A root that does not exist lists as empty (as runc); anything else, e.g. a root that is
    // a regular file (ENOTDIR), is an error.
    if (!store && store.error().err() == ENOENT) return out;
    if (!store) return std::unexpected(store.error());
    for (const auto& id : HULL_TRY(store->list())) {
        auto h = open_container(*store, id, std::nullopt, LockMode::None);
        if (!h) continue; // deleted meanwhile
        out.push_back(info_of(*h));
    }
    return out;
}

Result<void> kill(const std::string& root, const std::string& id, int sig, KillScope scope) {
    auto h =
        HULL_TRY(open_container(root, id, Operation::Kill, LockMode::Exclusive, StateDetail::Lean));
    auto pidfd = HULL_TRY(open_init(h.state()));
    if (scope == KillScope::All) {
        // Through the cgroup when there is one: it also finds processes outside the init's
        // pid namespace, and freezes them while signalling so that no fork escapes.
        if (const auto* cg = HULL_TRY(h.cgroup()))
            return with_context(cg->signal_all(sig), signal_error(sig));
        return signal_all(h.state(), pidfd.get(), sig);
    }
    HULL_TRY_CTX(sys::pidfd_send_signal(pidfd.get(), sig), signal_error(sig));
    if (sig == SIGKILL) thaw_after_kill(h);
    return {};
}

namespace {

// Kills what is left in the container's cgroup (processes that escaped the init's death
// when there is no pid namespace) and removes it from every hierarchy.
Result<void> remove_cgroup(ContainerHandle& h) {
    const auto* cg = HULL_TRY(h.cgroup());
    if (!cg) return {};
    auto pids = cg->pids();
    if (pids && !pids->empty())
        HULL_TRY_CTX(cg->signal_all(SIGKILL), "kill the cgroup's processes");
    if (auto u = systemd_unit(h.state())) HULL_TRY(stop_container_unit(*u));
    return with_context(cg->destroy(), "remove cgroup " + cg->path());
}

// Without a mount namespace of its own the container's mounts sit in the host's mount table.
Result<void> release_mounts(const Config* cfg, const ContainerState& st, DeleteMode mode) {
    if (!cfg || !cfg->linux || cfg->linux->find_namespace(NamespaceType::Mount)) return {};
    auto r = rootfs::release_host_rootfs(st.rootfs);
    if (r || mode == DeleteMode::Normal) return r;
    log::warn(r.error().message());
    return {};
}

} // namespace

namespace {

// delete; `known` is the container's config when this process holds it already (run).
Result<void> remove_container(const std::string& root, const std::string& id, DeleteMode mode,
                              std::optional<Config> known) {
    HULL_TRY(validate_id(id));
    auto store = HULL_TRY(Store::open_root(root));
    auto opened = open_container(
        store, id, mode == DeleteMode::Normal ? Operation::Delete : Operation::ForceDelete,
        LockMode::Exclusive, StateDetail::Lean);
    if (!opened) {
        // No such container: perhaps its create was killed before it got the name, which
        // leaves a reservation. Swept here (and by create and list), not on every delete: it
        // reads the whole root (a thousand entries with a thousand containers).
        (void)store.remove_stale_temps(std::chrono::seconds(0));
        return std::unexpected(opened.error());
    }
    auto h = std::move(*opened);
    if (known) h.adopt_config(std::move(*known));
    ContainerState& st = h.state();
    if (h.status() != Status::Stopped) {
        if (auto pidfd = open_init(st)) {
            HULL_TRY(signal_all(st, pidfd->get(), SIGKILL));
            thaw_after_kill(h);
            bool gone = HULL_TRY(sys::pidfd_poll_exit(pidfd->get(), 10000));
            if (!gone) return fail("delete: the container init did not die after SIGKILL");
        }
    }
    if (auto r = remove_cgroup(h); !r) {
        if (mode == DeleteMode::Normal) return std::unexpected(r.error());
        log::warn(r.error().message());
    }
    auto cfg = h.config();
    if (cfg && !(*cfg)->hooks.poststop.empty())
        (void)h.record().load_annotations(st); // the hooks' state
    HULL_TRY(release_mounts(cfg ? *cfg : nullptr, st, mode));
    HULL_TRY_CTX(h.record().destroy(), "remove the container state");
    if (cfg) run_poststop(**cfg, st);
    return {};
}

} // namespace

Result<void> remove(const std::string& root, const std::string& id, DeleteMode mode) {
    return remove_container(root, id, mode, std::nullopt);
}

Result<void> remove_launched(const CreateOptions& o, Launched& l) {
    return remove_container(o.root, o.id, DeleteMode::Force, std::move(l.cfg));
}

} // namespace hull::runtime
