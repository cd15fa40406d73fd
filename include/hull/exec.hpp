// `hull exec`: runs a new process inside an existing (created or running) container, as
// runc's exec does. The process comes from a runtime-spec Process JSON file (--process) or
// from the container's config.json process with runc's flags applied (process_from_flags).
//
//     runtime::ExecOptions o;  ...
//     Result<int> code = runtime::exec(o);   // foreground: the process's exit code
//                                            // (128 + signal); detached: 0
//
// Any error means the process did not run; the CLI exits 255 then, as runc does. See
// docs/ARCHITECTURE.md ("exec") for the process model and docs/security.md for the
// protection of the hull binary (CVE-2019-5736).
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hull::runtime {

// runc's flag form of the process (exec.go getProcess).
struct ExecFlags {
    std::vector<std::string> args;            // the command and its arguments
    std::optional<std::string> cwd;           // --cwd
    std::vector<std::string> env;             // --env/-e KEY=VALUE, in order
    std::optional<bool> tty;                  // --tty/-t (unset: no terminal)
    std::optional<std::string> user;          // --user/-u "uid[:gid]"
    std::vector<std::string> additional_gids; // --additional-gids/-g
    std::vector<std::string> caps;            // --cap/-c: added to every set but inheritable
    std::optional<bool> no_new_privs;         // --no-new-privs
    std::optional<std::string> apparmor;      // --apparmor
    std::optional<std::string> process_label; // --process-label
};

// The config's process with the flags applied, as runc does:
//   args replaced; cwd, apparmor, process label replaced when given; env entries appended,
//   an entry whose KEY is already set replaces that entry in place; terminal = --tty (false
//   when not given, whatever the config says); user "uid[:gid]" sets uid (and gid);
//   additional gids appended; caps ("CAP_X" or "x") added to bounding, effective, permitted
//   and ambient; no_new_privs set when given. The result is validated (validate_process).
// Errors: "parsing x as int for uid failed", "additional-gids must be a positive number -1",
// "unknown capability \"CAP_X\"", "process args cannot be empty".
Result<Process> process_from_flags(const Process& base, const ExecFlags& flags);

// runc's --cgroup values: one "path" (cgroup v2, or every v1 controller), or one or more
// "ctrl[,ctrl...]:path". The map's key is the controller; "" for the single unprefixed path.
// Errors: "invalid --cgroup argument: x".
Result<std::map<std::string, std::string>> parse_sub_cgroups(const std::vector<std::string>& args);

enum class ExecMode { Foreground, Detach };
enum class IgnorePaused { No, Yes };

struct ExecOptions {
    std::string root; // --root
    std::string id;
    std::string process_file; // --process; empty: the config's process + flags
    ExecFlags flags;
    ExecMode mode = ExecMode::Foreground;
    std::string pid_file;             // written (atomically) once the process runs
    std::string console_socket;       // with a terminal: the pty master goes there
    std::string pidfd_socket;         // a pidfd of the process goes there
    int preserve_fds = 0;             // fds 3 .. 3+N-1 are passed on
    std::vector<std::string> cgroups; // --cgroup, see parse_sub_cgroups
    IgnorePaused ignore_paused = IgnorePaused::No;
};

// Runs the process. Foreground: waits for it (forwarding signals, or relaying the terminal
// when it has one and no console socket was given) and returns its shell exit code.
// Detach: returns 0 once the process has called execve and the pid file is written.
Result<int> exec(const ExecOptions& opts);

} // namespace hull::runtime
