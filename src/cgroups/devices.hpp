// Internal to hull::cgroups: the cgroup v2 device filter. On cgroup v2 there is no
// devices.allow/deny; device access is decided by a BPF_PROG_TYPE_CGROUP_DEVICE program
// attached to the container's cgroup2 directory. Cgroup::apply() calls apply_devices_v2()
// whenever linux.resources.devices must be enforced through cgroup2 (a Unified host, or a
// hybrid host without a v1 devices hierarchy). Implemented in bpf_devices.cpp.
#pragma once

#include "hull/config_resources.hpp"
#include "hull/error.hpp"

#include <vector>

namespace hull::cgroups {

// Builds one program from `rules` (evaluated in order, the last matching rule wins, as the v1
// devices controller does; a rule of type All with unset major/minor resets the default) and
// attaches it to the cgroup2 directory `dir_fd` (an O_RDONLY|O_DIRECTORY fd), replacing any
// program hull attached before. An empty `rules` leaves the cgroup unrestricted.
Result<void> apply_devices_v2(int dir_fd, const std::vector<DeviceRule>& rules);

} // namespace hull::cgroups
