// Waiting for a foreground child while passing on the signals hull receives (`run` and
// `exec` without a terminal).
#pragma once

#include "hull/error.hpp"

namespace hull::runtime {

// Blocks the forwarded signals (INT, TERM, HUP, QUIT, USR1, USR2, WINCH, CONT, TSTP, TTIN,
// TTOU, ALRM, PWR), then relays each one to the process until `pidfd` is readable (it
// exited). Does not reap it.
Result<void> forward_until_exit(int pidfd);

} // namespace hull::runtime
