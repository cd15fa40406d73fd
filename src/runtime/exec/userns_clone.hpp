// How an unprivileged `hull exec` clones its child into the container's pid namespace.
// Joining a pid namespace needs CAP_SYS_ADMIN in the caller's own user namespace too, which
// an unprivileged caller only has once inside the container's user namespace, and from there
// it could not come back. So a short-lived helper joins the user namespace and then the pid
// namespace, clones the child with CLONE_PARENT (it stays `hull exec`'s own child, which
// waits for it) and reports its pid and pidfd, then exits. The child starts inside the user
// namespace already: it must not join it again.
#pragma once

#include "hull/error.hpp"
#include "sys/clone.hpp"

#include <functional>

namespace hull::runtime::execproc {

Result<sys::CloneResult> clone_via_userns(int userns_fd, int pidns_fd, sys::CloneRequest req,
                                          const std::function<void()>& child_main);

} // namespace hull::runtime::execproc
