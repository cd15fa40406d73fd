// The container init, from clone to execve. Each step's failure goes to the parent over the
// sync socket while `create` runs, and to `start` over exec.fifo afterwards.
#include "runtime/init.hpp"

#include "hooks/hooks.hpp"
#include "process/process.hpp"
#include "rootfs/rootfs.hpp"
#include "runtime/become.hpp"
#include "runtime/sync.hpp"
#include "sys/fds.hpp"
#include "sys/pty.hpp"
#include "terminal/terminal.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <vector>

namespace hull::runtime {
namespace {

// runc looks args[0] up before `create` returns (Go's exec.LookPath), so a command that is
// missing or has no execute bit fails `create`, and callers map that error to their status
// (podman and docker: 127 for "no such file or directory", 126 for "permission denied";
// containerd's shim cleans up a failed create at once, a failed start only after it has seen
// the init exit). Only the file type and mode bits are checked here, as root, with the
// rootfs in place; the real lookup, as the process's user, stays right before execve.
// Skipped when a startContainer hook could still add the file or PATH has a relative entry
// (it would be relative to the final cwd).
bool has_exec_bit(const struct stat& st) {
    return !S_ISDIR(st.st_mode) && (st.st_mode & 0111) != 0;
}

Result<void> check_command(const Config& cfg) {
    if (!cfg.process || cfg.process->args.empty() || !cfg.hooks.startContainer.empty()) return {};
    const Process& p = *cfg.process;
    const std::string& arg0 = p.args[0];
    struct stat st {};
    if (arg0.find('/') != std::string::npos) {
        const std::string path = arg0.starts_with('/') ? arg0 : p.cwd + "/" + arg0;
        if (stat(path.c_str(), &st) != 0) {
            if (errno != ENOENT) return {};
            return std::unexpected(Error(ENOENT, "exec " + arg0 + ": no such file or directory"));
        }
        if (has_exec_bit(st)) return {};
        return std::unexpected(Error(EACCES, "exec " + arg0 + ": permission denied"));
    }
    std::string_view path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (const auto& e : p.env)
        if (e.starts_with("PATH=")) {
            path = std::string_view(e).substr(5);
            break;
        }
    while (true) {
        const size_t colon = path.find(':');
        const std::string_view dir = path.substr(0, colon);
        if (!dir.starts_with('/')) return {};
        if (stat((std::string(dir) + "/" + arg0).c_str(), &st) == 0 && has_exec_bit(st)) return {};
        if (colon == std::string_view::npos) break;
        path.remove_prefix(colon + 1);
    }
    return std::unexpected(
        Error(ENOENT, "exec: \"" + arg0 + "\": executable file not found in $PATH"));
}

struct Init {
    explicit Init(const InitContext& c) : ctx(c), cfg(*c.cfg) {}

    const InitContext& ctx;
    const Config& cfg;
    UniqueFd rootfd;
    UniqueFd procfd;  // the host /proc, to reopen exec.fifo after pivot_root
    int host_pid = 0; // our pid in the host's pid namespace (for the seccomp listener)
    std::optional<terminal::Pty> pty;
    process::HostLsms lsms;

