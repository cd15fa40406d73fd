// create: the parent side. See launch.hpp and docs/ARCHITECTURE.md for the sequence.
#include "hooks/hooks.hpp"
#include "hull/config_parse.hpp"
#include "hull/runtime.hpp"
#include "netdev/netdev.hpp"
#include "process/process.hpp"
#include "rootfs/rootfs.hpp"
#include "runtime/container_cgroup.hpp"
#include "runtime/exe_guard.hpp"
#include "runtime/idmap_write.hpp"
#include "runtime/init.hpp"
#include "runtime/joiner.hpp"
#include "runtime/launch.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/rootless.hpp"
#include "runtime/sync.hpp"
#include "runtime/systemd_unit.hpp"
#include "seccomp/seccomp.hpp"
#include "state/store.hpp"
#include "sys/clone.hpp"
#include "sys/pidfd.hpp"
#include "terminal/terminal.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"
#include "util/proc.hpp"

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
        view.host_dir = cg.dir_in(h);
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

// `create` as a list of phases; each fills the members the later ones use. On failure the
// caller runs undo().
struct Parent {
    Parent(const CreateOptions& o, ConsoleMode console, AfterLaunch after)
        : opts(o), console_mode(console), then(after) {}

    const CreateOptions& opts;
    ConsoleMode console_mode;
    AfterLaunch then;
    // read_bundle
    Config cfg;
    std::string bundle; // absolute
    std::string rootfs; // absolute
    ns::Plan plan;
    // reserve_id
    ContainerState st;
    std::optional<Container> container;
    std::string state_root;
    UniqueFd fifo; // O_PATH fd of exec.fifo, for the init
    // prepare_init
    terminal::ConsoleRoute console;
    std::optional<seccomp::Launch> sec;
    SyncPair sync;
    std::optional<cgroups::Placement> placement; // the cgroupfs driver's, from reserve_id
    std::optional<cgroups::Cgroup> cgroup;
    std::vector<rootfs::IdmappedTree> idmapped;
    UniqueFd trampoline;
    // clone_init
    CgroupNsMode cgroupns = CgroupNsMode::ByClone;
    Launched launched;
    bool hooks_started = false;
    UnitStart unit;             // the systemd driver's unit
    std::optional<int32_t> oom; // process.oomScoreAdj, for the parent to write (rootless.hpp)

    Result<void> build();
    Result<void> read_bundle();
    Result<void> reserve_id();
    Result<void> prepare_init();
    Result<void> make_cgroup();
    Result<void> clone_init();
    Result<void> place_init(const sys::CloneResult& child);
    Result<void> enter_cgroup(const sys::CloneResult& child);
    Result<void> move_net_devices(pid_t init);
    Result<void> release_maps();
    Result<void> talk_to_init(int sync_fd);
    Result<void> take_console();
    Result<void> record_created();
    void undo();

    bool wants_terminal() const { return cfg.process && cfg.process->terminal.value_or(false); }
};

Result<void> Parent::build() {
    HULL_TRY(read_bundle());
    HULL_TRY(reserve_id());
    HULL_TRY(prepare_init());
    HULL_TRY(clone_init());
    HULL_TRY(release_maps());
    HULL_TRY(talk_to_init(sync.parent.get()));
    HULL_TRY(take_console());
    HULL_TRY(record_created());
    return {};
}

// The config and the paths of the bundle, checked before anything is made.
Result<void> Parent::read_bundle() {
    bundle = HULL_TRY(absolute_dir(opts.bundle.empty() ? "." : opts.bundle, "bundle"));
    std::string cfg_path = opts.config_path.empty() ? bundle + "/config.json" : opts.config_path;
    cfg = HULL_TRY(load_config_file(cfg_path));
    for (const auto& w : cfg.warnings)
        log::warn(w);
    HULL_TRY(check_supported(cfg));
    rootfs = cfg.root.path;
    if (rootfs.empty() || rootfs[0] != '/') rootfs = bundle + "/" + rootfs;
    rootfs = HULL_TRY(absolute_dir(rootfs, "root.path"));
    plan = HULL_TRY(ns::plan(cfg));
    if (geteuid() != 0) HULL_TRY(check_unprivileged(cfg, plan));
    HULL_TRY(netdev::check(cfg.linux->netDevices));
    if (wants_terminal() && console_mode == ConsoleMode::Socket && opts.console_socket.empty())
        return fail("process.terminal is set: --console-socket is required");
    return {};
}

