// Namespaces of the container init: which to create with clone, which to join by path, the
// uid/gid maps, time offsets, hostname and domainname.
//
// Who does what:
//  * pid and time namespaces only apply to the children of the process that joins or
//    creates them, so joins by path of those two (and the time namespace with its offsets)
//    happen in the parent, right before the clone.
//  * every other namespace given by path is joined by the init after the clone, user first
//    (the others belong to it), all files opened before the first setns.
//  * namespaces without a path are created by the clone itself, so they all belong to the new
//    user namespace when there is one. The parent writes the id maps.
//  * a user namespace joined by path owns the namespaces created with it (as with runc): the
//    init joins it first, becomes its root and unshares mount/uts/ipc/network itself. Its
//    maps are read from the namespace; config maps, if given, must be the same (runc's
//    rule). Not yet: a new pid or time namespace with it (refused), and the cgroup
//    namespace is still made by the clone (or, on cgroup v1, unshared by the init once
//    placed, then inside the joined namespace).
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hull::runtime::ns {

struct Join {
    NamespaceType type;
    std::string path;
};

struct Plan {
    uint64_t clone_flags = 0;         // CLONE_NEW* to create with the clone
    std::vector<Join> join_in_parent; // pid, time: setns before the clone
    std::vector<Join> join_in_child;  // the others, user first
    bool new_user = false;            // the clone creates a user namespace: maps needed
    bool new_time = false;            // the parent unshares a time namespace before the clone
    bool private_mount = false;       // created or joined
    bool private_uts = false;         // created (hostname may be set)
    // A user namespace joined by path: what the init unshares after joining it.
    bool joined_user = false;
    uint64_t unshare_in_child = 0;
    // The container's user namespace maps: the config's for a new one, read from the
    // namespace for a joined one; empty without a user namespace.
    std::vector<IdMapping> uid_map, gid_map;
};

// Checks the namespace list against the rest of the config and plans the work. Reads the
// maps of a user namespace given by path (from a child that joins it).
Result<Plan> plan(const Config& cfg);

// Parent side, before the clone: joins pid/time namespaces given by path and, for a new time
// namespace, unshares it and writes linux.timeOffsets.
Result<void> prepare_parent(const Plan& plan, const Config& cfg);

// Parent side, after the clone: writes /proc/<pid>/{uid_map,gid_map}.
Result<void> write_id_maps(pid_t pid, const Config& cfg);

// Init side: joins the namespaces given by path (after a joined user namespace: becomes
// its root, then unshares plan.unshare_in_child).
Result<void> join_child(const Plan& plan);

// Init side: hostname and domainname (needs a private UTS namespace).
Result<void> set_names(const Config& cfg);

} // namespace hull::runtime::ns
