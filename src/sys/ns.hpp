// The namespace types (the one table of their flags and names) and joining existing
// namespaces (setns) with a check of the namespace's type.
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <sched.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace hull::sys {

// The namespace types, valued in the order the OCI runtime-spec lists them (the config's
// NamespaceType has the same values: runtime/namespaces.hpp checks it at compile time).
enum class NsType : uint8_t { Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time };

struct NsKind {
    NsType type;
    int flag;                   // CLONE_NEW*
    std::string_view proc_name; // the file under /proc/<pid>/ns/
    std::string_view oci_name;  // linux.namespaces[].type in config.json
};

// Every namespace type, in the order to join them: the user namespace first (its
// privileges are needed for the others), pid last (it only applies to children).
inline constexpr std::array<NsKind, 8> kNamespaceKinds{{
    {NsType::User, CLONE_NEWUSER, "user", "user"},
    {NsType::Mount, CLONE_NEWNS, "mnt", "mount"},
    {NsType::Network, CLONE_NEWNET, "net", "network"},
    {NsType::Ipc, CLONE_NEWIPC, "ipc", "ipc"},
    {NsType::Uts, CLONE_NEWUTS, "uts", "uts"},
    {NsType::Cgroup, CLONE_NEWCGROUP, "cgroup", "cgroup"},
    {NsType::Time, CLONE_NEWTIME, "time", "time"},
    {NsType::Pid, CLONE_NEWPID, "pid", "pid"},
}};

constexpr const NsKind& ns_kind(NsType type) {
    for (const auto& k : kNamespaceKinds)
        if (k.type == type) return k;
    return kNamespaceKinds.back(); // not reached: every NsType is in the table
}
constexpr int ns_flag(NsType type) {
    return ns_kind(type).flag;
}

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
