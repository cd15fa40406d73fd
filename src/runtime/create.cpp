// create: the parent side. See launch.hpp and docs/ARCHITECTURE.md for the sequence.
#include "container_cgroup.hpp"
#include "exe_guard.hpp"
#include "hull/config_parse.hpp"
#include "hull/fs.hpp"
#include "hull/hooks.hpp"
#include "hull/log.hpp"
#include "hull/netdev.hpp"
#include "hull/proc.hpp"
#include "hull/process_setup.hpp"
#include "hull/rootfs.hpp"
#include "hull/rootless.hpp"
#include "hull/runtime.hpp"
#include "hull/seccomp.hpp"
#include "hull/store.hpp"
#include "hull/sys_clone.hpp"
#include "hull/sys_pidfd.hpp"
#include "hull/terminal.hpp"
#include "idmap_write.hpp"
#include "init.hpp"
#include "joiner.hpp"
#include "launch.hpp"
#include "namespaces.hpp"
#include "sync.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace hull::runtime {
namespace {

Result<std::string> absolute_dir(const std::string& path, std::string_view what) {
    char buf[PATH_MAX];
    if (!realpath(path.c_str(), buf)) return fail_errno(std::string(what) + " " + path);
    struct stat st;
    if (stat(buf, &st) < 0) return fail_errno(std::string(what) + " " + path);
    if (!S_ISDIR(st.st_mode)) return fail_sys(ENOTDIR, std::string(what) + " " + path);
    return std::string(buf);
}

// What hull cannot do yet fails loudly instead of being skipped.
Result<void> check_supported(const Config& cfg) {
    if (!cfg.linux) return fail("linux: a Linux container needs the linux section");
    const Linux& lx = *cfg.linux;
    if (!lx.find_namespace(NamespaceType::Mount))
        return fail("linux.namespaces: hull needs a mount namespace (without one the mounts "
                    "would land in the host)");
    if (lx.intelRdt) return fail("linux.intelRdt: Intel RDT is not supported");
    if (!lx.netDevices.empty() && !lx.find_namespace(NamespaceType::Network))
        return fail("linux.netDevices: the container needs a network namespace of its own");
    HULL_TRY(rootfs::validate(cfg));
    return {};
}

// What an unprivileged caller (euid != 0) can build at all: a container in a user namespace
// of its own (or one it joins), whose maps it may write.
Result<void> check_unprivileged(const Config& cfg, const ns::Plan& plan) {
    if (!plan.new_user && !plan.joined_user)
        return fail("rootless: an unprivileged user needs a user namespace (linux.namespaces "
                    "type \"user\" with uidMappings and gidMappings; `hull spec --rootless` "
                    "writes one)");
    if (plan.new_user) HULL_TRY(ns::check_unprivileged_maps(cfg));
    return {};
}

// The container's directory in every hierarchy, for "cgroup" mounts inside the container.
std::vector<rootfs::CgroupView> cgroup_dirs(const cgroups::Cgroup& cg) {
    std::vector<rootfs::CgroupView> v;
    for (const auto& h : cg.host().hierarchies) {
        rootfs::CgroupView view;
        view.host_dir = h.mount_point + cg.path();
        view.v2 = h.v2;
        if (cg.host().layout != cgroups::Layout::Unified)
            view.name = h.mount_point.substr(h.mount_point.rfind('/') + 1);
        v.push_back(std::move(view));
    }
    return v;
}

// Kills and reaps a half-made init.
void kill_init(const Launched& l) {
    if (!l.pidfd) return;
    (void)sys::pidfd_send_signal(l.pidfd.get(), SIGKILL);
    (void)sys::pidfd_wait(l.pidfd.get());
}

struct Parent {
    const CreateOptions& opts;
    ConsoleMode console_mode;
    Config cfg;
    ContainerState st;
    std::optional<Container> container;
    std::optional<cgroups::Cgroup> cgroup;
    Launched launched;
    bool hooks_started = false;

