// The handlers of hull's commands. main() parses the command line and calls
// cmd_<name>(CommandLine); the handler's return value is the process exit code.
// Handlers report failures with report_error() (through hull::log), which returns the
// exit code to use: 1 by default (exec failing before its process runs uses 255).
#pragma once

#include "cli/args.hpp"
#include "cli/global_options.hpp"

#include "hull/error.hpp"
#include "util/log.hpp"

#include <string>

namespace hull::cli {

struct CommandLine {
    GlobalOptions global;
    std::string command; // "create"
    ParsedArgs args;     // the command's flags and positionals (counts already checked)

    // The first positional: the container ID for commands that take one.
    const std::string& id() const { return args.positionals().at(0); }
};

inline int report_error(const Error& error, int exit_code = 1) {
    log::error(error.message());
    return exit_code;
}

// The options `create`/`run` and `exec` read alike: --root, the container ID and the flags
// both take (kConsoleSocket, kPidFile, kPreserveFds in command_table.cpp).
template <class Options> void read_process_flags(const CommandLine& cl, Options& o) {
    o.root = cl.global.root;
    o.id = cl.id();
    o.console_socket = cl.args.value("console-socket").value_or("");
    o.pid_file = cl.args.value("pid-file").value_or("");
    o.preserve_fds = static_cast<int>(cl.args.unsigned_value("preserve-fds").value_or(0));
}

using Handler = int (*)(const CommandLine&);

// cmd_info.cpp
int cmd_version(const CommandLine& cl);
int cmd_features(const CommandLine& cl);
int cmd_spec(const CommandLine& cl);

// cmd_lifecycle.cpp
int cmd_create(const CommandLine& cl);
int cmd_delete(const CommandLine& cl);
int cmd_kill(const CommandLine& cl);
int cmd_list(const CommandLine& cl);
int cmd_run(const CommandLine& cl);
int cmd_start(const CommandLine& cl);
int cmd_state(const CommandLine& cl);

// cmd_update.cpp, cmd_pause.cpp, cmd_ps.cpp, cmd_events.cpp: the cgroup commands
int cmd_update(const CommandLine& cl);
int cmd_pause(const CommandLine& cl);
int cmd_resume(const CommandLine& cl);
int cmd_ps(const CommandLine& cl);
int cmd_events(const CommandLine& cl);

// cmd_exec.cpp
int cmd_exec(const CommandLine& cl);

// cmd_pending.cpp (stubs until their implementation moves into its own file)
int cmd_checkpoint(const CommandLine& cl);
int cmd_restore(const CommandLine& cl);

} // namespace hull::cli
