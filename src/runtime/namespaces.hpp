// Namespaces of the container init: which to create with clone, which to join by path, the
// uid/gid maps, time offsets, hostname and domainname.
//
// Who does what:
//  * pid and time namespaces only apply to the children of the process that joins or
//    creates them, so joins by path of those two (and the time namespace with its offsets)
//    happen in the process that clones the init, right before the clone.
//  * every other namespace given by path is joined by the init after the clone, all files
//    opened before the first setns.
//  * namespaces without a path are created by the clone itself, so they all belong to the new
//    user namespace when there is one. The parent writes the id maps.
//  * a user namespace joined by path owns the namespaces created with it (as with runc). The
//    parent cannot enter it (it would lose its host privileges), so `create` forks a
//    short-lived "joiner" (joiner.hpp) that joins the pid/time namespaces given by path, then
//    the user namespace, makes the new time namespace there and clones the init with every
//    CLONE_NEW* as its sibling (CLONE_PARENT). The init becomes root of the namespace. The
//    maps are read from the namespace; config maps, if given, must be the same (runc's rule).
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "sys/ns.hpp"

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hull::runtime::ns {

// The entry of sys's namespace table for a config namespace type (the enums share values)
// and its CLONE_NEW* flag.
constexpr sys::NsType sys_type(NamespaceType t) {
    return static_cast<sys::NsType>(t);
}
constexpr int clone_flag(NamespaceType t) {
    return sys::ns_flag(sys_type(t));
}

struct Join {
    NamespaceType type;
    std::string path;
};

struct Plan {
    uint64_t clone_flags = 0;            // CLONE_NEW* to create with the clone
    std::vector<Join> join_before_clone; // pid, time: setns by the process that clones
    std::vector<Join> join_in_child;     // the others, except a user namespace
    bool new_user = false;               // the clone creates a user namespace: maps needed
    bool new_time = false;               // the parent unshares a time namespace before the clone
    bool private_mount = false;          // created or joined
    bool private_uts = false;            // created (hostname may be set)
    // A user namespace joined by path: the joiner enters it before cloning the init.
    bool joined_user = false;
    std::string user_path;
    // The container's user namespace maps: the config's for a new one, read from the
    // namespace for a joined one; empty without a user namespace.
    std::vector<IdMapping> uid_map, gid_map;
};

// Checks the namespace list against the rest of the config and plans the work. Reads the
// maps of a user namespace given by path (from a child that joins it).
Result<Plan> plan(const Config& cfg);

// In the process that clones the init (the parent, or the joiner with plan.joined_user),
// before the clone: joins the pid/time namespaces given by path, then the joined user
// namespace, and for a new time namespace unshares it and writes linux.timeOffsets.
Result<void> prepare_cloner(const Plan& plan, const Config& cfg);

// Parent side, after the clone: writes /proc/<pid>/{uid_map,gid_map}.
Result<void> write_id_maps(pid_t pid, const Config& cfg);
// The text of a uid_map/gid_map ("ID HOSTID SIZE\n" per line), and writing it (or any other
// /proc file the kernel takes in one write).
std::string map_text(const std::vector<IdMapping>& maps);
// The other way: /proc/<pid>/uid_map text ("inside outside count" lines, any whitespace);
// parsing stops at the first line that is not three numbers.
std::vector<IdMapping> parse_id_map(std::string_view text);
Result<void> write_proc_file(const std::string& path, const std::string& data);

// Init side: in a joined user namespace becomes its root, then joins the namespaces given
// by path.
Result<void> join_child(const Plan& plan);

// Init side: hostname and domainname (needs a private UTS namespace).
Result<void> set_names(const Config& cfg);

} // namespace hull::runtime::ns
