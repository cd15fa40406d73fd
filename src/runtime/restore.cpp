// restore: a container made again from criu images. hull builds what criu does not restore
// itself (the state record, the cgroup with the config's limits, the rootfs bind mount criu
// restores into), runs `criu restore --restore-detached` inside the new cgroup, and records
// the restored init. prestart/createRuntime hooks run at criu's setup-namespaces step, as runc
// runs them. Any failure removes everything again.
#include "hooks/hooks.hpp"
#include "hull/checkpoint.hpp"
#include "hull/config_parse.hpp"
#include "rootfs/path.hpp"
#include "runtime/container_cgroup.hpp"
#include "runtime/criu_args.hpp"
#include "runtime/criu_run.hpp"
#include "runtime/forward.hpp"
#include "runtime/launch.hpp"
#include "state/store.hpp"
#include "sys/pidfd.hpp"
#include "terminal/terminal.hpp"
#include "util/fs.hpp"
#include "util/io.hpp"
#include "util/log.hpp"
#include "util/proc.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>

namespace hull::runtime {
namespace {

constexpr const char* kCriuRoot = "criu-root";
constexpr const char* kHookReq = "restore-hooks.req";
constexpr const char* kHookResp = "restore-hooks.resp";

Result<std::string> real_dir(const std::string& path, std::string_view what) {
    char buf[PATH_MAX];
    if (!realpath(path.c_str(), buf)) return fail_errno(std::string(what) + " " + path);
    struct stat st;
    if (stat(buf, &st) < 0) return fail_errno(std::string(what) + " " + path);
    if (!S_ISDIR(st.st_mode)) return fail_sys(ENOTDIR, std::string(what) + " " + path);
    return std::string(buf);
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char ch : s)
        out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return out + "'";
}

// The targets of the external mounts, made in the rootfs where they are missing (a rootfs
// restored from an exported checkpoint lacks what the first create made there), as `create`
// makes them: a directory for a directory source, else an empty file. criu restores the
// container's own mounts (its cgroup tmpfs included) itself.
Result<void> make_mountpoints(const Config& cfg, const std::string& rootfs,
                              const std::vector<criu::ExternalMount>& mounts) {
    UniqueFd root(open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return fail_errno("open " + rootfs);
    auto in_cgroup_mount = [&](const std::string& key) {
        for (const auto& cm : cfg.mounts)
            if (cm.type && *cm.type == "cgroup" && key.starts_with(cm.destination)) return true;
        return false;
    };
    for (const auto& m : mounts) {
        if (m.source.empty() || in_cgroup_mount(m.key)) continue;
        struct stat st {};
        if (stat(m.source.c_str(), &st) < 0) continue; // criu says what is missing
        const auto kind = S_ISDIR(st.st_mode) ? rootfs::EntryKind::Dir : rootfs::EntryKind::File;
        HULL_TRY_CTX(rootfs::create_mountpoint_in_root(root.get(), m.key, kind),
                     "restore: the mount point " + m.key);
    }
    return {};
}

struct Restorer {
    const RestoreOptions& o;
    Config cfg = {};
    ContainerState st = {};
    std::optional<Container> container = {};
    std::optional<cgroups::Cgroup> cgroup = {};
    std::string criu_root = {}; // mounted while set
    bool hooks_started = false;
    pid_t restored = 0;
    std::string work_log = {}; // criu's restore.log

    Result<void> run();
    Result<void> make_cgroup();
    Result<void> wait_criu(pid_t criu_pid, int req_fd);
    Result<void> run_hooks(int req_fd);
    void unmount_root();
    void undo();
};

Result<void> Restorer::make_cgroup() {
    auto host = HULL_TRY(cgroup_host());
    auto where =
        HULL_TRY_CTX(cgroups::container_placement(host, cfg.linux->cgroupsPath, o.create.id),
                     "linux.cgroupsPath");
    save_cgroup_path(st, where);
    HULL_TRY(container->save(st));
    std::string path = where.path;
    cgroup.emplace(HULL_TRY_CTX(cgroups::Cgroup::create(host, std::move(where)), "cgroup " + path));
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

// The action script asked for the hooks (it wrote the init's pid): run them and answer.
Result<void> Restorer::run_hooks(int req_fd) {
    std::string text;
    char buf[64];
    ssize_t n;
    while ((n = read(req_fd, buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    hooks_started = true;
    ContainerState hs = st;
    hs.pid = static_cast<pid_t>(std::atoi(text.c_str()));
    std::string state = hook_state(hs, Status::Creating);
    auto r = hooks::run(hooks::HookKind::Prestart, cfg.hooks.prestart, state);
    if (r) r = hooks::run(hooks::HookKind::CreateRuntime, cfg.hooks.createRuntime, state);
    // the script waits on the answer fifo: open it as soon as it is there
    std::string resp = container->path() + "/" + kHookResp;
    UniqueFd w;
    for (int i = 0; i < 1000 && !w; ++i) {
        w = UniqueFd(open(resp.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
        if (!w) usleep(10000);
    }
    if (w) {
        std::string answer = r ? "ok\n" : "fail\n";
        (void)!write(w.get(), answer.data(), answer.size());
    }
    return r;
}

Result<void> Restorer::wait_criu(pid_t criu_pid, int req_fd) {
    auto pidfd = HULL_TRY(sys::pidfd_open(criu_pid));
    Result<void> hooks_result;
    for (;;) {
        struct pollfd p[2] = {{pidfd.get(), POLLIN, 0}, {req_fd, POLLIN, 0}};
        const int n = io::retry_eintr([&] { return poll(p, req_fd >= 0 ? 2 : 1, -1); });
        if (n < 0) return fail_errno("poll");
        if (req_fd >= 0 && (p[1].revents & (POLLIN | POLLHUP))) {
            hooks_result = run_hooks(req_fd);
            req_fd = -1;
        }
        if (p[0].revents & POLLIN) break;
    }
    int code = HULL_TRY(criu::wait_exit(criu_pid));
    if (!hooks_result) return std::unexpected(hooks_result.error());
    if (code != 0) return std::unexpected(criu::failure("criu restore", code, work_log));
    return {};
}

void Restorer::unmount_root() {
    if (criu_root.empty()) return;
    if (umount2(criu_root.c_str(), MNT_DETACH) < 0)
        log::warn("restore: unmount " + criu_root + ": " + strerror(errno));
    (void)rmdir(criu_root.c_str());
    criu_root.clear();
}

void Restorer::undo() {
    if (restored > 0) ::kill(restored, SIGKILL);
    if (cgroup) {
        (void)cgroup->signal_all(SIGKILL);
        if (auto r = cgroup->destroy(); !r)
            log::warn("clean up after a failed restore: " + r.error().message());
    }
    unmount_root();
    if (!container) return;
    if (hooks_started) run_poststop(cfg, st);
    if (auto r = container->destroy(); !r)
        log::warn("clean up after a failed restore: " + r.error().message());
}

Result<void> Restorer::run() {
    const CreateOptions& co = o.create;
    HULL_TRY(validate_id(co.id));
    HULL_TRY(criu::usable());
    auto common = HULL_TRY(criu::common_from(o.criu, criu::MakeDirs::No));
    std::string bundle = HULL_TRY(real_dir(co.bundle.empty() ? "." : co.bundle, "bundle"));
    cfg = HULL_TRY(
        load_config_file(co.config_path.empty() ? bundle + "/config.json" : co.config_path));
    if (!cfg.linux) return fail("linux: a Linux container needs the linux section");
    const bool terminal = cfg.process && cfg.process->terminal.value_or(false);
    if (terminal && co.console_socket.empty())
        return fail("restore: process.terminal is set: --console-socket is required");
    common.network_lock = criu::network_lock_for(cfg, common);
    std::string rootfs = cfg.root.path;
    if (rootfs.empty() || rootfs[0] != '/') rootfs = bundle + "/" + rootfs;
    rootfs = HULL_TRY(real_dir(rootfs, "root.path"));
    // a joined network namespace is handed to criu as the external one of the dump
    UniqueFd netns;
    if (const auto* ns = cfg.linux->find_namespace(NamespaceType::Network); ns && ns->path) {
        netns = UniqueFd(open(ns->path->c_str(), O_RDONLY | O_CLOEXEC));
        if (!netns) return fail_errno("open network namespace " + *ns->path);
    }

    auto store = HULL_TRY(Store::open_root(co.root));
    st.id = co.id;
    st.status = Status::Creating;
    st.bundle = bundle;
    st.rootfs = rootfs;
    st.created = proc::rfc3339_now();
    st.owner = owner_name(geteuid());
    st.annotations = cfg.annotations;
    container.emplace(HULL_TRY(store.create(co.id, st)));
    HULL_TRY_CTX(container->write_file("config.json", to_json(cfg).dump()), "save config");
    HULL_TRY(make_cgroup());

    // criu restores into a mount point: the rootfs bound under the container's directory
    std::string mp = container->path() + "/" + kCriuRoot;
    if (mkdir(mp.c_str(), 0700) < 0) return fail_errno("mkdir " + mp);
    if (mount(rootfs.c_str(), mp.c_str(), nullptr, MS_BIND | MS_REC, nullptr) < 0) {
        (void)rmdir(mp.c_str());
        return fail_errno("bind " + rootfs + " on " + mp);
    }
    criu_root = mp;

    criu::RestorePlan plan{
        .root = mp, .pidfile = common.work_dir + "/restore.pid", .cgroup_root = cgroup->path()};
    (void)unlink(plan.pidfile.c_str());
    plan.mounts = criu::external_mounts(cfg, bundle, criu::cgroup_binds(cfg, *cgroup));
    HULL_TRY(make_mountpoints(cfg, rootfs, plan.mounts));
    if (auto saved = fs::read_file(common.image_dir + "/hull-stdio"))
        plan.inherit_fds = criu::inherit_stdio(*saved);
    std::vector<int> keep;
    // A terminal container: a new pty in place of the one it had (criu knows that one by its
    // key, saved at checkpoint); the master goes to the console socket as `create` sends it,
    // the slave to criu.
    terminal::Pty pty;
    if (terminal) {
        auto key = fs::read_line_file(AT_FDCWD, common.image_dir + "/hull-tty");
        if (!key || key->empty())
            return fail("restore: the checkpoint has no terminal (hull-tty) for a container with "
                        "process.terminal");
        std::string tty = *key;
        while (!tty.empty() && (tty.back() == '\n' || tty.back() == '\r'))
            tty.pop_back();
        UniqueFd host_root(open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!host_root) return fail_errno("open /");
        pty = HULL_TRY_CTX(terminal::open_pty(host_root.get()), "restore: a new terminal");
        if (cfg.process->consoleSize)
            HULL_TRY(terminal::set_size(pty.master.get(), *cfg.process->consoleSize));
        auto route = HULL_TRY(terminal::console_route(co.console_socket));
        HULL_TRY(terminal::send_master(route.to_child.get(), pty));
        plan.inherit_fds.emplace_back(pty.slave.get(), tty);
        plan.mounts.push_back({.key = std::string(criu::kConsole), .source = pty.name});
        keep.push_back(pty.slave.get());
    }
    if (netns) {
        plan.inherit_fds.emplace_back(netns.get(), std::string(criu::kExtNetNs));
        keep.push_back(netns.get());
    }
    UniqueFd req;
    if (!cfg.hooks.prestart.empty() || !cfg.hooks.createRuntime.empty()) {
        std::string rq = container->path() + "/" + kHookReq;
        std::string rs = container->path() + "/" + kHookResp;
        if (mkfifo(rq.c_str(), 0600) < 0 || mkfifo(rs.c_str(), 0600) < 0)
            return fail_errno("mkfifo for the restore hooks");
        req = UniqueFd(open(rq.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
        if (!req) return fail_errno("open " + rq);
        std::string script = "#!/bin/sh\n"
                             "[ \"$CRTOOLS_SCRIPT_ACTION\" = setup-namespaces ] || exit 0\n"
                             "echo \"$CRTOOLS_INIT_PID\" > " +
                             shell_quote(rq) +
                             "\n"
                             "read r < " +
                             shell_quote(rs) +
                             "\n"
                             "[ \"$r\" = ok ]\n";
        HULL_TRY(container->write_file("restore-hooks.sh", script, 0700));
        plan.action_script = container->path() + "/restore-hooks.sh";
    }
    work_log = common.work_dir + "/restore.log";

    if (o.subreaper == Subreaper::Yes) prctl(PR_SET_CHILD_SUBREAPER, 1);
    auto args = criu::restore_args(common, plan);
    const cgroups::Cgroup& cg = *cgroup;
    pid_t criu_pid = HULL_TRY(criu::spawn(
        args, [&cg]() { return with_context(cg.add(getpid()), "enter the container's cgroup"); },
        keep));
    auto waited = wait_criu(criu_pid, req.get());
    if (auto text = fs::read_file(plan.pidfile))
        restored = static_cast<pid_t>(std::atoi(text->c_str()));
    if (!waited) return std::unexpected(waited.error());
    if (restored <= 0) return fail("criu restore did not write the pid of the restored init");
    unmount_root();

    st.pid = restored;
    st.pid_start_time = HULL_TRY(proc::start_time(restored));
    st.status = Status::Running;
    HULL_TRY(container->save(st));
    if (!co.pid_file.empty())
        HULL_TRY_CTX(fs::write_file_atomic(co.pid_file, std::to_string(restored)),
                     "write pid file " + co.pid_file);
    return {};
}

} // namespace

Result<int> restore(const RestoreOptions& o) {
    Restorer r{.o = o};
    if (auto done = r.run(); !done) {
        r.undo();
        return std::unexpected(done.error());
    }
    pid_t pid = r.restored;
    r.container.reset(); // drops the lock: the container is usable by other commands now
    if (o.mode == RunMode::Detach) return 0;
    // In the foreground hull waits for the restored init (its child when hull is a subreaper,
    // as criu detached from it), then deletes the container, as `run` does.
    auto pidfd = HULL_TRY(sys::pidfd_open(pid));
    HULL_TRY(forward_until_exit(pidfd.get()));
    int code = 0;
    if (auto exit = sys::pidfd_wait(pidfd.get())) code = exit->shell_code();
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (auto rm = remove(o.create.root, o.create.id, DeleteMode::Force); !rm)
        log::warn(rm.error().message());
    return code;
}

} // namespace hull::runtime
