// Thin Linux syscall wrappers of hull (namespace hull::sys), one header per concern.
// This umbrella header pulls them all in; include the narrow one when that is enough.
#pragma once

#include "hull/sys_clone.hpp" // clone3 / clone that behave like fork()
#include "hull/sys_fds.hpp"   // close_range with a /proc/self/fd fallback
#include "hull/sys_mount.hpp" // open_tree, move_mount, mount_setattr
#include "hull/sys_ns.hpp"    // setns with a namespace type check
#include "hull/sys_pidfd.hpp" // pidfd_open, pidfd_send_signal, waiting on a pidfd
