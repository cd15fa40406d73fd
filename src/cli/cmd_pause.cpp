// pause and resume: freeze / thaw every process of a container.
#include "cli/commands.hpp"

#include "hull/runtime.hpp"

namespace hull::cli {

int cmd_pause(const CommandLine& cl) {
    auto r = runtime::pause(cl.global.root, cl.id());
    return r ? 0 : report_error(r.error());
}

int cmd_resume(const CommandLine& cl) {
    auto r = runtime::resume(cl.global.root, cl.id());
    return r ? 0 : report_error(r.error());
}

} // namespace hull::cli
