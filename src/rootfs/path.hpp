// Resolving and creating paths inside a container rootfs without ever leaving it.
//
// Every function takes `rootfd`, an fd of the rootfs directory (O_PATH is fine), and a path
// that is read as relative to that root whether or not it starts with '/'. Resolution uses
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS): absolute symlinks and ".." are resolved
// as if rootfd were "/", so a symlink "/etc" inside the rootfs lands on <rootfs>/etc and
// "../../.." stops at the root.
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <sys/types.h>

#include <string>
#include <string_view>

namespace hull::rootfs {

enum class ResolveMode {
    InRoot,     // follow symlinks, but only inside the root
    NoSymlinks, // fail with ELOOP on any symlink component
};

enum class EntryKind { Dir, File };

// openat2(rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS [| RESOLVE_NO_SYMLINKS]).
// O_CLOEXEC is always added; `mode` is used with O_CREAT. "" and "/" open the root itself.
// Retries a few times on EAGAIN (a concurrent rename). Errors name the path:
// "open <path> in rootfs: No such file or directory".
Result<UniqueFd> open_in_root(int rootfd, std::string_view path, int flags,
                              ResolveMode mode = ResolveMode::InRoot, mode_t create_mode = 0);
// The same for a path that may be missing: an empty fd when it is (no error text is made
// for the expected case; most masked paths do not exist in a given container).
Result<UniqueFd> open_in_root_if_exists(int rootfd, std::string_view path, int flags);

// mkdir -p inside the root: each missing component is created with mkdirat() in its
// resolved parent and reopened with O_NOFOLLOW, so nothing is created outside the root.
// Existing components may be symlinks (resolved in the root); a dangling symlink is an
// error. `mode` is subject to the umask, as with mkdir(2). Returns an O_PATH|O_DIRECTORY fd
// of the final directory.
Result<UniqueFd> mkdir_all_in_root(int rootfd, std::string_view path, mode_t mode = 0755);

// Makes sure `path` exists inside the root as a mount target: creates the parents (0755),
// then an empty directory (0755) or an empty regular file (0644) when nothing is there.
// An existing entry (a symlink is followed inside the root) is used as it is, whatever its
// kind. Returns an O_PATH fd of it; mount onto it through proc_fd_path(fd). Open the rootfd
// (and call this) inside the mount namespace where the mount happens: the kernel refuses a
// target whose mount belongs to another namespace (EINVAL).
Result<UniqueFd> create_mountpoint_in_root(int rootfd, std::string_view path, EntryKind kind);

// "/proc/self/fd/<fd>", the name through which mount(2) and friends reach an O_PATH fd.
std::string proc_fd_path(int fd);

// readlink of /proc/self/fd/<fd>: the path the kernel has for an open fd.
Result<std::string> fd_path(int fd);

} // namespace hull::rootfs