    Result<void> build();
    Result<void> make_cgroup();
    Result<void> enter_cgroup(const sys::CloneResult& child);
    Result<void> move_net_devices(pid_t init);
    Result<void> talk_to_init(int sync_fd);
    void undo();
};

Result<void> Parent::build() {
    std::string bundle = HULL_TRY(absolute_dir(opts.bundle.empty() ? "." : opts.bundle, "bundle"));
    std::string cfg_path = opts.config_path.empty() ? bundle + "/config.json" : opts.config_path;
    cfg = HULL_TRY(load_config_file(cfg_path));
    for (const auto& w : cfg.warnings)
        log::warn(w);
    HULL_TRY(check_supported(cfg));
    std::string rootfs = cfg.root.path;
    if (rootfs.empty() || rootfs[0] != '/') rootfs = bundle + "/" + rootfs;
    rootfs = HULL_TRY(absolute_dir(rootfs, "root.path"));
    ns::Plan plan = HULL_TRY(ns::plan(cfg));
    if (geteuid() != 0) HULL_TRY(check_unprivileged(cfg, plan));
    HULL_TRY(netdev::check(cfg.linux->netDevices));
    bool terminal = cfg.process && cfg.process->terminal.value_or(false);
    if (terminal && console_mode == ConsoleMode::Socket && opts.console_socket.empty())
        return fail("process.terminal is set: --console-socket is required");

    HULL_TRY(validate_id(opts.id));
    auto store = HULL_TRY(Store::open_root(opts.root));
    st.id = opts.id;
    st.status = Status::Creating;
    st.bundle = bundle;
    st.rootfs = rootfs;
    st.created = proc::rfc3339_now();
    st.owner = owner_name(geteuid());
    st.annotations = cfg.annotations;
    container.emplace(HULL_TRY(store.create(opts.id, st)));
    int dirfd = container->dirfd();
    HULL_TRY_CTX(container->write_file("config.json", to_json(cfg).dump()), "save config");
    if (mkfifoat(dirfd, std::string(kExecFifo).c_str(), 0600) < 0)
        return fail_errno("mkfifo exec.fifo");
    UniqueFd fifo(openat(dirfd, std::string(kExecFifo).c_str(), O_PATH | O_CLOEXEC));
    if (!fifo) return fail_errno("open exec.fifo");
    if (!plan.uid_map.empty()) {
        // The init opens the fifo as root of its user namespace: give it to that user.
        auto host_id = [](const std::vector<IdMapping>& maps) -> std::optional<uint32_t> {
            for (const auto& m : maps)
                if (m.containerID == 0 && m.size > 0) return m.hostID;
            return std::nullopt;
        };
        auto uid = host_id(plan.uid_map), gid = host_id(plan.gid_map);
        if (geteuid() != 0 && (uid != geteuid() || gid != getegid())) {
            // An unprivileged caller cannot give it away (a subuid root): as runc, others may
            // write it (the state root is the caller's own, private directory).
            if (fchmodat(dirfd, std::string(kExecFifo).c_str(), 0622, 0) < 0)
                return fail_errno("chmod exec.fifo");
        } else if (uid && gid &&
                   fchownat(dirfd, std::string(kExecFifo).c_str(), *uid, *gid,
                            AT_SYMLINK_NOFOLLOW) < 0)
            return fail_errno("chown exec.fifo");
    }

    terminal::ConsoleRoute console;
    if (terminal)
        console = HULL_TRY(terminal::console_route(
            console_mode == ConsoleMode::Socket ? opts.console_socket : std::string()));
    // The seccomp program is compiled (or taken from the cache) here; the init loads it.
    std::optional<seccomp::Launch> sec;
    if (cfg.linux->seccomp)
        sec.emplace(HULL_TRY(seccomp::prepare(*cfg.linux->seccomp, store.root(), cfg.ociVersion)));
    auto sync = HULL_TRY(make_sync_pair());
    HULL_TRY(make_cgroup());
    // idmap mounts with their own mappings are made here, in the host user namespace (and
    // before prepare_cloner, so that their helper child stays in our pid namespace).
    const auto idmapped = HULL_TRY(rootfs::make_idmapped_trees(cfg, bundle));
    // With a user namespace joined by path, the joiner does this in that namespace.
    if (!plan.joined_user) HULL_TRY(ns::prepare_cloner(plan, cfg));
    // CVE-2019-5736: the sealed trampoline, when the container could write hull's binary (a
    // joined user namespace's maps are not known here: counted as shared).
    UniqueFd trampoline;
    if (cfg.process)
        trampoline = HULL_TRY(exe_guard::trampoline_for(
            *cfg.process, plan.new_user ? exe_guard::UserNs::Own : exe_guard::UserNs::Shared,
            plan.uid_map, plan.gid_map));

    InitContext ctx;
    ctx.cfg = &cfg;
    ctx.plan = plan;
    ctx.bundle = bundle;
    ctx.rootfs = rootfs;
    ctx.sync_fd = sync.child.get();
    ctx.fifo_fd = fifo.get();
    ctx.console_fd = console.to_child.get();
    ctx.preserve_fds = opts.preserve_fds;
    ctx.listen_fds = opts.listen_fds;
    ctx.pivot = opts.pivot;
    ctx.state = st;
    ctx.seccomp = sec ? &*sec : nullptr;
    ctx.trampoline_fd = trampoline ? trampoline.get() : -1;
    ctx.oom_by_parent = true;

    sys::CloneRequest req;
    req.flags = plan.clone_flags;
    req.pidfd = sys::WantPidFd::Yes;
    UniqueFd cgroup_dir;
    if (cgroup && cgroup->host().layout == cgroups::Layout::Unified) {
        cgroup_dir = HULL_TRY(cgroup->open_unified_dir());
        req.cgroup_fd = cgroup_dir.get();
    } else if (req.flags & CLONE_NEWCGROUP) {
        // v1 has no CLONE_INTO_CGROUP: the init makes its cgroup namespace itself once we have
        // moved it, so the namespace's root is the container's cgroup.
        req.flags &= ~static_cast<uint64_t>(CLONE_NEWCGROUP);
        ctx.cgroupns = CgroupNsMode::UnshareWhenPlaced;
    }
    if (cgroup) ctx.cgroup_dirs = cgroup_dirs(*cgroup);
    ctx.idmapped = &idmapped;
    (void)log::file_fd(); // open --log before the clone: the init keeps that fd
    const auto oom =
        HULL_TRY(rootless::oom_before_clone(cfg.process ? cfg.process->oomScoreAdj : std::nullopt));
    // Not dumpable from here on (the init inherits it): container processes that share its pid
    // namespace cannot open its /proc entries (exe, fd, mem) while it runs hull's code. An
    // unprivileged caller writes the maps of a new user namespace itself (or newuidmap does),
    // which needs the init's /proc files to be the caller's: the init drops it once they are.
    if (!(plan.new_user && geteuid() != 0)) prctl(PR_SET_DUMPABLE, 0);
    auto cloned = plan.joined_user ? clone_init_via_joiner(req, ctx) : sys::clone_process(req);
    auto child = HULL_TRY_CTX(std::move(cloned), "clone the container init");
    if (child.pid == 0) init_main(ctx); // never returns
    launched.pid = child.pid;
    launched.pidfd = std::move(child.pidfd);
    sec.reset(); // the listener connection now belongs to the init
    sync.child.reset();
    console.to_child.reset();
    cgroup_dir.reset();
    trampoline.reset();
    {
        auto r = enter_cgroup(child);
        if (r) r = procsetup::set_oom_score_adj(child.pid, oom);
        if (r && !cfg.linux->netDevices.empty()) r = move_net_devices(child.pid);
        if (!r) {
            sync_send_error(sync.parent.get(), r.error());
            return std::unexpected(r.error());
        }
    }

    if (plan.new_user) {
        auto r = ns::write_id_maps(launched.pid, cfg);
        if (!r) {
            sync_send_error(sync.parent.get(), r.error());
            return std::unexpected(r.error());
        }
        HULL_TRY(sync_send(sync.parent.get(), SyncMsg::MapsWritten));
    }
    if (ctx.cgroupns == CgroupNsMode::UnshareWhenPlaced)
        HULL_TRY(sync_send(sync.parent.get(), SyncMsg::CgroupPlaced));
    HULL_TRY(talk_to_init(sync.parent.get()));
    if (console.peer) {
        auto [master, name] = HULL_TRY(terminal::recv_master(console.peer.get()));
        launched.console_master = std::move(master);
    }

    st.pid = launched.pid;
    st.pid_start_time = HULL_TRY(proc::start_time(launched.pid));
    st.status = Status::Created;
    HULL_TRY(container->save(st));
    if (!opts.pid_file.empty())
        HULL_TRY_CTX(fs::write_file_atomic(opts.pid_file, std::to_string(launched.pid)),
                     "write pid file " + opts.pid_file);
    HULL_TRY(sync_send(sync.parent.get(), SyncMsg::Detach));
    HULL_TRY(sync_expect(sync.parent.get(), SyncMsg::Detached));
    return {};
}

// The container's cgroup, made and configured before the init exists: devices rules must let
// the init create the configured devices, and limits hold from the first instruction.
Result<void> Parent::make_cgroup() {
    auto host = HULL_TRY_CTX(cgroups::detect(), "cgroups");
    std::string path =
        HULL_TRY_CTX(cgroups::container_path(cfg.linux->cgroupsPath, opts.id), "linux.cgroupsPath");
    save_cgroup_path(st, path);
    HULL_TRY(container->save(st)); // a crashed create still leaves a record to delete
    auto made = cgroups::Cgroup::create(host, path);
    if (!made && opts.cgroup_rules == rootless::CgroupRules::Rootless &&
        rootless::is_permission_error(made.error().err())) {
        // Rootless rules (runc's): no cgroup at all when nothing asks for one.
        HULL_TRY(rootless::allow_without_cgroup(made.error().context("cgroup " + path), cfg,
                                                host.layout == cgroups::Layout::Unified));
        st.extra.erase(kCgroupPathKey);
        HULL_TRY(container->save(st));
        log::debug("rootless: no permission for cgroup " + path + ": running without one");
        return {};
    }
    cgroup.emplace(HULL_TRY_CTX(std::move(made), "cgroup " + path));
    Resources res = cfg.linux->resources ? *cfg.linux->resources : Resources{};
    if (!res.devices.empty())
        for (auto& rule : cgroups::default_device_rules(cfg.linux->devices))
            res.devices.push_back(std::move(rule));
    std::vector<std::string> warnings;
    HULL_TRY(cgroup->apply(res, cgroups::ApplyMode::Create, warnings));
    for (const auto& w : warnings)
        log::warn(w);
    return {};
}

// Moves the init into its cgroup unless the clone already started it there.
Result<void> Parent::enter_cgroup(const sys::CloneResult& child) {
    if (child.in_cgroup || !cgroup) return {};
    return with_context(cgroup->add(child.pid), "move the init into cgroup " + cgroup->path());
}

// linux.netDevices go into the init's network namespace before it builds anything.
Result<void> Parent::move_net_devices(pid_t init) {
    const std::string path = "/proc/" + std::to_string(init) + "/ns/net";
    UniqueFd netns(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) return fail_errno("linux.netDevices: open " + path);
    return netdev::move_all(cfg.linux->netDevices, netns.get());
}

Result<void> Parent::talk_to_init(int sync_fd) {
    for (;;) {
        auto m = HULL_TRY(sync_recv(sync_fd));
        switch (m.type) {
        case SyncMsg::CreateHooks: {
            hooks_started = true;
            ContainerState hs = st;
            hs.pid = launched.pid;
            std::string state = hook_state(hs, Status::Creating);
            auto r = hooks::run(hooks::HookKind::Prestart, cfg.hooks.prestart, state);
            if (r) r = hooks::run(hooks::HookKind::CreateRuntime, cfg.hooks.createRuntime, state);
            if (!r) {
                sync_send_error(sync_fd, r.error());
                return std::unexpected(r.error());
            }
            HULL_TRY(sync_send(sync_fd, SyncMsg::CreateHooksDone));
            break;
        }
        case SyncMsg::Ready:
            return {};
        case SyncMsg::Error:
            return std::unexpected(Error(m.err, m.text));
        default:
            return fail("sync: unexpected message from the container init");
        }
    }
}

void Parent::undo() {
    kill_init(launched);
    if (cgroup) {
        (void)cgroup->signal_all(SIGKILL);
        if (auto r = cgroup->destroy(); !r)
            log::warn("clean up after a failed create: " + r.error().message());
    }
    if (!container) return;
    if (hooks_started) run_poststop(cfg, st);
    auto r = container->destroy();
    if (!r) log::warn("clean up after a failed create: " + r.error().message());
}

} // namespace

void run_poststop(const Config& cfg, const ContainerState& st) {
    for (const auto& e : hooks::run_all(hooks::HookKind::Poststop, cfg.hooks.poststop,
                                        hook_state(st, Status::Stopped)))
        log::warn(e.message());
}

std::string hook_state(const ContainerState& st, Status status) {
    return to_runc_json(st, status).dump();
}

Result<Config> load_snapshot(const Container& c) {
    auto text = HULL_TRY_CTX(c.read_file("config.json"), "read the config snapshot");
    return with_context(parse_config(text), "config snapshot");
}

Result<Launched> launch(const CreateOptions& opts, ConsoleMode console) {
    Parent p{opts, console, {}, {}, {}, {}, {}, false};
    auto r = p.build();
    if (!r) {
        p.undo();
        return std::unexpected(r.error());
    }
    return std::move(p.launched);
}

Result<void> create(const CreateOptions& opts) {
    HULL_TRY(launch(opts, ConsoleMode::Socket));
    return {};
}

} // namespace hull::runtime
