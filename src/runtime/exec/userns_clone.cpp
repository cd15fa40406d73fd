#include "runtime/exec/userns_clone.hpp"

#include "runtime/clone_report.hpp"
#include "runtime/sync.hpp"
#include "sys/fdpass.hpp"
#include "sys/pidfd.hpp"

#include <sched.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

namespace hull::runtime::execproc {
namespace {

Result<void> clone_and_report(int sock, pid_t parent, int userns_fd, int pidns_fd,
                              sys::CloneRequest req, const std::function<void()>& child_main) {
    if (::setns(userns_fd, CLONE_NEWUSER) < 0)
        return fail_errno("join the container's user namespace");
    if (::setns(pidns_fd, CLONE_NEWPID) < 0)
        return fail_errno("join the container's pid namespace");
    prctl(PR_SET_PDEATHSIG, SIGKILL); // changing user namespace may have dropped it
    if (getppid() != parent) return fail("the parent exited");
    req.flags |= CLONE_PARENT;
    req.exit_signal = 0; // the child signals `hull exec` with our exit signal (SIGCHLD)
    req.pidfd = sys::WantPidFd::Yes;
    auto child = HULL_TRY(sys::clone_process(req));
    if (child.pid == 0) {
        child_main();
        _exit(127);
    }
    return report_clone(sock, child);
}

} // namespace

Result<sys::CloneResult> clone_via_userns(int userns_fd, int pidns_fd, sys::CloneRequest req,
                                          const std::function<void()>& child_main) {
    auto chan = HULL_TRY(make_sync_pair());
    const pid_t self = getpid();
    sys::CloneRequest fork_req;
    fork_req.pidfd = sys::WantPidFd::Yes;
    auto helper = HULL_TRY_CTX(sys::clone_process(fork_req), "fork the exec helper");
    if (helper.pid == 0) {
        chan.parent.reset();
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        auto r = clone_and_report(chan.child.get(), self, userns_fd, pidns_fd, req, child_main);
        if (!r) sync_send_error(chan.child.get(), r.error());
        _exit(r ? 0 : 1);
    }
    chan.child.reset();
    auto res = receive_clone(chan.parent.get(), "exec helper");
    (void)sys::pidfd_wait(helper.pidfd.get()); // it exits right after its report
    return res;
}

} // namespace hull::runtime::execproc