// The id reserved in the store with a `creating` record, the config snapshot and exec.fifo.
Result<void> Parent::reserve_id() {
    HULL_TRY(validate_id(opts.id));
    auto store = HULL_TRY(Store::open_root(opts.root));
    state_root = store.root();
    st.id = opts.id;
    st.status = Status::Creating;
    st.bundle = bundle;
    st.rootfs = rootfs;
    st.created = proc::rfc3339_now();
    st.owner = owner_name(geteuid());
    st.annotations = cfg.annotations;
    if (opts.cgroup_driver != CgroupDriver::Systemd) {
        // Known before anything exists, so the first record names it already: a create that
        // crashes later leaves a record whose delete finds the cgroup.
        auto host = HULL_TRY(cgroup_host());
        placement =
            HULL_TRY_CTX(cgroups::container_placement(host, cfg.linux->cgroupsPath, opts.id),
                         "linux.cgroupsPath");
        save_cgroup_path(st, *placement);
    }
    container.emplace(HULL_TRY(store.create(opts.id, st)));
    int dirfd = container->dirfd();
    {
        // The snapshot leaves out the annotations (state keeps them, in annotations.json):
        // one copy of a large annotation in the state dir, and start/delete parse a small file.
        auto snapshot = to_json(cfg);
        snapshot.erase("annotations");
        HULL_TRY_CTX(container->write_file("config.json", snapshot.dump()), "save config");
    }
    if (mkfifoat(dirfd, std::string(kExecFifo).c_str(), 0600) < 0)
        return fail_errno("mkfifo exec.fifo");
    fifo.reset(openat(dirfd, std::string(kExecFifo).c_str(), O_PATH | O_CLOEXEC));
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
    return {};
}

// Everything the init gets from us at the clone: console route, seccomp program, sync
// socket, its cgroup, idmapped trees, joined pid/time namespaces and the trampoline.
Result<void> Parent::prepare_init() {
    if (wants_terminal())
        console = HULL_TRY(terminal::console_route(
            console_mode == ConsoleMode::Socket ? opts.console_socket : std::string()));
    // The seccomp program is compiled (or taken from the cache) here; the init loads it.
    if (cfg.linux->seccomp)
        sec.emplace(HULL_TRY(seccomp::prepare(*cfg.linux->seccomp, state_root, cfg.ociVersion)));
    sync = HULL_TRY(make_sync_pair());
    HULL_TRY(make_cgroup());
    // idmap mounts with their own mappings are made here, in the host user namespace (and
    // before prepare_cloner, so that their helper child stays in our pid namespace).
    idmapped = HULL_TRY(rootfs::make_idmapped_trees(cfg, bundle));
    // With a user namespace joined by path, the joiner does this in that namespace.
    if (!plan.joined_user) HULL_TRY(ns::prepare_cloner(plan, cfg));
    // CVE-2019-5736: the sealed trampoline, when the container could write hull's binary (a
    // joined user namespace's maps are not known here: counted as shared).
    if (cfg.process)
        trampoline = HULL_TRY(exe_guard::trampoline_for(
            *cfg.process, plan.new_user ? exe_guard::UserNs::Own : exe_guard::UserNs::Shared,
            plan.uid_map, plan.gid_map));
    return {};
}

