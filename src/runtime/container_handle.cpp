// Opening an existing container for one command; see container_handle.hpp.
#include "runtime/container_handle.hpp"

#include "runtime/container_cgroup.hpp"
#include "runtime/launch.hpp"

namespace hull::runtime {
namespace {

// Kill and delete act the same on a paused and a running container: no freezer read.
bool reads_freezer(std::optional<Operation> op) {
    return !op ||
           (*op != Operation::Kill && *op != Operation::Delete && *op != Operation::ForceDelete);
}

} // namespace

Result<Config*> ContainerHandle::config() {
    if (!config_) config_ = HULL_TRY(load_snapshot(record_));
    return &*config_;
}

Result<cgroups::Cgroup*> ContainerHandle::cgroup() {
    if (!cgroup_loaded_) {
        cgroup_ = HULL_TRY(container_cgroup(state_));
        cgroup_loaded_ = true;
    }
    return cgroup_ ? &*cgroup_ : nullptr;
}

Result<cgroups::Cgroup*> ContainerHandle::required_cgroup() {
    auto* cg = HULL_TRY(cgroup());
    if (!cg) return fail("container " + id() + " has no cgroup");
    return cg;
}

Result<ContainerHandle> open_container(const Store& store, std::string_view id,
                                       std::optional<Operation> op, LockMode lock,
                                       StateDetail detail) {
    auto record = HULL_TRY(store.open(id, lock));
    auto state = HULL_TRY(record.load(detail));
    ContainerHandle h(store.root(), std::move(record), std::move(state));
    FrozenProbe frozen;
    if (reads_freezer(op))
        frozen = [&h] {
            auto cg = h.cgroup();
            if (!cg || !*cg) return false;
            auto f = (*cg)->frozen();
            return f && *f;
        };
    h.status_ = derive_status(h.state_, h.record_.dirfd(), frozen);
    if (op) HULL_TRY(check_operation(h.status_, *op, id));
    return h;
}

Result<ContainerHandle> open_container(const std::string& root, std::string_view id,
                                       std::optional<Operation> op, LockMode lock,
                                       StateDetail detail) {
    HULL_TRY(validate_id(id));
    auto store = HULL_TRY(Store::open_root(root));
    return open_container(store, id, op, lock, detail);
}

} // namespace hull::runtime
