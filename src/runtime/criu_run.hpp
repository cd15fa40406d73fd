// Running criu(8): finding it, `criu check`, spawning a dump or restore, and turning its log
// into an error message.
#pragma once

#include "cgroups/cgroups.hpp"
#include "hull/checkpoint.hpp"
#include "hull/error.hpp"
#include "runtime/criu_args.hpp"

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

namespace hull::criu {

// Starts `criu <args...>` (found in PATH) as our child with our stdio. `in_child` runs in the
// child before exec (e.g. to enter a cgroup); `keep_fds` stay open across the exec (their
// numbers unchanged). Returns the pid.
Result<pid_t> spawn(const std::vector<std::string>& args,
                    const std::function<Result<void>()>& in_child,
                    const std::vector<int>& keep_fds);

// Waits for a child; returns its exit code (128 + signal when killed).
Result<int> wait_exit(pid_t pid);

// The error of a failed criu run: its exit code and the last "Error" lines of its log.
Error failure(std::string_view what, int code, const std::string& log_path);

// criu is installed and `criu check` passes; otherwise the one clear error.
Result<void> usable();

// The host cgroup directories hull binds into the container's "cgroup" mounts (the same
// choice as the rootfs code): none with a fresh cgroup2 mount (own cgroup namespace on a
// v2-only host), the container's v2 directory itself, or one per v1/hybrid hierarchy.
std::vector<CgroupBind> cgroup_binds(const Config& cfg, const cgroups::Cgroup& cg);

// The options both commands share, with absolute, existing directories (made 0700 when
// `make` and missing). The image dir defaults to ./checkpoint, the work dir to the image dir.
enum class MakeDirs { Yes, No };
Result<Common> common_from(const runtime::CriuOptions& o, MakeDirs make);

// "nftables" when the container has a network namespace of its own that criu dumps (not
// left empty): criu locks its network while it works and hull asks for nftables rather than
// iptables-restore (see docs/checkpoint.md).
std::string network_lock_for(const Config& cfg, const Common& c);

} // namespace hull::criu
