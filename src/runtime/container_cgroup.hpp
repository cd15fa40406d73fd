// The link between a container record and its cgroup: `create` saves the cgroup path in
// state.json (ContainerState::extra["cgroupPath"]); every later command (delete, kill --all,
// pause, resume, update, ps, events, state) reopens the cgroup from there, through
// ContainerHandle::cgroup() (container_handle.hpp).
#pragma once

#include "cgroups/cgroups.hpp"
#include "hull/error.hpp"
#include "state/state.hpp"

#include <optional>
#include <string>

namespace hull::runtime {

inline constexpr const char* kCgroupPathKey = "cgroupPath";

// A relative cgroupsPath on a v1/hybrid host also saves the path per hierarchy
// (extra["cgroupPaths"]: mount point -> path) where it differs from "cgroupPath".
inline constexpr const char* kCgroupPathsKey = "cgroupPaths";
void save_cgroup_path(ContainerState& st, const cgroups::Placement& where);

// The host's cgroup mounts (cgroups::detect), read once per command: `list` reaches every
// container's cgroup, `run` makes one and removes it, and the mounts do not change under one
// short-lived command.
Result<cgroups::Host> cgroup_host();

// The container's cgroup on this host. nullopt when the record has no cgroup path.
Result<std::optional<cgroups::Cgroup>> container_cgroup(const ContainerState& st);

} // namespace hull::runtime
