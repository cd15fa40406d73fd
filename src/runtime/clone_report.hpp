// A child cloned by a short-lived helper process on the parent's behalf (create's user
// namespace joiner, an unprivileged exec's helper), reported back over a sync socket: the
// helper clones with CLONE_PARENT, so the child is the parent's own, and sends its pid, whether
// CLONE_INTO_CGROUP placed it, and its pidfd.
#pragma once

#include "hull/error.hpp"
#include "sys/clone.hpp"

#include <string_view>

namespace hull::runtime {

// In the helper: sends `child` over `sock`. On failure the child is killed (the parent could
// not know about it) and the error returned.
Result<void> report_clone(int sock, const sys::CloneResult& child);

// In the parent: the helper's report, or the error it sent (SyncMsg::Error). A child whose
// pidfd did not arrive is killed. `helper` names the helper in errors.
Result<sys::CloneResult> receive_clone(int sock, std::string_view helper);

} // namespace hull::runtime
