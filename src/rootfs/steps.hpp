// The single steps behind rootfs/rootfs.hpp. Module-private: the unit tests call some of them
// one by one.
#pragma once

#include "config/mount_options.hpp"
#include "hull/config.hpp"
#include "hull/error.hpp"
#include "rootfs/rootfs.hpp"
#include "sys/mount_api.hpp"
#include "util/fd.hpp"

#include <sys/mount.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hull::rootfs::detail {

// --- mount_flags.cpp: mount(2) calls, flags, names -------------------------------------------

// The per-mount flags a bind remount can change (the rest are superblock flags).
constexpr unsigned long kAtimeModes = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
constexpr unsigned long kMountPointFlags =
    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW | MS_NODIRATIME | kAtimeModes;

// A container path made absolute and lexically clean: "proc" -> "/proc", "/a//b/./c/" ->
// "/a/b/c", "/a/../../b" -> "/b". This is what mountinfo shows and what errors name.
std::string clean_path(std::string_view path);

// "mount <source> on <destination>", the context of every error of one mounts[] entry.
// Without a source the type stands in (or "none").
std::string describe_mount(const Mount& m, std::string_view clean_dest);

// An error whose message is only strerror(err): the caller adds what failed as context.
std::unexpected<Error> bare_error(int err);

// mount(2) on a target path; the error is bare (see above).
Result<void> do_mount(const char* source, const std::string& target, const char* type,
                      unsigned long flags, const char* data);

// The per-mount MS_* flags (kMountPointFlags) a mount has now, from fstatvfs(2) of any fd
// on it. Exactly one atime mode bit (MS_NOATIME, MS_RELATIME or MS_STRICTATIME) is set.
Result<unsigned long> current_mount_flags(int mntfd);

// MS_REMOUNT|MS_BIND of the mount `mntfd` is the root of: sets `flags`, clears `cleared`
// and keeps every other per-mount flag it has now (nosuid, nodev, noexec, atime, ...). When
// the kernel refuses (EPERM: flags locked in a user namespace) the call is retried with all
// locked flags of the mount kept, as runc does; a kept read-only flag logs a warning.
Result<void> remount_bind(int mntfd, unsigned long flags, unsigned long cleared);

// The mount_setattr(2) change that sets `flags` and clears `cleared` (MS_* per-mount flags)
// on one mount and keeps the rest; nullopt when clearing an atime mode, which depends on the
// mode the mount has now.
std::optional<sys::MountAttrChange> attr_change(unsigned long flags, unsigned long cleared);

// mount(NULL, target, NULL, propagation, NULL).
Result<void> set_propagation(int mntfd, unsigned long propagation);

// mount_setattr(AT_RECURSIVE) with the MOUNT_ATTR_* of the r* options.
Result<void> set_recursive_attrs(int mntfd, uint64_t attr_set, uint64_t attr_clr);

// The MS_* propagation of linux.rootfsPropagation, always with MS_REC.
unsigned long propagation_flags(RootfsPropagation p);

// --- mounts.cpp: one mounts[] entry ----------------------------------------------------------

struct MountContext {
    int rootfd = -1;
    std::string bundle;            // base of relative bind sources
    bool container_userns = false; // the config has a user namespace (idmap fallback)
    int idmapped_tree = -1;        // the current entry's tree from make_idmapped_trees
    const std::vector<CgroupView>* cgroup_views = nullptr; // the container's cgroup
    CgroupNs cgroupns = CgroupNs::Shared;
};

// Mounts one entry (see rootfs.hpp, step 3). Errors read "mount <src> on <dest>: ...".
Result<void> mount_entry(const MountContext& ctx, const Mount& m);

// The idmap checks of validate(): idmap only on binds, mappings in pairs, mappings or a
// container user namespace.
Result<void> check_mounts(const Config& cfg);

// --- cgroup_mount.cpp: mounts[] entries of type "cgroup" -------------------------------------

enum class Attached { Fresh, Bound };

// Mounts a "cgroup" entry on the mount point `mpfd` (see rootfs.hpp). Bound means the
// result is a bind of the host's tree, which still needs the entry's flags applied.
Result<Attached> mount_cgroup(const MountContext& ctx, const Mount& m, const MountOptions& o,
                              const std::string& dest, int mpfd);

// --- copyup.cpp: tmpcopyup ------------------------------------------------------------------

// Copies everything inside the directory `src` into the directory `dst` (both O_RDONLY
// directory fds): directories, regular files, symlinks, device nodes and fifos, with
// modes, owners and times (device nodes that mknod refuses in a user namespace are skipped
// with a warning; sockets are skipped). Then gives `dst` the owner and times of `src`, and
// its mode too with DirMode::Copy (DirMode::Keep when the tmpfs data set "mode=").
enum class DirMode { Copy, Keep };
Result<void> copy_tree(int src, int dst, DirMode root_mode);

// --- idmap.cpp: user namespaces for idmapped mounts -----------------------------------------

// A user namespace fd whose uid_map/gid_map are the given lines, made by a child that
// unshares CLONE_NEWUSER, waits for its maps and exits once the fd is open.
Result<UniqueFd> make_idmap_userns(const std::vector<IdMapping>& uids,
                                   const std::vector<IdMapping>& gids);

// "<containerID> <hostID> <size>\n" per entry: the text of a uid_map / gid_map write.
std::string format_id_map(const std::vector<IdMapping>& map);

// A detached clone of `srcfd` (open_tree OPEN_TREE_CLONE, AT_RECURSIVE when o.recursive)
// idmapped through `userns` (AT_RECURSIVE for ridmap).
Result<UniqueFd> idmapped_clone(int srcfd, const MountOptions& o, int userns);

// --- devices.cpp: device nodes and /dev symlinks -------------------------------------------

enum class DevPolicy {
    Strict,     // /dev is a fresh mount of the config: every failure is an error
    BestEffort, // the rootfs's own /dev: keep what is there, warn on failures
};

// Creates the default devices, linux.devices and the /dev symlinks (rootfs.hpp, step 4).
Result<void> create_devices(int rootfd, const Config& cfg, DevPolicy policy);

// --- finalize.cpp ---------------------------------------------------------------------------

// The sysctl keys' namespace checks (see rootfs.hpp, finalize).
Result<void> check_sysctls(const Config& cfg);

} // namespace hull::rootfs::detail
