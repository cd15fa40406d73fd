// `hull exec`, the parent side: checks, the process, the namespaces and cgroup to enter,
// the clone into the container's pid namespace, then waits or detaches. See
// docs/ARCHITECTURE.md ("exec").
#include "hull/exec.hpp"
#include "../container_cgroup.hpp"
#include "../exe_guard.hpp"
#include "../forward.hpp"
#include "../launch.hpp"
#include "enter.hpp"
#include "hull/config_parse.hpp"
#include "hull/fdpass.hpp"
#include "hull/fs.hpp"
#include "hull/log.hpp"
#include "hull/proc.hpp"
#include "hull/rootless.hpp"
#include "hull/store.hpp"
#include "hull/sys_clone.hpp"
#include "hull/sys_pidfd.hpp"
#include "hull/terminal.hpp"
#include "userns_clone.hpp"

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

struct NsKind {
    const char* name; // under /proc/<pid>/ns
    int flag;
};
// The user namespace first: the per-file fallback must enter it before the others.
constexpr NsKind kNamespaces[] = {{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},
                                  {"net", CLONE_NEWNET},   {"ipc", CLONE_NEWIPC},
                                  {"uts", CLONE_NEWUTS},   {"cgroup", CLONE_NEWCGROUP},
                                  {"time", CLONE_NEWTIME}, {"pid", CLONE_NEWPID}};