// Clones the init (which runs init_main and never returns here), then places it.
Result<void> Parent::clone_init() {
    sys::CloneRequest req;
    req.flags = plan.clone_flags;
    req.pidfd = sys::WantPidFd::Yes;
    UniqueFd cgroup_dir;
    // A user manager's unit is outside what a rootless hull may write to (CLONE_INTO_CGROUP
    // would be refused): the init is cloned here and moved like on v1 (enter_cgroup).
    const bool user_unit = unit.started() && unit.unit().manager == cgroups::systemd::Manager::User;
    if (cgroup && cgroup->host().layout == cgroups::Layout::Unified && !user_unit) {
        cgroup_dir = HULL_TRY(cgroup->open_unified_dir());
        req.cgroup_fd = cgroup_dir.get();
    } else if (req.flags & CLONE_NEWCGROUP) {
        // v1 has no CLONE_INTO_CGROUP (and a user unit's is not used): the init makes its cgroup
        // namespace itself once we have moved it, so the namespace's root is the container's
        // cgroup.
        req.flags &= ~static_cast<uint64_t>(CLONE_NEWCGROUP);
        cgroupns = CgroupNsMode::UnshareWhenPlaced;
    }
    const InitContext ctx{.cfg = &cfg,
                          .plan = plan,
                          .bundle = bundle,
                          .rootfs = rootfs,
                          .sync_fd = sync.child.get(),
                          .fifo_fd = fifo.get(),
                          .console_fd = console.to_child.get(),
                          .preserve_fds = opts.preserve_fds,
                          .listen_fds = opts.listen_fds,
                          .pivot = opts.pivot,
                          .state = st,
                          .idmapped = &idmapped,
                          .cgroupns = cgroupns,
                          .cgroup_dirs =
                              cgroup ? cgroup_dirs(*cgroup) : std::vector<rootfs::CgroupView>{},
                          .seccomp = sec ? &*sec : nullptr,
                          .trampoline_fd = trampoline ? trampoline.get() : -1,
                          .oom_by_parent = true};
    (void)log::file_fd(); // open --log before the clone: the init keeps that fd
    oom =
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
    // What the init inherited is its own now.
    sec.reset(); // the listener connection now belongs to the init
    sync.child.reset();
    console.to_child.reset();
    cgroup_dir.reset();
    trampoline.reset();
    return place_init(child);
}

// Before the init builds anything: its cgroup, oomScoreAdj and network devices. A failure
// is also sent to the init, which stops.
Result<void> Parent::place_init(const sys::CloneResult& child) {
    auto r = enter_cgroup(child);
    if (r) r = process::set_oom_score_adj(child.pid, oom);
    if (r && !cfg.linux->netDevices.empty()) r = move_net_devices(child.pid);
    if (!r) sync_send_error(sync.parent.get(), r.error());
    return r;
}

// The id maps of a new user namespace, then the go-ahead the init waits for.
Result<void> Parent::release_maps() {
    if (plan.new_user) {
        auto r = ns::write_id_maps(launched.pid, cfg);
        if (!r) {
            sync_send_error(sync.parent.get(), r.error());
            return std::unexpected(r.error());
        }
        HULL_TRY(sync_send(sync.parent.get(), SyncMsg::MapsWritten));
    }
    if (cgroupns == CgroupNsMode::UnshareWhenPlaced)
        HULL_TRY(sync_send(sync.parent.get(), SyncMsg::CgroupPlaced));
    return {};
}

// The pty master, when `run` receives it in-process.
Result<void> Parent::take_console() {
    if (!console.peer) return {};
    auto [master, name] = HULL_TRY(terminal::recv_master(console.peer.get()));
    launched.console_master = std::move(master);
    return {};
}

// The `created` record and --pid-file, then the init may lose its parent.
Result<void> Parent::record_created() {
    st.pid = launched.pid;
    st.pid_start_time = HULL_TRY(proc::start_time(launched.pid));
    st.status = Status::Created;
    HULL_TRY(container->save(st));
    if (!opts.pid_file.empty())
        HULL_TRY_CTX(fs::write_file_atomic(opts.pid_file, std::to_string(launched.pid)),
                     "write pid file " + opts.pid_file);
    HULL_TRY(sync_send(sync.parent.get(), SyncMsg::Detach));
    // `run` goes on to start, which waits for the init to open exec.fifo, after this answer.
    if (then == AfterLaunch::Exit) HULL_TRY(sync_expect(sync.parent.get(), SyncMsg::Detached));
    return {};
}

