// Signal names and numbers as `hull kill` accepts them.
#pragma once

#include "hull/error.hpp"

#include <string>
#include <string_view>

namespace hull {

// Accepts a name with or without "SIG" in any case ("KILL", "SIGKILL", "kill"), a decimal
// number from 1 to SIGRTMAX ("9"), and real-time names "RTMIN", "RTMIN+3", "SIGRTMAX-1".
// Errors: `unknown signal "FOO"`, `invalid signal number 99`.
Result<int> parse_signal(std::string_view text);

// "SIGTERM", "SIGRTMIN+3", "SIGRTMAX"; "SIG<n>" for numbers without a name.
std::string signal_name(int signo);

} // namespace hull
