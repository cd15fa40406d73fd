// Closing or marking close-on-exec every fd from some number up (CVE-2024-21626 hygiene).
#pragma once

#include "hull/error.hpp"

#include <span>

namespace hull::sys {

enum class FdAction { Close, SetCloexec };

// Closes (or marks O_CLOEXEC) every fd >= first except those in `keep`.
// Uses close_range(2); falls back to walking /proc/self/fd when close_range is missing
// (ENOSYS) or does not know CLOSE_RANGE_CLOEXEC (EINVAL).
Result<void> close_fds_from(int first, FdAction action, std::span<const int> keep = {});

// The /proc/self/fd walk on its own (what the fallback does).
Result<void> close_fds_from_proc(int first, FdAction action, std::span<const int> keep = {});

// Sets or clears FD_CLOEXEC on one fd.
enum class Cloexec { Off, On };
Result<void> set_cloexec(int fd, Cloexec mode);

} // namespace hull::sys
