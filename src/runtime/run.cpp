// run: create + start, then (in the foreground) wait for the container as its parent,
// forwarding signals, and delete it when it is done.
#include "hull/runtime.hpp"
#include "runtime/forward.hpp"
#include "runtime/launch.hpp"
#include "sys/pidfd.hpp"
#include "terminal/terminal.hpp"
#include "util/log.hpp"

#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

namespace hull::runtime {
namespace {

// Reaps whatever else was re-parented to us as subreaper.
void reap_orphans() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

} // namespace

Result<int> run(const RunOptions& o) {
    bool fg = o.mode == RunMode::Foreground;
    if (fg && o.subreaper == Subreaper::Yes) prctl(PR_SET_CHILD_SUBREAPER, 1);
    auto l = HULL_TRY(
        launch(o.create, fg ? ConsoleMode::InProcess : ConsoleMode::Socket, AfterLaunch::Start));
    auto started = start_launched(l);
    if (!started) {
        if (o.keep == KeepMode::Remove) (void)remove_launched(o.create, l);
        return std::unexpected(started.error());
    }
    if (!fg) return 0;

    if (l.console_master)
        HULL_TRY(terminal::proxy(l.console_master.get(), l.pidfd.get()));
    else
        HULL_TRY(forward_until_exit(l.pidfd.get()));
    auto exit = HULL_TRY(sys::pidfd_wait(l.pidfd.get()));
    reap_orphans();
    if (o.keep == KeepMode::Remove) {
        auto r = remove_launched(o.create, l);
        if (!r) log::warn(r.error().message());
    }
    return exit.shell_code();
}

} // namespace hull::runtime
