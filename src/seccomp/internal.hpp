// Helpers shared by the seccomp module's files: the mapping of the config's enums to
// libseccomp and kernel values, and the ENOSYS stub.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"

#include <linux/filter.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hull::seccomp::detail {

// libseccomp's token for an architecture, or nullopt when this libseccomp does not know it.
std::optional<uint32_t> arch_token(SeccompArch a);

// The SECCOMP_RET_* value of an action (errnoRet defaults to EPERM for ERRNO and TRACE).
uint32_t action_value(SeccompAction a, std::optional<uint32_t> errno_ret);

// The SECCOMP_FILTER_FLAG_* bit of a config flag.
unsigned flag_bit(SeccompFlag f);

// Whether the ENOSYS stub applies: the default action refuses (kill, trap, errno other
// than ENOSYS); with allow, log or trace as default a new syscall is not refused anyway.
bool wants_enosys_stub(const Seccomp& profile);

// The stub that returns ENOSYS for syscalls above the newest one the profile names, per
// architecture of the filter (`arch_tokens`, libseccomp tokens, the native one included),
// followed by nothing: the caller appends libseccomp's program. Empty when no arch has a
// named syscall.
std::vector<sock_filter> enosys_stub(const Seccomp& profile,
                                     const std::vector<uint32_t>& arch_tokens);

// "x86_64" etc.: the libseccomp name of the native architecture.
std::string native_arch_name();

} // namespace hull::seccomp::detail
