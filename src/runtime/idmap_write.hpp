// The uid/gid maps of a new user namespace written by an unprivileged caller (euid != 0).
// The kernel lets such a caller write one line mapping its own id (for gid_map only once
// /proc/PID/setgroups says "deny"); anything else goes through the setuid helpers
// newuidmap/newgidmap (Debian's uidmap package), which check the ranges against /etc/subuid
// and /etc/subgid. See docs/rootless.md.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace hull::runtime::ns {

enum class MapWriter { Self, Helper };

// Self when `maps` is one line of size 1 mapping `own_id` (the caller's euid or egid).
MapWriter map_writer(const std::vector<IdMapping>& maps, uint32_t own_id);

// Checks, before anything is made, what the maps imply for the rest of the config: a gid map
// written by hull itself denies setgroups, so additional groups cannot be set.
Result<void> check_unprivileged_maps(const Config& cfg);

// Writes /proc/<pid>/uid_map and gid_map (and setgroups) as an unprivileged caller.
Result<void> write_id_maps_unprivileged(pid_t pid, const Config& cfg);

// The argv of newuidmap/newgidmap for `maps`: helper, pid, then triples.
std::vector<std::string> helper_argv(const std::string& helper, pid_t pid,
                                     const std::vector<IdMapping>& maps);

} // namespace hull::runtime::ns
