// hull's entry point: parse the command line, set up logging, run one command handler.
#include "cli/command_table.hpp"
#include "cli/commands.hpp"
#include "cli/global_options.hpp"
#include "cli/help.hpp"

#include "util/log.hpp"

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hull::cli {
namespace {

struct Dispatch {
    std::string_view name;
    Handler handler;
};

constexpr Dispatch kHandlers[] = {
    {"checkpoint", cmd_checkpoint},
    {"create", cmd_create},
    {"delete", cmd_delete},
    {"events", cmd_events},
    {"exec", cmd_exec},
    {"features", cmd_features},
    {"kill", cmd_kill},
    {"list", cmd_list},
    {"pause", cmd_pause},
    {"ps", cmd_ps},
    {"restore", cmd_restore},
    {"resume", cmd_resume},
    {"run", cmd_run},
    {"spec", cmd_spec},
    {"start", cmd_start},
    {"state", cmd_state},
    {"update", cmd_update},
};

Handler find_handler(std::string_view name) {
    for (const auto& d : kHandlers)
        if (d.name == name) return d.handler;
    return nullptr;
}

int print_help(const std::string& text) {
    std::fputs(text.c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
}

int fail_with(std::string message) {
    return report_error(Error::msg(std::move(message)));
}

int run(const std::vector<std::string>& argv) {
    auto globals = parse_args(global_flags(), global_rules(), argv);
    if (!globals) return report_error(globals.error()); // logging is not configured yet: stderr
    if (globals->flag("help")) return print_help(global_help());
    if (globals->flag("version")) return cmd_version(CommandLine{});

    auto options = make_global_options(*globals);
    if (!options) return report_error(options.error());
    log::configure(options->log);

    const auto& rest = globals->positionals();
    if (rest.empty()) return print_help(global_help());
    const std::string& name = rest[0];
    const std::vector<std::string> cmd_argv(rest.begin() + 1, rest.end());

    if (name == "help") {
        if (cmd_argv.empty()) return print_help(global_help());
        const CommandSpec* topic = find_command(cmd_argv[0]);
        if (!topic) return fail_with("unknown command \"" + cmd_argv[0] + "\"");
        return print_help(command_help(*topic));
    }
    const CommandSpec* spec = find_command(name);
    if (!spec) return fail_with("unknown command \"" + name + "\"");
    auto args = parse_args(spec->flags, spec->args, cmd_argv);
    if (!args) return report_error(args.error());
    if (args->flag("help")) return print_help(command_help(*spec));
    if (auto r = check_arg_count(name, spec->args, args->positionals().size()); !r)
        return report_error(r.error());
    // The systemd driver does not restore checkpoints yet.
    if (options->systemd_cgroup && name == "restore")
        return fail_with(
            "--systemd-cgroup: restore with the systemd cgroup driver is not supported yet");

    if (options->root.empty() && name != "spec" && name != "features")
        return fail_with(options->root_error);

    Handler handler = find_handler(name);
    if (!handler) return fail_with(name + ": no handler (internal error)");
    log::debug("command: " + name);
    return handler(CommandLine{std::move(*options), name, std::move(*args)});
}

} // namespace
} // namespace hull::cli

int main(int argc, char** argv) {
    try {
        return hull::cli::run(std::vector<std::string>(argv + 1, argv + argc));
    } catch (const std::exception& e) {
        hull::log::error(std::string("internal error: ") + e.what());
    } catch (...) {
        hull::log::error("internal error: unknown exception");
    }
    return 1;
}
