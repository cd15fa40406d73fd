// exec: runs a new process in a container. Errors before the process runs exit 255 with
// "exec failed: <reason>", as runc does.
#include "cli/commands.hpp"

#include "hull/exec.hpp"

namespace hull::cli {
namespace {

constexpr int kExecFailed = 255;

runtime::ExecOptions exec_options(const CommandLine& cl) {
    const auto& a = cl.args;
    runtime::ExecOptions o;
    read_process_flags(cl, o);
    o.process_file = a.value("process").value_or("");
    const auto& pos = a.positionals();
    o.flags.args.assign(pos.begin() + 1, pos.end());
    o.flags.cwd = a.value("cwd");
    o.flags.env = a.values("env");
    if (a.given("tty")) o.flags.tty = a.flag("tty");
    o.flags.user = a.value("user");
    o.flags.additional_gids = a.values("additional-gids");
    o.flags.caps = a.values("cap");
    if (a.given("no-new-privs")) o.flags.no_new_privs = a.flag("no-new-privs");
    o.flags.apparmor = a.value("apparmor");
    o.flags.process_label = a.value("process-label");
    o.mode = a.flag("detach") ? runtime::ExecMode::Detach : runtime::ExecMode::Foreground;
    o.pidfd_socket = a.value("pidfd-socket").value_or("");
    o.cgroups = a.values("cgroup");
    o.ignore_paused =
        a.flag("ignore-paused") ? runtime::IgnorePaused::Yes : runtime::IgnorePaused::No;
    return o;
}

} // namespace

int cmd_exec(const CommandLine& cl) {
    auto o = exec_options(cl);
    if (o.process_file.empty() && o.flags.args.empty())
        return report_error(Error::msg("exec failed: process args cannot be empty"), kExecFailed);
    auto r = runtime::exec(o);
    if (!r) return report_error(Error(r.error()).context("exec failed"), kExecFailed);
    return *r;
}

} // namespace hull::cli