// The init's namespaces that differ from ours, with an fd of each.
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
    for (const auto& k : kNamespaces) {
        struct stat theirs {
        }, ours{};
        if (stat((dir + k.name).c_str(), &theirs) < 0) {
            if (errno == ENOENT) continue; // the kernel lacks this namespace type
            return fail_errno("stat " + dir + k.name);
        }
        if (stat((std::string("/proc/self/ns/") + k.name).c_str(), &ours) < 0) continue;
        if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) continue;
        UniqueFd fd(open((dir + k.name).c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return fail_errno("open " + dir + k.name);
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

    std::string dir_in(const cgroups::Hierarchy& h) const {
        std::string dir = h.mount_point + cg->path();
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
        if (subs.empty())
            return with_context(cg->add(pid), "join the container's cgroup " + cg->path());
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
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = recv(sync_fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno("read from the exec child");
        if (n == 0) break;
        text.append(buf, static_cast<size_t>(n));
    }
    if (!text.empty()) return fail(text);
    return {};
}

Result<void> send_pidfd(const std::string& path, int pidfd) {
    auto sock = HULL_TRY_CTX(fdpass::connect_unix(path), "connect to pidfd socket " + path);
    return with_context(fdpass::send_fd(sock.get(), pidfd, "pidfd"), "send the pidfd");
}

struct Parent {
    const ExecOptions& o;
    Process process;
    std::optional<Container> container;
    ContainerState st;
    Config cfg;

    Result<int> run();
};

Result<int> Parent::run() {
    HULL_TRY(validate_id(o.id));
    auto store = HULL_TRY(Store::open_root(o.root));
    container.emplace(HULL_TRY(store.open(o.id)));
    st = HULL_TRY(container->load());
    Status status = derive_status(st, container->dirfd(), frozen_probe(st));
    if (status != Status::Paused || o.ignore_paused == IgnorePaused::No)
        HULL_TRY(check_operation(status, Operation::Exec, o.id));
    cfg = HULL_TRY(load_snapshot(*container));
    process = HULL_TRY(load_process(o, cfg));
    bool tty = process.terminal.value_or(false);
    if (tty && o.mode == ExecMode::Detach && o.console_socket.empty())
        return fail("cannot allocate tty if hull will detach without setting console socket");
    if (!tty && !o.console_socket.empty())
        return fail("cannot use console socket if the process has no terminal");

    UniqueFd init_pidfd = HULL_TRY(open_init(st));
    Namespaces ns = HULL_TRY(namespaces_of(st.pid));
    UniqueFd trampoline;
    {
        // CVE-2019-5736: the sealed trampoline, when the container could write hull's binary.
        std::string map_dir = "/proc/" + std::to_string(st.pid) + "/";
        bool own = ns.flags & CLONE_NEWUSER;
        auto uid_map =
            own ? exe_guard::parse_id_map(fs::read_file(map_dir + "uid_map").value_or(""))
                : std::vector<IdMapping>{};
        auto gid_map =
            own ? exe_guard::parse_id_map(fs::read_file(map_dir + "gid_map").value_or(""))
                : std::vector<IdMapping>{};
        trampoline = HULL_TRY(exe_guard::trampoline_for(
            process, own ? exe_guard::UserNs::Own : exe_guard::UserNs::Shared, uid_map, gid_map));
    }
    UniqueFd init_root(open(("/proc/" + std::to_string(st.pid) + "/root").c_str(),
                            O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!init_root) return fail_errno("open the container's root");

    CgroupTarget target;
    target.cg = HULL_TRY(container_cgroup(st));
    target.subs = HULL_TRY(parse_sub_cgroups(o.cgroups));
    UniqueFd cgroup_dir = HULL_TRY(target.unified_dir());

    std::optional<seccomp::Launch> sec;
    if (cfg.linux && cfg.linux->seccomp)
        sec.emplace(HULL_TRY(seccomp::prepare(*cfg.linux->seccomp, store.root(), cfg.ociVersion)));
    terminal::ConsoleRoute console;
    if (tty) console = HULL_TRY(terminal::console_route(o.console_socket));
    auto sync = HULL_TRY(fdpass::unix_socketpair(SOCK_SEQPACKET));

    execproc::ChildContext ctx;
    ctx.process = &process;
    ctx.cfg = &cfg;
    ctx.init_pidfd = init_pidfd.get();
    ctx.join_flags = ns.flags & ~CLONE_NEWPID;
    // Unprivileged: the child is cloned from inside the user namespace (userns_clone.hpp).
    const bool via_userns =
        geteuid() != 0 && (ns.flags & CLONE_NEWUSER) && (ns.flags & CLONE_NEWPID);
    if (via_userns) ctx.join_flags &= ~CLONE_NEWUSER;
    for (const auto& [fd, t] : ns.fds)
        if (t != CLONE_NEWPID && !(via_userns && t == CLONE_NEWUSER))
            ctx.ns_fds.emplace_back(fd.get(), t);
    ctx.init_root_fd = init_root.get();
    ctx.sync_fd = sync.second.get();
    ctx.console_fd = console.to_child.get();
    ctx.preserve_fds = o.preserve_fds;
    ctx.seccomp = sec ? &*sec : nullptr;
    ctx.state = st;
    ctx.lsms = procsetup::detect_host_lsms();
    ctx.trampoline_fd = trampoline ? trampoline.get() : -1;
    // Written by us after the clone: the child is not dumpable (see set_oom_score_adj).
    const std::optional<int32_t> oom = HULL_TRY(rootless::oom_before_clone(process.oomScoreAdj));
    process.oomScoreAdj.reset();

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
    (void)log::file_fd(); // open --log before the clone: the child keeps that fd
    auto child = via_userns
                     ? execproc::clone_via_userns(ns.fd_of(CLONE_NEWUSER), ns.fd_of(CLONE_NEWPID),
                                                  req, [&ctx] { execproc::child_main(ctx); })
                     : sys::clone_process(req);
    if (child && child->pid == 0) execproc::child_main(ctx); // never returns
    if (own_pidns && setns(own_pidns.get(), CLONE_NEWPID) < 0)
        log::warn("return to our pid namespace: " + std::string(strerror(errno)));
    if (!child) return std::unexpected(Error(child.error()).context("clone the exec process"));
    sync.second.reset();
    console.to_child.reset();
    sec.reset();
    trampoline.reset();
    UniqueFd pidfd = std::move(child->pidfd);
    auto fail_child = [&](const Error& e) -> Result<int> {
        (void)sys::pidfd_send_signal(pidfd.get(), SIGKILL);
        (void)sys::pidfd_wait(pidfd.get());
        return std::unexpected(e);
    };
    if (!child->in_cgroup)
        if (auto r = target.place(child->pid); !r) return fail_child(r.error());
    if (auto r = procsetup::set_oom_score_adj(child->pid, oom); !r) return fail_child(r.error());
    if (send(sync.first.get(), "g", 1, MSG_NOSIGNAL) != 1)
        return fail_child(Error::from_errno("start the exec process"));
    // The process is in the container's cgroup now (delete and kill --all find it): let the
    // other commands in, e.g. `resume` of a paused container it is waiting in.
    container->unlock();
    if (auto r = wait_for_execve(sync.first.get()); !r) return fail_child(r.error());

    UniqueFd master;
    if (console.peer) {
        auto m = terminal::recv_master(console.peer.get());
        if (!m) return fail_child(m.error());
        master = std::move(m->first);
    }
    if (!o.pidfd_socket.empty())
        if (auto r = send_pidfd(o.pidfd_socket, pidfd.get()); !r) return fail_child(r.error());
    if (!o.pid_file.empty())
        if (auto r = fs::write_file_atomic(o.pid_file, std::to_string(child->pid)); !r)
            return fail_child(Error(r.error()).context("write pid file " + o.pid_file));
    if (o.mode == ExecMode::Detach) return 0;

    if (master)
        HULL_TRY(terminal::proxy(master.get(), pidfd.get()));
    else
        HULL_TRY(forward_until_exit(pidfd.get()));
    auto exit = HULL_TRY(sys::pidfd_wait(pidfd.get()));
    return exit.shell_code();
}

} // namespace

Result<int> exec(const ExecOptions& opts) {
    Parent p{opts, {}, {}, {}, {}};
    return p.run();
}

} // namespace hull::runtime
