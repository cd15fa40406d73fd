// open_tree / move_mount / mount_setattr; see sys/mount_api.hpp.
#include "sys/mount_api.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace hull::sys {

Result<UniqueFd> open_tree(int dirfd, const std::string& path, unsigned flags) {
    long fd = ::syscall(SYS_open_tree, dirfd, path.c_str(), flags | OPEN_TREE_CLOEXEC);
    if (fd < 0) return fail_errno("open_tree " + path);
    return UniqueFd(static_cast<int>(fd));
}

Result<void> move_mount(int from_dirfd, const std::string& from_path, int to_dirfd,
                        const std::string& to_path, unsigned flags) {
    if (::syscall(SYS_move_mount, from_dirfd, from_path.c_str(), to_dirfd, to_path.c_str(), flags) <
        0)
        return fail_errno("move_mount to " + to_path);
    return {};
}

Result<void> mount_setattr(int dirfd, const std::string& path, unsigned flags,
                           const MountAttrChange& change) {
    struct mount_attr attr {};
    attr.attr_set = change.set;
    attr.attr_clr = change.clear;
    attr.propagation = change.propagation;
    attr.userns_fd = change.userns_fd >= 0 ? static_cast<std::uint64_t>(change.userns_fd) : 0;
    if (::syscall(SYS_mount_setattr, dirfd, path.c_str(), flags, &attr, sizeof(attr)) < 0)
        return fail_errno("mount_setattr " + path);
    return {};
}

} // namespace hull::sys
