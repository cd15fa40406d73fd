// The container's root filesystem: config mounts, device nodes, pivot_root, masked and
// read-only paths, root.readonly and linux.sysctl.
//
// All of it runs in the container init (single-threaded, already in its new mount namespace
// and, when configured, in its user namespace with the id maps written), in this order:
//
//   auto rootfd = HULL_TRY(rootfs::prepare(cfg, {.rootfs = ..., .bundle = ...}));
//   if (terminal) HULL_TRY(rootfs::bind_console(rootfd.get(), pty_slave_path));
//   HULL_TRY(rootfs::enter(cfg, rootfd.get(), rootfs::PivotMode::PivotRoot));
//   ... mount nothing else; /proc is mounted by now when the config mounts it ...
//   HULL_TRY(rootfs::finalize(cfg));
//
// Every container path is resolved relative to the rootfs fd with openat2(RESOLVE_IN_ROOT)
// (rootfs/path.hpp): a symlink such as /etc -> /host/etc or ../../.. inside the rootfs
// never leads out of it. Mount errors name the mount as runc does:
//   "mount proc on /proc: Permission denied".
//
// linux.mountLabel is ignored (SELinux is not enabled on the hosts hull targets); prepare()
// logs a debug note when it is set.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "util/fd.hpp"

#include <string>

