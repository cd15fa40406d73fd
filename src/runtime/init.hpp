// The container init: the process `create` clones. It builds the container from inside
// (namespaces, rootfs, terminal, createContainer hooks), reports each step's failure to the
// parent over the sync socket, then waits on exec.fifo for `start` and becomes the user's
// process. It never returns.
#pragma once

#include "hull/config.hpp"
#include "hull/runtime.hpp"
#include "rootfs/rootfs.hpp"
#include "runtime/namespaces.hpp"
#include "seccomp/seccomp.hpp"
#include "state/state.hpp"

#include <string>
#include <vector>

namespace hull::runtime {

enum class CgroupNsMode {
    ByClone,           // created by the clone (or not at all, or joined by path)
    UnshareWhenPlaced, // the init unshares it after SyncMsg::CgroupPlaced
};

struct InitContext {
    const Config* cfg = nullptr;
    ns::Plan plan;
    std::string bundle;   // absolute
    std::string rootfs;   // absolute host path of the rootfs
    int sync_fd = -1;     // our end of the sync socketpair
    int fifo_fd = -1;     // O_PATH fd of exec.fifo
    int console_fd = -1;  // where the pty master goes, -1 without a terminal
    int preserve_fds = 0; // fds 3 .. 3+N-1 stay open
    int listen_fds = 0;   // > 0: the process gets LISTEN_FDS=N and LISTEN_PID=1
    PivotMode pivot = PivotMode::PivotRoot;
    ContainerState state; // for the createContainer/startContainer hooks' stdin
    const std::vector<rootfs::IdmappedTree>* idmapped = nullptr; // made by `create`
    // On v1 hosts a new cgroup namespace is made by the init once the parent has moved it into
    // its cgroup (SyncMsg::CgroupPlaced): then its root is the container's cgroup.
    CgroupNsMode cgroupns = CgroupNsMode::ByClone;
    std::vector<rootfs::CgroupView> cgroup_dirs;
    seccomp::Launch* seccomp = nullptr; // compiled by `create`; loaded right before execve
    // exe_guard's sealed trampoline, -1 for a direct execve (see exe_guard.hpp).
    int trampoline_fd = -1;
    // process.oomScoreAdj is written by `create` (the init is not dumpable: in a user
    // namespace its /proc files belong to host root), so the init leaves it alone.
    bool oom_by_parent = false;
};

[[noreturn]] void init_main(const InitContext& ctx);

} // namespace hull::runtime