// The container's cgroup, made and configured before the init exists: devices rules must let
// the init create the configured devices, and limits hold from the first instruction.
Result<void> Parent::make_cgroup() {
    auto host = HULL_TRY(cgroup_host());
    Resources res = cfg.linux->resources ? *cfg.linux->resources : Resources{};
    if (!res.devices.empty())
        for (auto& rule : cgroups::default_device_rules(cfg.linux->devices))
            res.devices.push_back(std::move(rule));
    if (opts.cgroup_driver == CgroupDriver::Systemd) {
        // systemd makes the cgroup (a transient unit); hull writes the rest of the resources
        const std::string path = HULL_TRY(unit.start(cfg, opts.id, res, st));
        save_cgroup_path(st, cgroups::Placement{.path = path, .per_mount = {}});
        HULL_TRY(container->save(st));
        cgroup.emplace(cgroups::Cgroup::attach(host, path));
    } else {
        std::string path = placement->path; // in the record since reserve_id
        auto made = cgroups::Cgroup::create(host, std::move(*placement));
        if (!made && opts.cgroup_rules == CgroupRules::Rootless &&
            rootless::is_permission_error(made.error().err())) {
            // Rootless rules (runc's): no cgroup at all when nothing asks for one.
            HULL_TRY(rootless::allow_without_cgroup(made.error().context("cgroup " + path), cfg,
                                                    host.layout == cgroups::Layout::Unified));
            st.extra.erase(kCgroupPathKey);
            st.extra.erase(kCgroupPathsKey);
            HULL_TRY(container->save(st));
            log::debug("rootless: no permission for cgroup " + path + ": running without one");
            return {};
        }
        cgroup.emplace(HULL_TRY_CTX(std::move(made), "cgroup " + path));
    }
    std::vector<std::string> warnings;
    HULL_TRY(cgroup->apply(res, cgroups::ApplyMode::Create, warnings));
    for (const auto& w : warnings)
        log::warn(w);
    return {};
}

// Moves the init into its cgroup unless the clone already started it there.
Result<void> Parent::enter_cgroup(const sys::CloneResult& child) {
    if (!child.in_cgroup && cgroup) {
        auto add = [&] { return cgroup->add(child.pid); };
        HULL_TRY_CTX(unit.started() ? join_unit_cgroup(unit.unit(), child.pid, add) : add(),
                     "move the init into cgroup " + cgroup->path());
    }
    unit.release(); // the init holds the unit now
    return {};
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
            if (!hooks::runtime_create_hooks(cfg.hooks)) break; // the init does not wait
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
    // What was made for the init is closed first, as the locals of a single build() were.
    sync = {};
    console = {};
    sec.reset();
    idmapped.clear();
    trampoline.reset();
    fifo.reset();
    kill_init(launched);
    if (cfg.linux && !cfg.linux->find_namespace(NamespaceType::Mount) && !st.rootfs.empty())
        if (auto r = rootfs::release_host_rootfs(st.rootfs); !r)
            log::warn("clean up after a failed create: " + r.error().message());
    if (cgroup) {
        (void)cgroup->signal_all(SIGKILL);
        if (auto r = cgroup->destroy(); !r)
            log::warn("clean up after a failed create: " + r.error().message());
    }
    unit.undo();
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

Result<Launched> launch(const CreateOptions& opts, ConsoleMode console, AfterLaunch then) {
    Parent p(opts, console, then);
    auto r = p.build();
    if (!r) {
        p.undo();
        return std::unexpected(r.error());
    }
    p.launched.container = std::move(p.container);
    p.launched.state = std::move(p.st);
    p.launched.cfg = std::move(p.cfg);
    return std::move(p.launched);
}

Result<void> create(const CreateOptions& opts) {
    HULL_TRY(launch(opts, ConsoleMode::Socket, AfterLaunch::Exit));
    return {};
}

} // namespace hull::runtime
