// A container on the systemd cgroup driver (`--systemd-cgroup`): create asks systemd for a
// transient unit and uses its cgroup; state.json records the driver, the manager and the unit
// (ContainerState::extra "cgroupDriver", "systemdManager", "systemdUnit") besides the cgroup path,
// so that update and delete go through systemd again. See docs/cgroups.md.
#pragma once

#include "cgroups/systemd.hpp"
#include "hull/config.hpp"
#include "hull/error.hpp"
#include "state/state.hpp"

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

namespace hull::runtime {

struct SystemdUnit {
    cgroups::systemd::Manager manager = cgroups::systemd::Manager::System;
    std::string unit;
};
// The unit recorded in a container's state, nullopt for a cgroupfs container.
std::optional<SystemdUnit> systemd_unit(const ContainerState& st);

// The unit of a container being created. A scope needs a process when it starts, and hull puts
// the init into its cgroup at clone time with the limits already written: so the unit starts
// with a placeholder (a child of hull that only waits) which leaves once the init is inside.
class UnitStart {
  public:
    UnitStart() = default;
    UnitStart(const UnitStart&) = delete;
    UnitStart& operator=(const UnitStart&) = delete;
    ~UnitStart();

    // Starts the unit for cfg.linux->cgroupsPath and returns its cgroup path. Records the unit
    // in `st` (the caller saves it).
    Result<std::string> start(const Config& cfg, const std::string& id, const Resources& res,
                              ContainerState& st);
    // The init is in the cgroup: the placeholder goes.
    void release();
    // Whether this create started a unit, and which.
    bool started() const { return started_; }
    const SystemdUnit& unit() const { return unit_; }
    // A failed create: stops the unit (only when this create started it).
    void undo();

  private:
    SystemdUnit unit_;
    bool started_ = false;
    pid_t placeholder_ = -1;
    int placeholder_fd_ = -1;
};

// Moves `pid` into the container's cgroup: by writing cgroup.procs (`add`), and where that is
// refused for want of permission (EACCES, EPERM: a rootless caller outside its user manager's
// tree), by asking systemd to (AttachProcessesToUnit).
Result<void> join_unit_cgroup(const SystemdUnit& u, pid_t pid,
                              const std::function<Result<void>()>& add);

// update: the properties of the new resources (devices excluded) to the unit.
Result<void> update_unit(const SystemdUnit& u, const Resources& r);
// delete: stops the unit and waits until it is gone.
Result<void> stop_container_unit(const SystemdUnit& u);

} // namespace hull::runtime
