// Keeps hull's binary out of a container's reach (CVE-2019-5736). See docs/security.md.
//
// Two routes lead from a container to /proc/<pid>/exe of a process running hull's binary:
//   1. hull's own processes inside the container (the init of `create`, the child of `exec`)
//      before their execve: they are made non-dumpable (by their callers), so a container
//      process cannot open their /proc entries;
//   2. the execve itself: a user program, script interpreter or ELF interpreter that is
//      /proc/self/exe makes the kernel run hull inside the container as a fresh process.
// Route 2 is closed by not letting hull's binary do that execve: when the container could
// write the binary at all (needed()), the process execs the hull-trampoline program
// (src/trampoline/) from a memfd sealed against writes, and the trampoline execs the user's
// program. /proc/self/exe is then the sealed memfd. Nothing of hull is re-executed.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "util/fd.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hull::runtime::exe_guard {

// True in `hull`. The test-only `hull-unguarded` (spec-tests/) links a definition returning
// false, for the negative control of the [cve] tests and for bench/exe_guard.sh; no runtime
// switch exists.
bool compiled_in();

// True when /proc/self/exe cannot be written through: it is on a read-only mount or is a
// memfd sealed against writes.
bool self_sealed();

// Whether a process of the container could write hull's binary. Without a user namespace of
// its own (Shared) container root is host root: yes, unless the binary is sealed. With one,
// only when the binary's owner or group is mapped into it and has the write bit, when both
// are mapped (the namespace's CAP_DAC_OVERRIDE then applies), or when it is world-writable.
enum class UserNs { Shared, Own };
bool needed(UserNs userns, const std::vector<IdMapping>& uid_map,
            const std::vector<IdMapping>& gid_map);

// The trampoline for `process`, or an empty fd when none is used: hull built without the
// guard or for an architecture the trampoline is not written for (other than x86_64 and
// aarch64), the container cannot write the binary (needed() is false), or the process has an
// SELinux label on an SELinux host (its domain transition must happen on the user's program,
// and the policy keeps container domains from writing the runtime's binary). The fd is a
// memfd sealed with F_SEAL_SEAL|SHRINK|GROW|WRITE, close-on-exec. Made before the clone,
// while no seccomp filter applies.
Result<UniqueFd> trampoline_for(const Process& process, UserNs userns,
                                const std::vector<IdMapping>& uid_map,
                                const std::vector<IdMapping>& gid_map);

// The last step of a process that has a trampoline, in place of process::exec: execs the
// trampoline, which execs `path` with process.args and process.env. report_fd must not be
// close-on-exec: the trampoline makes it so, and writes the execve error text there
// ("exec PATH: permission denied"). Returns only when the trampoline could not be started.
Error exec(int trampoline_fd, int report_fd, const Process& process, const std::string& path);

} // namespace hull::runtime::exe_guard
