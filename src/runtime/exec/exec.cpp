// `hull exec`, the parent side: checks, the process, the namespaces and cgroup to enter,
// the clone into the container's pid namespace, then waits or detaches. See
// docs/ARCHITECTURE.md ("exec").
#include "hull/exec.hpp"
#include "hull/config_parse.hpp"
#include "runtime/container_handle.hpp"
#include "runtime/exe_guard.hpp"
#include "runtime/exec/enter.hpp"
#include "runtime/exec/userns_clone.hpp"
#include "runtime/forward.hpp"
#include "runtime/launch.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/rootless.hpp"
#include "runtime/systemd_unit.hpp"
#include "state/store.hpp"
#include "sys/clone.hpp"
#include "sys/fdpass.hpp"
#include "sys/ns.hpp"
#include "sys/pidfd.hpp"
#include "terminal/terminal.hpp"
#include "util/fs.hpp"
#include "util/io.hpp"
#include "util/log.hpp"
#include "util/proc.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

namespace hull::runtime {
namespace {

// The init's namespaces that differ from ours, with an fd of each, in the table's join order
// (the user namespace first: the per-file fallback must enter it before the others).
struct Namespaces {
    int flags = 0;
    std::vector<std::pair<UniqueFd, int>> fds;
    int fd_of(int flag) const {
        for (const auto& [fd, t] : fds)
            if (t == flag) return fd.get();
        return -1;
    }
};

Result<Namespaces> namespaces_of(pid_t pid) {
    Namespaces out;
    std::string dir = "/proc/" + std::to_string(pid) + "/ns/";
    for (const auto& k : sys::kNamespaceKinds) {
        const std::string name(k.proc_name);
        struct stat theirs {
        }, ours{};
        if (stat((dir + name).c_str(), &theirs) < 0) {
            if (errno == ENOENT) continue; // the kernel lacks this namespace type
            return fail_errno("stat " + dir + name);
        }
        if (stat(("/proc/self/ns/" + name).c_str(), &ours) < 0) continue;
        if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) continue;
        UniqueFd fd(open((dir + name).c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return fail_errno("open " + dir + name);
        out.flags |= k.flag;
        out.fds.emplace_back(std::move(fd), k.flag);
    }
    return out;
}

Result<UniqueFd> open_init(const ContainerState& st) {
    if (st.pid <= 0) return fail_sys(ESRCH, "container not running");
    auto fd = sys::pidfd_open(st.pid);
    if (!fd || proc::liveness(st.pid, st.pid_start_time) != proc::Liveness::Alive)
        return fail_sys(ESRCH, "container not running");
    return fd;
}

Result<Process> load_process(const ExecOptions& o, const Config& cfg) {
    if (!o.process_file.empty()) {
        auto text = HULL_TRY(fs::read_file(o.process_file));
        std::vector<std::string> warnings;
        auto p = HULL_TRY_CTX(parse_process(text, &warnings), o.process_file);
        for (const auto& w : warnings)
            log::warn(w);
        return p;
    }
    if (!cfg.process) return fail("process: the container's config has no process");
    return process_from_flags(*cfg.process, o.flags);
}

// Where the process goes: the container's cgroup or a sub-cgroup of it (--cgroup).
struct CgroupTarget {
    std::optional<cgroups::Cgroup> cg;
    std::map<std::string, std::string> subs;
    std::optional<SystemdUnit> unit; // the systemd driver's unit, which may move the process

    std::string dir_in(const cgroups::Hierarchy& h) const {
        std::string dir = cg->dir_in(h);
        auto sub = subs.find("");
        if (!h.v2)
            for (const auto& c : h.controllers)
                if (auto it = subs.find(c); it != subs.end()) sub = it;
        if (sub != subs.end()) dir += "/" + sub->second;
        return dir;
    }
    // A cgroup2 directory fd for CLONE_INTO_CGROUP (unified hosts only).
    Result<UniqueFd> unified_dir() const {
        if (!cg || cg->host().layout != cgroups::Layout::Unified) return UniqueFd();
        std::string dir = dir_in(*cg->host().unified());
        UniqueFd fd(open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!fd) return fail_errno("cgroup " + dir);
        return fd;
    }
    Result<void> place(pid_t pid) const {
        if (!cg) return {};
        if (subs.empty()) {
            auto add = [&] { return cg->add(pid); };
            return with_context(unit ? join_unit_cgroup(*unit, pid, add) : add(),
                                "join the container's cgroup " + cg->path());
        }
        for (const auto& h : cg->host().hierarchies) {
            std::string dir = dir_in(h);
            UniqueFd f(open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
            std::string text = std::to_string(pid);
            if (!f || write(f.get(), text.data(), text.size()) < 0)
                return fail_errno("join cgroup " + dir);
        }
        return {};
    }
};

// Reads what the child sends until EOF: nothing when it reached execve, else its error.
Result<void> wait_for_execve(int sync_fd) {
    const std::string text = HULL_TRY(io::read_all(sync_fd, "read from the exec child"));
    if (!text.empty()) return fail(text);
    return {};
}

Result<void> send_pidfd(const std::string& path, int pidfd) {
    auto sock = HULL_TRY_CTX(fdpass::connect_unix(path), "connect to pidfd socket " + path);
    return with_context(fdpass::send_fd(sock.get(), pidfd, "pidfd"), "send the pidfd");
}

// `exec` as a list of phases; each fills the members the later ones use.
struct Parent {
    explicit Parent(const ExecOptions& opts) : o(opts) {}

    const ExecOptions& o;
    // open_and_check
    std::optional<ContainerHandle> container;
    const Config* cfg = nullptr;
    Process process;
    // find_init
    UniqueFd init_pidfd;
    Namespaces ns;
    UniqueFd init_root;
    UniqueFd trampoline;
    // prepare_child
    CgroupTarget target;
    UniqueFd cgroup_dir;
    std::optional<seccomp::Launch> sec;
    terminal::ConsoleRoute console;
    std::pair<UniqueFd, UniqueFd> sync; // ours, the child's
    std::optional<int32_t> oom;         // process.oomScoreAdj, written by us after the clone
    // clone_child, start_child
    pid_t pid = 0;
    UniqueFd pidfd;
    bool in_cgroup = false; // CLONE_INTO_CGROUP placed it
    UniqueFd master;

    Result<int> run();
    Result<void> open_and_check();
    Result<void> find_init();
    Result<void> prepare_child();
    Result<void> clone_child();
    Result<void> start_child();
    Result<int> wait_for_exit();
    void kill_child();
};

Result<int> Parent::run() {
    HULL_TRY(open_and_check());
    HULL_TRY(find_init());
    HULL_TRY(prepare_child());
    HULL_TRY(clone_child());
    if (auto r = start_child(); !r) {
        kill_child();
        return std::unexpected(r.error());
    }
    if (o.mode == ExecMode::Detach) return 0;
    return wait_for_exit();
}

// The container (locked, created or running; paused too with --ignore-paused), its config
// snapshot and the process to run.
Result<void> Parent::open_and_check() {
    container.emplace(HULL_TRY(open_container(o.root, o.id, std::nullopt)));
    const Status status = container->status();
    if (status != Status::Paused || o.ignore_paused == IgnorePaused::No)
        HULL_TRY(check_operation(status, Operation::Exec, o.id));
    cfg = HULL_TRY(container->config());
    process = HULL_TRY(load_process(o, *cfg));
    bool tty = process.terminal.value_or(false);
    if (tty && o.mode == ExecMode::Detach && o.console_socket.empty())
        return fail("cannot allocate tty if hull will detach without setting console socket");
    if (!tty && !o.console_socket.empty())
        return fail("cannot use console socket if the process has no terminal");
    return {};
}

// The living init: a pidfd, the namespaces that differ from ours, its root, and the
// trampoline when the container could write hull's binary (CVE-2019-5736).
Result<void> Parent::find_init() {
    const ContainerState& st = container->state();
    init_pidfd = HULL_TRY(open_init(st));
    ns = HULL_TRY(namespaces_of(st.pid));
    {
        std::string map_dir = "/proc/" + std::to_string(st.pid) + "/";
        bool own = ns.flags & CLONE_NEWUSER;
        auto uid_map = own ? ns::parse_id_map(fs::read_file(map_dir + "uid_map").value_or(""))
                           : std::vector<IdMapping>{};
        auto gid_map = own ? ns::parse_id_map(fs::read_file(map_dir + "gid_map").value_or(""))
                           : std::vector<IdMapping>{};
        trampoline = HULL_TRY(exe_guard::trampoline_for(
            process, own ? exe_guard::UserNs::Own : exe_guard::UserNs::Shared, uid_map, gid_map));
    }
    init_root.reset(open(("/proc/" + std::to_string(st.pid) + "/root").c_str(),
                         O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!init_root) return fail_errno("open the container's root");
    return {};
}

// What the child gets from us: its cgroup, the seccomp program, the console route and the
// sync socket.
Result<void> Parent::prepare_child() {
    if (const auto* cg = HULL_TRY(container->cgroup())) target.cg = *cg;
    target.subs = HULL_TRY(parse_sub_cgroups(o.cgroups));
    target.unit = systemd_unit(container->state());
    cgroup_dir = HULL_TRY(target.unified_dir());
    if (cfg->linux && cfg->linux->seccomp)
        sec.emplace(
            HULL_TRY(seccomp::prepare(*cfg->linux->seccomp, container->root(), cfg->ociVersion)));
    if (process.terminal.value_or(false))
        console = HULL_TRY(terminal::console_route(o.console_socket));
    sync = HULL_TRY(fdpass::unix_socketpair(SOCK_SEQPACKET));
    // Written by us after the clone: the child is not dumpable (see set_oom_score_adj).
    oom = HULL_TRY(rootless::oom_before_clone(process.oomScoreAdj));
    process.oomScoreAdj.reset();
    return {};
}

// Clones the child into the container's pid namespace (it runs child_main and never returns
// here).
Result<void> Parent::clone_child() {
    // Unprivileged: the child is cloned from inside the user namespace (userns_clone.hpp).
    const bool via_userns =
        geteuid() != 0 && (ns.flags & CLONE_NEWUSER) && (ns.flags & CLONE_NEWPID);
    std::vector<std::pair<int, int>> ns_fds;
    for (const auto& [fd, t] : ns.fds)
        if (t != CLONE_NEWPID && !(via_userns && t == CLONE_NEWUSER))
            ns_fds.emplace_back(fd.get(), t);
    const execproc::ChildContext ctx{.process = &process,
                                     .cfg = cfg,
                                     .init_pidfd = init_pidfd.get(),
                                     .join_flags = ns.flags & ~CLONE_NEWPID &
                                                   ~(via_userns ? CLONE_NEWUSER : 0),
                                     .ns_fds = std::move(ns_fds),
                                     .init_root_fd = init_root.get(),
                                     .sync_fd = sync.second.get(),
                                     .console_fd = console.to_child.get(),
                                     .preserve_fds = o.preserve_fds,
                                     .seccomp = sec ? &*sec : nullptr,
                                     .state = container->state(),
                                     .lsms = process::detect_host_lsms(),
                                     .trampoline_fd = trampoline ? trampoline.get() : -1};
    // The pid namespace applies to children: enter it for the clone, then come back.
    UniqueFd own_pidns;
    if ((ns.flags & CLONE_NEWPID) && !via_userns) {
        own_pidns.reset(open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
        if (!own_pidns) return fail_errno("open /proc/self/ns/pid");
        if (setns(ns.fd_of(CLONE_NEWPID), CLONE_NEWPID) < 0)
            return fail_errno("join the container's pid namespace");
    }
    // Not dumpable from here on (the child inherits it): see docs/security.md.
    prctl(PR_SET_DUMPABLE, 0);
    sys::CloneRequest req;
    req.pidfd = sys::WantPidFd::Yes;
    req.cgroup_fd = cgroup_dir ? cgroup_dir.get() : -1;
    // refused for a rootless caller outside its user manager's tree: place() moves it
    if (target.unit && target.subs.empty()) req.cgroup_refused = sys::CgroupRefused::CloneOutside;
    (void)log::file_fd(); // open --log before the clone: the child keeps that fd
    auto child = via_userns
                     ? execproc::clone_via_userns(ns.fd_of(CLONE_NEWUSER), ns.fd_of(CLONE_NEWPID),
                                                  req, [&ctx] { execproc::child_main(ctx); })
                     : sys::clone_process(req);
    if (child && child->pid == 0) execproc::child_main(ctx); // never returns
    if (own_pidns && setns(own_pidns.get(), CLONE_NEWPID) < 0)
        log::warn("return to our pid namespace: " + std::string(strerror(errno)));
    if (!child) return std::unexpected(Error(child.error()).context("clone the exec process"));
    pid = child->pid;
    pidfd = std::move(child->pidfd);
    in_cgroup = child->in_cgroup;
    // What the child inherited is its own now.
    sync.second.reset();
    console.to_child.reset();
    sec.reset();
    trampoline.reset();
    return {};
}

// Places the child in its cgroup, lets it go and waits for its execve; then the pty master,
// --pidfd-socket and --pid-file. A failure here kills the child (run() does).
Result<void> Parent::start_child() {
    if (!in_cgroup) HULL_TRY(target.place(pid));
    HULL_TRY(process::set_oom_score_adj(pid, oom));
    if (send(sync.first.get(), "g", 1, MSG_NOSIGNAL) != 1)
        return fail_errno("start the exec process");
    // The process is in the container's cgroup now (delete and kill --all find it): let the
    // other commands in, e.g. `resume` of a paused container it is waiting in.
    container->record().unlock();
    HULL_TRY(wait_for_execve(sync.first.get()));
    if (console.peer) master = HULL_TRY(terminal::recv_master(console.peer.get())).first;
    if (!o.pidfd_socket.empty()) HULL_TRY(send_pidfd(o.pidfd_socket, pidfd.get()));
    if (!o.pid_file.empty())
        HULL_TRY_CTX(fs::write_file_atomic(o.pid_file, std::to_string(pid)),
                     "write pid file " + o.pid_file);
    return {};
}

// In the foreground: relays the terminal or forwards signals, then the process's status.
Result<int> Parent::wait_for_exit() {
    if (master)
        HULL_TRY(terminal::proxy(master.get(), pidfd.get()));
    else
        HULL_TRY(forward_until_exit(pidfd.get()));
    auto exit = HULL_TRY(sys::pidfd_wait(pidfd.get()));
    return exit.shell_code();
}

void Parent::kill_child() {
    if (!pidfd) return;
    (void)sys::pidfd_send_signal(pidfd.get(), SIGKILL);
    (void)sys::pidfd_wait(pidfd.get());
}

} // namespace

Result<int> exec(const ExecOptions& opts) {
    Parent p(opts);
    return p.run();
}

} // namespace hull::runtime
