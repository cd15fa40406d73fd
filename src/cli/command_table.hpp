// The declarative description of hull's command line: global options and every command
// with its flags and positional arguments (runc's surface plus crun's extras). It drives
// both parsing and --help.
#pragma once

#include "cli/args.hpp"

#include <span>
#include <string_view>
#include <vector>

namespace hull::cli {

struct CommandSpec {
    std::string_view name;
    std::string_view summary;    // one line, for the command list
    std::string_view args_usage; // "<container-id> [signal]"
    std::string_view description;
    std::vector<FlagSpec> flags; // always ends with --help/-h
    ArgRules args;
};

// Options accepted between "hull" and the command (root, log, log-format, debug,
// systemd-cgroup, rootless, version, help). Parse them with global_rules().
std::span<const FlagSpec> global_flags();
// Stops flag parsing at the first positional, the command name.
ArgRules global_rules();

// Every command, sorted by name.
const std::vector<CommandSpec>& command_specs();
// nullptr when there is no such command.
const CommandSpec* find_command(std::string_view name);

} // namespace hull::cli
