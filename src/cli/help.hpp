// --help texts, generated from the command table.
#pragma once

#include "cli/command_table.hpp"

#include <string>

namespace hull::cli {

// "hull [global options] COMMAND ...", the command list and the global options.
std::string global_help();
// Usage line, description and options of one command.
std::string command_help(const CommandSpec& command);

} // namespace hull::cli
