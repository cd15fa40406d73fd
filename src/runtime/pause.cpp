// `hull pause` / `hull resume`: freeze and thaw the container's cgroup (v1 freezer.state,
// v2 cgroup.freeze). The paused status is not stored: `state` reads it from the freezer.
#include "runtime/container_cgroup.hpp"

#include "hull/runtime.hpp"
#include "state/store.hpp"

namespace hull::runtime {
namespace {

Result<void> set_frozen(const std::string& root, const std::string& id, Operation op) {
    auto store = HULL_TRY(Store::open_root(root));
    auto c = HULL_TRY(store.open(id));
    auto st = HULL_TRY(c.load(StateDetail::Lean));
    HULL_TRY(check_operation(derive_status(st, c.dirfd(), frozen_probe(st)), op, id));
    auto cg = HULL_TRY(container_cgroup(st));
    if (!cg) return fail("container " + id + " has no cgroup");
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
