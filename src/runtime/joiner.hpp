// The joiner: how `create` clones the container init from inside a user namespace joined by
// path, so that the namespaces created with the init (pid, time, mount, uts, ipc, network,
// cgroup) belong to that user namespace. `create` itself cannot enter it: it would lose its
// host privileges over the state directory and the cgroups.
//
// The parent forks a short-lived joiner. The joiner joins the pid/time namespaces given by
// path and the user namespace, makes the new time namespace with its offsets
// (ns::prepare_cloner), then clones the init with the parent's clone request plus
// CLONE_PARENT: the init is the parent's child (the parent waits for it and gets its exit
// signal, SIGCHLD, inherited from the joiner). The joiner sends the init's pid and pidfd
// (SCM_RIGHTS) over a socketpair, or the error that stopped it, and exits; the parent reaps
// it before going on. Used only with a joined user namespace: the other paths clone directly.
#pragma once

#include "hull/error.hpp"
#include "runtime/init.hpp"
#include "sys/clone.hpp"

namespace hull::runtime {

// Clones the init as described above. The init runs init_main(ctx) and never returns; the
// parent gets the init's pid, its pidfd and whether it started in req.cgroup_fd, with the
// joiner already reaped.
Result<sys::CloneResult> clone_init_via_joiner(const sys::CloneRequest& req,
                                               const InitContext& ctx);

} // namespace hull::runtime
