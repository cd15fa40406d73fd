// Man pages and shell completion scripts, generated from the command table (command_table.hpp)
// that also drives the parser and --help, so no flag or command is described twice.
// The build runs them through hull-docgen (src/cli/docgen/); the unit tests call them directly.
#pragma once

#include "cli/command_table.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hull::cli::docs {

// What a flag's value is, as far as completion cares; read from the table: the choices, else
// the value name (DIR: a directory; FILE, PATH: a file; anything else: free text).
enum class ValueKind { None, Choice, Directory, File, Text };
ValueKind value_kind(const FlagSpec& flag);
// "table|json" -> {"table", "json"}; empty when the flag has no fixed choices.
std::vector<std::string_view> choices(const FlagSpec& flag);
// Whether the command's first positional is a container ID (args_usage starts with
// "<container-id>"): completion offers the IDs `hull list -q` prints.
bool takes_container_id(const CommandSpec& command);

struct ManInfo {
    std::string_view version; // shown in the page footer: "hull 0.1.0"
};

// Text for a roff line: '\' -> "\e", '-' -> "\-", and "\&" before a leading '.' or '\''
// (also after each embedded newline).
std::string roff_escape(std::string_view text);
// hull(8): synopsis, flag syntax, global options, the commands, exit status, environment,
// files (the state root), see also.
std::string man_page_main(const ManInfo& info);
// hull-COMMAND(8): synopsis with the command's arguments, description, every flag.
std::string man_page(const CommandSpec& command, const ManInfo& info);
// "hull.8" for nullptr, "hull-create.8" for a command.
std::string man_page_file(const CommandSpec* command);

// Completion scripts: the commands (and `help COMMAND`), global flags, each command's flags,
// values of flags (choices, directories, files) and container IDs from `hull list -q`
// (with the --root given on the command line).
std::string completion_bash(); // installed as bash-completion/completions/hull
std::string completion_zsh();  // installed as zsh/vendor-completions/_hull
std::string completion_fish(); // installed as fish/vendor_completions.d/hull.fish

} // namespace hull::cli::docs
