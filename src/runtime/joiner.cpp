// The user namespace joiner; see joiner.hpp.
#include "runtime/joiner.hpp"

#include "runtime/namespaces.hpp"
#include "runtime/sync.hpp"
#include "sys/fdpass.hpp"
#include "sys/pidfd.hpp"

#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace hull::runtime {
namespace {

// Dies with `create`: an init cloned by an orphaned joiner would belong to nobody.
bool watch_parent(pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    return getppid() == parent;
}

// In the joiner: enter the namespaces, clone the init, report it. Returns only in the joiner.
Result<void> clone_and_report(int sock, pid_t parent, sys::CloneRequest req,
                              const InitContext& ctx) {
    HULL_TRY(ns::prepare_cloner(ctx.plan, *ctx.cfg));
    // Changing user namespace may drop the parent-death signal: set it again.
    if (!watch_parent(parent)) return fail("the parent exited");
    req.flags |= CLONE_PARENT;
    req.exit_signal = 0; // the init signals the parent with our exit signal (SIGCHLD)
    req.pidfd = sys::WantPidFd::Yes;
    auto child = HULL_TRY(sys::clone_process(req));
    if (child.pid == 0) init_main(ctx); // never returns; drops `sock` with the other fds
    const std::string text = std::to_string(child.pid) + (child.in_cgroup ? " 1" : " 0");
    auto sent = sync_send(sock, SyncMsg::Cloned, text);
    if (sent) sent = fdpass::send_fd(sock, child.pidfd.get(), "pidfd");
    if (!sent) {
        // The parent cannot know about the init: do not leave it behind.
        (void)sys::pidfd_send_signal(child.pidfd.get(), SIGKILL);
        return std::unexpected(sent.error());
    }
    return {};
}

[[noreturn]] void joiner_main(int sock, pid_t parent, const sys::CloneRequest& req,
                              const InitContext& ctx) {
    if (!watch_parent(parent)) _exit(1);
    if (auto r = clone_and_report(sock, parent, req, ctx); !r) {
        sync_send_error(sock, r.error());
        _exit(1);
    }
    _exit(0);
}

// In the parent: the joiner's report.
Result<sys::CloneResult> receive_init(int sock) {
    auto m = HULL_TRY(sync_recv(sock));
    if (m.type == SyncMsg::Error) return std::unexpected(Error(m.err, m.text));
    sys::CloneResult res;
    int in_cgroup = 0;
    if (m.type != SyncMsg::Cloned ||
        std::sscanf(m.text.c_str(), "%d %d", &res.pid, &in_cgroup) != 2 || res.pid <= 0)
        return fail("unexpected message from the user namespace joiner");
    res.in_cgroup = in_cgroup != 0;
    res.used_clone3 = true;
    auto got = fdpass::recv_fd(sock);
    if (!got) {
        // The init is our child and not reaped yet, so its pid is still its own.
        if (auto fd = sys::pidfd_open(res.pid)) (void)sys::pidfd_send_signal(fd->get(), SIGKILL);
        return std::unexpected(got.error().context("receive the pidfd of the init"));
    }
    res.pidfd = std::move(got->first);
    return res;
}

} // namespace

Result<sys::CloneResult> clone_init_via_joiner(const sys::CloneRequest& req,
                                               const InitContext& ctx) {
    auto chan = HULL_TRY(make_sync_pair());
    const pid_t self = getpid();
    sys::CloneRequest fork_req;
    fork_req.pidfd = sys::WantPidFd::Yes;
    auto joiner = HULL_TRY_CTX(sys::clone_process(fork_req), "fork the user namespace joiner");
    if (joiner.pid == 0) {
        chan.parent.reset();
        joiner_main(chan.child.get(), self, req, ctx);
    }
    chan.child.reset();
    auto res = receive_init(chan.parent.get());
    (void)sys::pidfd_wait(joiner.pidfd.get()); // it exits right after its report
    return with_context(std::move(res), "user namespace joiner");
}

} // namespace hull::runtime