    // Steps while `create` waits for us.
    Result<void> build();
    // Steps after `start` released us; returns only on failure. `report_fd` is exec.fifo.
    Error become_process(int report_fd);
    std::vector<int> preserved() const {
        std::vector<int> v;
        for (int i = 0; i < ctx.preserve_fds; ++i)
            v.push_back(3 + i);
        return v;
    }
};

Result<void> Init::build() {
    if (ctx.plan.new_user) {
        HULL_TRY(sync_expect(ctx.sync_fd, SyncMsg::MapsWritten));
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
            return fail_errno("become root in the user namespace");
        prctl(PR_SET_DUMPABLE, 0); // an unprivileged `create` left it on for the maps
    }
    HULL_TRY(ns::join_child(ctx.plan));
    if (ctx.cgroupns == CgroupNsMode::UnshareWhenPlaced) {
        HULL_TRY(sync_expect(ctx.sync_fd, SyncMsg::CgroupPlaced));
        if (unshare(CLONE_NEWCGROUP) < 0) return fail_errno("unshare the cgroup namespace");
    }
    HULL_TRY(ns::set_names(cfg));
    if (cfg.process && process::has_lsm_label(*cfg.process)) lsms = process::detect_host_lsms();

    rootfs::PrepareOptions ro;
    ro.rootfs = ctx.rootfs;
    ro.bundle = ctx.bundle;
    ro.idmapped = ctx.idmapped;
    ro.cgroup_views = ctx.cgroup_dirs;
    bool own_cgroupns =
        ctx.cgroupns == CgroupNsMode::UnshareWhenPlaced || (ctx.plan.clone_flags & CLONE_NEWCGROUP);
    ro.cgroupns = own_cgroupns ? rootfs::CgroupNs::Own : rootfs::CgroupNs::Shared;
    bool own_mntns = cfg.linux->find_namespace(NamespaceType::Mount) != nullptr;
    ro.mount_ns = own_mntns ? rootfs::MountNs::Own : rootfs::MountNs::Host;
    rootfd = HULL_TRY(rootfs::prepare(cfg, ro));

    if (ctx.console_fd >= 0) {
        pty.emplace(HULL_TRY_CTX(terminal::open_pty(rootfd.get()), "set up the terminal"));
        if (cfg.process->consoleSize)
            HULL_TRY(terminal::set_size(pty->master.get(), *cfg.process->consoleSize));
        HULL_TRY(rootfs::bind_console(rootfd.get(), pty->host_path));
        HULL_TRY_CTX(terminal::send_master(ctx.console_fd, *pty), "send the console");
        pty->master.reset();
        close(ctx.console_fd);
    }

    // Sent even without such hooks: from here on a failed create runs the poststop hooks.
    HULL_TRY(sync_send(ctx.sync_fd, SyncMsg::CreateHooks));
    if (hooks::runtime_create_hooks(cfg.hooks))
        HULL_TRY(sync_expect(ctx.sync_fd, SyncMsg::CreateHooksDone));
    if (!cfg.hooks.createContainer.empty()) {
        ContainerState st = ctx.state;
        st.pid = getpid();
        HULL_TRY(hooks::run(hooks::HookKind::CreateContainer, cfg.hooks.createContainer,
                            to_runc_json(st, Status::Creating).dump()));
    }
    if (pty) {
        // As runc, the init holds the terminal, not the caller's stdio, once `create` returns:
        // go-runc (containerd's shim) reads `create`'s output until every copy of its pipe
        // is closed, and only then receives the console master.
        HULL_TRY_CTX(pty::dup_onto_stdio(pty->slave.get()), "put the terminal on stdio");
    }

    procfd.reset(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!procfd) return fail_errno("open /proc");
    if (char self[32]{}; readlinkat(procfd.get(), "self", self, sizeof(self) - 1) > 0)
        host_pid = std::atoi(self);
    {
        // Check now that we will be able to open exec.fifo for writing after pivot_root:
        // with nobody reading it, a permitted non-blocking open fails with ENXIO.
        std::string self_fd = "self/fd/" + std::to_string(ctx.fifo_fd);
        int probe = openat(procfd.get(), self_fd.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (probe >= 0)
            close(probe);
        else if (errno != ENXIO)
            return fail_errno("open exec.fifo for writing");
    }
    HULL_TRY(rootfs::enter(cfg, rootfd.get(),
                           !own_mntns                        ? rootfs::PivotMode::Chroot
                           : ctx.pivot == PivotMode::NoPivot ? rootfs::PivotMode::NoPivot
                                                             : rootfs::PivotMode::PivotRoot));
    HULL_TRY(rootfs::finalize(cfg));
    HULL_TRY(check_command(cfg));
    return {};
}

Error Init::become_process(int report_fd) {
    if (!cfg.hooks.startContainer.empty()) {
        ContainerState st = ctx.state;
        st.pid = getpid();
        auto r = hooks::run(hooks::HookKind::StartContainer, cfg.hooks.startContainer,
                            to_runc_json(st, Status::Created).dump());
        if (!r) return r.error();
    }
    Process p = *cfg.process;
    if (ctx.listen_fds > 0) { // socket activation: runc adds LISTEN_FDS and LISTEN_PID=1
        p.env.push_back("LISTEN_FDS=" + std::to_string(ctx.listen_fds));
        p.env.push_back("LISTEN_PID=1");
    }
    if (ctx.oom_by_parent) p.oomScoreAdj.reset();
    if (pty) {
        auto r = terminal::become_session_leader_on(std::move(pty->slave));
        if (!r) return r.error();
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);

    // The fifo is not kept: close-on-exec, it closes at execve, which tells `start` we got there.
    // Through the trampoline it stays open until the trampoline's own execve.
    std::vector<int> keep = preserved();
    if (ctx.trampoline_fd >= 0) keep.push_back(report_fd);
    return prepare_and_exec({.cfg = cfg,
                             .process = p,
                             .keep_fds = keep,
                             .lsms = lsms,
                             .seccomp = ctx.seccomp,
                             .state = ctx.state,
                             .status = Status::Created,
                             .host_pid = host_pid,
                             .trampoline_fd = ctx.trampoline_fd,
                             .report_fd = report_fd,
                             .warnings = PrepareWarnings::Drop});
}

[[noreturn]] void die(int fd, const Error& e) {
    if (fd >= 0) {
        const std::string& text = e.message(); // follows the "released" byte
        (void)!write(fd, text.data(), text.size());
    }
    _exit(1);
}

} // namespace

void init_main(const InitContext& ctx) {
    // The parent may die while we build: then we die too. Cleared once it has our state.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1) _exit(1);
    {
        // Drop every fd we inherited by accident: the store's lock above all, or `start`
        // would wait for it. Keep stdio, the preserved fds and our own channels.
        std::vector<int> keep{ctx.sync_fd, ctx.fifo_fd};
        if (ctx.console_fd >= 0) keep.push_back(ctx.console_fd);
        if (ctx.seccomp && ctx.seccomp->listener) keep.push_back(ctx.seccomp->listener.get());
        if (ctx.trampoline_fd >= 0) keep.push_back(ctx.trampoline_fd);
        if (const int log_fd = log::file_fd(); log_fd >= 0) keep.push_back(log_fd);
        if (ctx.idmapped)
            for (const auto& t : *ctx.idmapped)
                keep.push_back(t.tree.get());
        for (int i = 0; i < ctx.preserve_fds; ++i)
            keep.push_back(3 + i);
        (void)sys::close_fds_from(3, sys::FdAction::Close, keep);
    }
    Init init(ctx);
    if (auto r = init.build(); !r) {
        sync_send_error(ctx.sync_fd, r.error());
        _exit(1);
    }
    (void)sync_send(ctx.sync_fd, SyncMsg::Ready);
    if (!sync_expect(ctx.sync_fd, SyncMsg::Detach)) _exit(1);
    prctl(PR_SET_PDEATHSIG, 0);
    (void)sync_send(ctx.sync_fd, SyncMsg::Detached);
    close(ctx.sync_fd);

    // Wait for `start`: opening the fifo for writing blocks until it opens it for reading.
    std::string self_fd = "self/fd/" + std::to_string(ctx.fifo_fd);
    int fifo = openat(init.procfd.get(), self_fd.c_str(), O_WRONLY | O_CLOEXEC);
    if (fifo < 0) _exit(1);
    close(ctx.fifo_fd);
    init.procfd.reset();
    if (write(fifo, "\x00", 1) != 1) _exit(1);
    if (!ctx.cfg->process) die(fifo, Error::msg("process: the config has no process to start"));
    die(fifo, init.become_process(fifo));
}

} // namespace hull::runtime
