// The new mount API calls hull needs: open_tree, move_mount, mount_setattr.
// Constants and struct mount_attr come from <sys/mount.h> (glibc >= 2.36).
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <sys/mount.h>

#include <cstdint>
#include <string>

namespace hull::sys {

// open_tree(2): an O_PATH-like fd of a mount (flags: OPEN_TREE_CLONE, AT_RECURSIVE,
// AT_EMPTY_PATH, OPEN_TREE_CLOEXEC is always added).
Result<UniqueFd> open_tree(int dirfd, const std::string& path, unsigned flags);

// move_mount(2), e.g. move_mount(treefd, "", AT_FDCWD, "/target", MOVE_MOUNT_F_EMPTY_PATH).
Result<void> move_mount(int from_dirfd, const std::string& from_path, int to_dirfd,
                        const std::string& to_path, unsigned flags);

// The attribute change of one mount_setattr call.
struct MountAttrChange {
    std::uint64_t set = 0;         // MOUNT_ATTR_* to set
    std::uint64_t clear = 0;       // MOUNT_ATTR_* to clear
    std::uint64_t propagation = 0; // MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE or 0
    int userns_fd = -1;            // with MOUNT_ATTR_IDMAP
};

// mount_setattr(2) (flags: AT_RECURSIVE, AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW).
Result<void> mount_setattr(int dirfd, const std::string& path, unsigned flags,
                           const MountAttrChange& change);

} // namespace hull::sys
