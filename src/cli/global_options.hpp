// The options given before the command, in typed form.
#pragma once

#include "cli/args.hpp"

#include "hull/error.hpp"
#include "hull/runtime.hpp"
#include "util/log.hpp"

#include <sys/types.h>

#include <string>

namespace hull::cli {

using Rootless = runtime::RootlessFlag; // --rootless

struct GlobalOptions {
    std::string root;        // state directory: --root, else runtime::default_root()
    bool root_given = false; // --root was on the command line
    std::string root_error;  // why there is no default root (root is then empty)
    log::Options log;        // --log, --log-format, --debug
    bool systemd_cgroup = false;
    Rootless rootless = Rootless::Auto;
};

// Converts flags parsed with global_flags(); reads geteuid() and XDG_RUNTIME_DIR.
// Relative --root and --log paths are made absolute.
Result<GlobalOptions> make_global_options(const ParsedArgs& globals);

} // namespace hull::cli
