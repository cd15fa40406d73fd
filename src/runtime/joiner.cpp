// The user namespace joiner; see joiner.hpp.
#include "runtime/joiner.hpp"

#include "runtime/clone_report.hpp"
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
    return report_clone(sock, child);
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
    auto res = receive_clone(chan.parent.get(), "user namespace joiner");
    (void)sys::pidfd_wait(joiner.pidfd.get()); // it exits right after its report
    return with_context(std::move(res), "user namespace joiner");
}

} // namespace hull::runtime
