// Commands whose implementation has not landed yet. Each stub is one line; implementing a
// command means deleting its line here and defining cmd_<name> in its own file.
#include "cli/commands.hpp"

namespace hull::cli {
namespace {

[[maybe_unused]] int not_implemented(const CommandLine& cl) {
    return report_error(Error::msg(cl.command + ": not implemented yet"));
}

} // namespace

// clang-format off
// clang-format on

} // namespace hull::cli
