// The container init: the process `create` clones. It builds the container from inside
// (namespaces, rootfs, terminal, createContainer hooks), reports each step's failure to the
// parent over the sync socket, then waits on exec.fifo for `start` and becomes the user's
// process. It never returns.
#pragma once

#include "hull/config.hpp"
#include "hull/runtime.hpp"
#include "hull/state.hpp"
#include "namespaces.hpp"

#include <string>

namespace hull::runtime {

struct InitContext {
    const Config* cfg = nullptr;
    ns::Plan plan;
    std::string bundle;   // absolute
    std::string rootfs;   // absolute host path of the rootfs
    int sync_fd = -1;     // our end of the sync socketpair
    int fifo_fd = -1;     // O_PATH fd of exec.fifo
    int console_fd = -1;  // where the pty master goes, -1 without a terminal
    int preserve_fds = 0; // fds 3 .. 3+N-1 stay open
    PivotMode pivot = PivotMode::PivotRoot;
    ContainerState state; // for the createContainer/startContainer hooks' stdin
};

[[noreturn]] void init_main(const InitContext& ctx);

} // namespace hull::runtime