namespace hull::rootfs {

// The container's own cgroup in one host hierarchy, for mounts of type "cgroup".
struct CgroupView {
    std::string name;     // the hierarchy's directory below /sys/fs/cgroup ("memory",
                          // "unified"); empty for a pure cgroup v2 host
    std::string host_dir; // the container's cgroup in it, e.g. /sys/fs/cgroup/memory/hull/id
    bool v2 = false;
};

enum class CgroupNs { Shared, Own };

// Whether the init has a mount namespace of its own. Host: linux.namespaces lists none, so the
// runtime's is inherited (runtime-spec) and every mount lands in the host's mount table under
// the rootfs bind mount (see prepare()); release_host_rootfs() takes them away at delete.
enum class MountNs { Own, Host };

// An idmap/ridmap bind entry of mounts[] with its own uidMappings/gidMappings, already
// cloned and idmapped by the runtime (see make_idmapped_trees).
struct IdmappedTree {
    size_t mount_index = 0; // in cfg.mounts
    UniqueFd tree;          // a detached mount (open_tree OPEN_TREE_CLONE), idmapped
};

struct PrepareOptions {
    std::string rootfs; // absolute host path of the rootfs (root.path resolved against bundle)
    std::string bundle; // absolute bundle directory: base of relative bind sources
    // What a "cgroup" mount shows: with Own (a new cgroup namespace) a cgroup2 mount shows the
    // namespace root; otherwise, and always on v1, the container's directories are bound.
    std::vector<CgroupView> cgroup_views;
    CgroupNs cgroupns = CgroupNs::Shared;
    // Trees from make_idmapped_trees, attached in place of those entries. An idmap entry
    // with mappings but no tree here is idmapped in-process (right only in the host userns).
    const std::vector<IdmappedTree>* idmapped = nullptr;
    MountNs mount_ns = MountNs::Own;
};

// For every idmap/ridmap bind entry of cfg.mounts with uidMappings/gidMappings: clones its
// source (absolute, or relative to `bundle`) with open_tree(OPEN_TREE_CLONE, AT_RECURSIVE
// for rbind) and idmaps the clone (mount_setattr MOUNT_ATTR_IDMAP, AT_RECURSIVE for ridmap)
// through a fresh user namespace whose uid_map/gid_map are the entry's mappings exactly as
// written, from the calling process: hostID is relative to the runtime's (host) user
// namespace even when the container has its own, as with runc 1.2 and crun. `create` calls
// it before cloning the init: a process inside the container's user namespace could not
// idmap with that namespace (it holds no capability over it).
Result<std::vector<IdmappedTree>> make_idmapped_trees(const Config& cfg, const std::string& bundle);

// Early checks that need no mount namespace, for `create` before it clones the init:
// linux.sysctl keys against the private namespaces (see finalize), idmap/ridmap mounts
// that have neither mappings nor a container user namespace, idmap on a non-bind mount,
// relative maskedPaths/readonlyPaths. prepare() relies on them (the mounts are not checked
// again in the init); finalize() repeats the path checks it needs.
Result<void> validate(const Config& cfg);

// Builds the container's mount tree under opts.rootfs (the mounts stay in the init's mount
// namespace; nothing propagates back to the host):
//  1. "/" becomes recursively slave (recursively private for rootfsPropagation private or
//     rprivate), so mounts made here never reach the host while host mounts still flow in.
//     With MountNs::Host "/" is left alone (it is the host's); instead the rootfs bind mount
//     of step 2 is made recursively private, so the mounts below it reach no peer group.
//  2. The rootfs is bind-mounted onto itself (MS_BIND|MS_REC): pivot_root needs a mount.
//  3. Every mounts[] entry in the listed order. Destinations are created (directory, or an
//     empty file when a file is bind-mounted) inside the rootfs. Non-bind sources go to
//     mount(2) verbatim; bind sources are absolute or relative to the bundle. Options are
//     classified by config/mount_options.hpp: flags at mount time (binds: a second remount
//     pass that keeps the flags the kernel locks in a user namespace), then propagation,
//     then recursive r* attributes with mount_setattr(AT_RECURSIVE).
//     * tmpcopyup: the destination's previous content is copied (modes, owners, times)
//       into the fresh tmpfs.
//     * idmap / ridmap (bind mounts only): open_tree(OPEN_TREE_CLONE[|AT_RECURSIVE]) +
//       mount_setattr(MOUNT_ATTR_IDMAP [AT_RECURSIVE for ridmap]) + move_mount. With
//       uid/gidMappings the tree is the one make_idmapped_trees made in the runtime
//       (hostID relative to the host user namespace); without mappings the container's own
//       user namespace is used; with neither it is an error.
//     * type "cgroup": cgroup2 when /sys/fs/cgroup is a cgroup2 mount; otherwise (v1 or
//       hybrid host) a tmpfs with each host hierarchy of /sys/fs/cgroup bind-mounted into
//       it (and its symlinks copied), read-only when the entry is "ro". Failures of single
//       hierarchies only log a warning.
//     * sysfs that the kernel refuses (EPERM: a user namespace without its own network
//       namespace) falls back to an rbind of the host /sys with the entry's flags.
//  4. Device nodes: the defaults /dev/null, zero, full, random, urandom, tty (0666, owner
//     0:0) and linux.devices (parent dirs created, fileMode applied with chmod, uid/gid with
//     chown). mknod is tried first; where it is denied (user namespace) an empty file gets
//     a bind mount of the host node at the same path. An existing file at a linux.devices
//     path that differs in type, major or minor is an error; a matching one gets its mode
//     and owner fixed. Then the symlinks /dev/fd -> /proc/self/fd, /dev/std{in,out,err} ->
//     /proc/self/fd/{0,1,2} and /dev/ptmx -> pts/ptmx.
//     When /dev is a fresh (non-bind) mount of the config, every failure is an error;
//     otherwise (the rootfs's own /dev) default devices and symlinks are made where
//     possible, an existing different entry is kept, and failures are warnings.
// Returns an O_PATH fd of the rootfs mount made in step 2.
Result<UniqueFd> prepare(const Config& cfg, const PrepareOptions& opts);

// Terminal containers: bind-mounts the pty slave (a host path such as /dev/pts/3) onto
// /dev/console in the rootfs, creating an empty file there first when needed.
Result<void> bind_console(int rootfd, const std::string& pty_slave_path);

enum class PivotMode {
    PivotRoot, // pivot_root(".", ".") then lazily unmount the old root
    NoPivot,   // MS_MOVE the rootfs onto "/" and chroot (runc --no-pivot; for ramfs roots)
    Chroot, // chroot into the rootfs only: no mount namespace of its own (MountNs::Host), as runc
};

// MountNs::Host: detaches (MNT_DETACH) the rootfs bind mount prepare() made in the runtime's
// mount namespace, and with it every mount of the container below it. Does nothing when the
// topmost mount on `rootfs` is not such a bind of the place onto itself (a create that failed
// before prepare(), or a delete run twice), so a rootfs that is a mount of its own (an overlay
// made by the caller) is never unmounted.
Result<void> release_host_rootfs(const std::string& rootfs);
// The test behind it, on given /proc/self/mountinfo text: the last mount on `path` is a bind
// of the same directory onto itself (same device, its root is its parent's root joined with
// its mount point's place below the parent's mount point).
bool is_self_bind(std::string_view mountinfo, std::string_view path);

// Makes the prepared rootfs the process's root and cwd "/". The old root is made
// recursively slave before it is detached, so its unmount never propagates to the host.
// Afterwards linux.rootfsPropagation (if set) is applied recursively to the new "/" (the
// r-forms and the plain forms act the same).
Result<void> enter(const Config& cfg, int rootfd, PivotMode mode);

// After enter() (the config's /proc is mounted), in this order:
//  * linux.sysctl: each key a.b.c is written to /proc/sys/a/b/c. As runc: net.* needs a
//    network namespace entry, kernel.{msgmax,msgmnb,msgmni,sem,shmall,shmmax,shmmni,
//    shm_rmid_forced} and fs.mqueue.* an ipc namespace, kernel.{hostname,domainname} a uts
//    namespace; any other key is an error ("sysctl ... is not in a separate kernel
//    namespace").
//  * linux.readonlyPaths: bound onto themselves (MS_REC) and remounted read-only keeping
//    locked flags. Missing paths are skipped.
//  * linux.maskedPaths: a directory gets a read-only tmpfs, anything else (file, device
//    node, fifo, socket) a bind of /dev/null. Missing paths are skipped; other errors fail.
//  * root.readonly: "/" remounted read-only (keeping locked flags), last.
Result<void> finalize(const Config& cfg);

} // namespace hull::rootfs
