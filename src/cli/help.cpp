#include "cli/help.hpp"

#include <algorithm>
#include <cstddef>

namespace hull::cli {
namespace {

// "-b, --bundle DIR" / "    --debug"
std::string flag_label(const FlagSpec& f) {
    std::string out = f.short_name ? std::string("-") + f.short_name + ", " : "    ";
    out += "--";
    out += f.name;
    if (f.kind != FlagKind::Bool) {
        out += ' ';
        out += f.value_name.empty() ? std::string_view("VALUE") : f.value_name;
    }
    return out;
}

std::string flag_lines(std::span<const FlagSpec> flags) {
    std::size_t width = 0;
    for (const auto& f : flags)
        width = std::max(width, flag_label(f).size());
    std::string out;
    for (const auto& f : flags) {
        std::string label = flag_label(f);
        out += "   " + label + std::string(width - label.size() + 3, ' ');
        out += f.help;
        if (f.occurs == Occurs::Many && f.help.find("repeatable") == std::string_view::npos)
            out += " (repeatable)";
        if (!f.default_value.empty() && f.kind != FlagKind::Bool)
            out += " (default: " + std::string(f.default_value) + ")";
        out += '\n';
    }
    return out;
}

} // namespace

std::string global_help() {
    std::string out = "hull - an OCI container runtime\n\n"
                      "Usage: hull [global options] COMMAND [command options] [arguments...]\n"
                      "       hull help COMMAND\n\n"
                      "Commands:\n";
    std::size_t width = 0;
    for (const auto& c : command_specs())
        width = std::max(width, c.name.size());
    for (const auto& c : command_specs()) {
        out += "   " + std::string(c.name) + std::string(width - c.name.size() + 3, ' ');
        out += c.summary;
        out += '\n';
    }
    out += "\nGlobal options:\n";
    out += flag_lines(global_flags());
    return out;
}

std::string command_help(const CommandSpec& command) {
    std::string out = "Usage: hull " + std::string(command.name);
    if (command.flags.size() > 1) out += " [command options]";
    if (!command.args_usage.empty()) out += " " + std::string(command.args_usage);
    out += "\n\n" + std::string(command.summary) + ".\n";
    if (!command.description.empty()) out += std::string(command.description) + "\n";
    out += "\nOptions:\n";
    out += flag_lines(command.flags);
    return out;
}

} // namespace hull::cli
