// `hull pause` / `hull resume`: freeze and thaw the container's cgroup (v1 freezer.state,
// v2 cgroup.freeze). The paused status is not stored: `state` reads it from the freezer.
#include "hull/runtime.hpp"
#include "runtime/container_handle.hpp"

namespace hull::runtime {
namespace {

Result<void> set_frozen(const std::string& root, const std::string& id, Operation op) {
    auto h = HULL_TRY(open_container(root, id, op, LockMode::Exclusive, StateDetail::Lean));
    const auto* cg = HULL_TRY(h.required_cgroup());
    if (op == Operation::Pause) return with_context(cg->freeze(), "pause container " + id);
    return with_context(cg->thaw(), "resume container " + id);
}

} // namespace

Result<void> pause(const std::string& root, const std::string& id) {
    return set_frozen(root, id, Operation::Pause);
}

Result<void> resume(const std::string& root, const std::string& id) {
    return set_frozen(root, id, Operation::Resume);
}

} // namespace hull::runtime
