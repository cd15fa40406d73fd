// Joining existing namespaces (setns) with a check of the namespace's type.
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hull::sys {

// The OCI name of a CLONE_NEW* flag ("pid", "network", "mount", "ipc", "uts", "user",
// "cgroup", "time"), or "unknown".
std::string_view namespace_type_name(int nstype);

// The CLONE_NEW* flag of an OCI namespace type name, or nullopt for an unknown name.
std::optional<int> namespace_type_flag(std::string_view name);

// Opens a namespace file (e.g. /proc/123/ns/net or a bind mount of one) and checks with
// ioctl(NS_GET_NSTYPE) that it is a namespace of `nstype` (a CLONE_NEW* flag). Errors:
// "<path> is not a <type> namespace". Open all namespaces first, then join them: after
// joining a mount namespace paths resolve differently.
Result<UniqueFd> open_namespace(const std::string& path, int nstype);

// setns(fd, nstype): the kernel checks the type again.
Result<void> join_namespace(int nsfd, int nstype);

// open_namespace + join_namespace.
Result<void> join_namespace(const std::string& path, int nstype);

} // namespace hull::sys
