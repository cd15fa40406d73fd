// Protection of the hull binary against a container that would overwrite it through
// /proc/<pid>/exe (CVE-2019-5736). See docs/security.md.
//
// A container can reach a hull process: `exec` (and the init of `create`) run hull's code
// inside the container's pid namespace before they execve the user's program, and that
// program may be a script whose interpreter is /proc/self/exe, which makes the kernel run
// hull itself inside the container, dumpable, with an exe link to the host file. The
// protection makes that link point at a view of the binary that cannot be written: hull
// re-executes itself once from a read-only bind mount of its binary (open_tree +
// mount_setattr, no copy), or, where that is refused, from a sealed memfd copy. It is paid
// only when a container process could write the binary at all (needs_protection).
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"

#include <vector>

namespace hull::runtime::exe_seal {

// The environment variable that turns the re-execution off (benchmarks only).
inline constexpr const char* kDisableEnv = "HULL_BENCH_NO_EXE_SEAL";

// True when /proc/self/exe cannot be written through: it is on a read-only mount or a memfd
// sealed against writes.
bool self_sealed();

// Whether a process of the container could write hull's binary. Without a user namespace
// (`userns` false) container root is host root: yes, unless the binary is sealed. With one,
// only when the binary's owner or group is mapped into it and has the write bit, when both
// are mapped (CAP_DAC_OVERRIDE of the namespace then applies), or when it is
// world-writable.
enum class UserNs { Shared, Own };
bool needs_protection(UserNs userns, const std::vector<IdMapping>& uid_map,
                      const std::vector<IdMapping>& gid_map);

// Parses /proc/<pid>/uid_map text ("inside outside count" lines).
std::vector<IdMapping> parse_id_map(std::string_view text);

// When needed and not disabled by kDisableEnv: re-executes the current command line from a
// read-only view of the binary (returns only when that failed). Nothing to do: returns.
Result<void> ensure_sealed(UserNs userns, const std::vector<IdMapping>& uid_map,
                           const std::vector<IdMapping>& gid_map);

} // namespace hull::runtime::exe_seal
