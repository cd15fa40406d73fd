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
// (hull/rootfs_path.hpp): a symlink such as /etc -> /host/etc or ../../.. inside the rootfs
// never leads out of it. Mount errors name the mount as runc does:
//   "mount proc on /proc: Permission denied".
//
// linux.mountLabel is ignored (SELinux is not enabled on the hosts hull targets); prepare()
// logs a debug note when it is set.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "hull/fd.hpp"

#include <string>

namespace hull::rootfs {

struct PrepareOptions {
    std::string rootfs; // absolute host path of the rootfs (root.path resolved against bundle)
    std::string bundle; // absolute bundle directory: base of relative bind sources
};

// Early checks that need no mount namespace, for `create` before it clones the init:
// linux.sysctl keys against the private namespaces (see finalize), idmap/ridmap mounts
// that have neither mappings nor a container user namespace, idmap on a non-bind mount,
// relative maskedPaths/readonlyPaths. prepare() and finalize() repeat the checks they need.
Result<void> validate(const Config& cfg);

// Builds the container's mount tree under opts.rootfs (the mounts stay in the init's mount
// namespace; nothing propagates back to the host):
//  1. "/" becomes recursively slave (recursively private for rootfsPropagation private or
//     rprivate), so mounts made here never reach the host while host mounts still flow in.
//  2. The rootfs is bind-mounted onto itself (MS_BIND|MS_REC): pivot_root needs a mount.
//  3. Every mounts[] entry in the listed order. Destinations are created (directory, or an
//     empty file when a file is bind-mounted) inside the rootfs. Non-bind sources go to
//     mount(2) verbatim; bind sources are absolute or relative to the bundle. Options are
//     classified by hull/mount_options.hpp: flags at mount time (binds: a second remount
//     pass that keeps the flags the kernel locks in a user namespace), then propagation,
//     then recursive r* attributes with mount_setattr(AT_RECURSIVE).
//     * tmpcopyup: the destination's previous content is copied (modes, owners, times)
//       into the fresh tmpfs.
//     * idmap / ridmap (bind mounts only): open_tree(OPEN_TREE_CLONE[|AT_RECURSIVE]) +
//       mount_setattr(MOUNT_ATTR_IDMAP [AT_RECURSIVE for ridmap]) + move_mount. With
//       uid/gidMappings the user namespace comes from a short-lived child that unshares a
//       user namespace whose maps are written verbatim (hostID is relative to the user
//       namespace the init runs in); without mappings the container's own user namespace
//       is used; with neither it is an error.
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
};

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
