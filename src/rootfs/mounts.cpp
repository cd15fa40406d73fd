// prepare(): "/" propagation, the rootfs bind, the mounts[] entries, then the devices.
#include "rootfs/steps.hpp"

#include "rootfs/path.hpp"
#include "rootfs/rootfs.hpp"
#include "sys/mount_api.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>

namespace hull::rootfs {
namespace detail {
namespace {

std::string host_source(const MountContext& ctx, const std::string& src) {
    if (!src.empty() && src.front() == '/') return src;
    return ctx.bundle + "/" + src;
}

bool data_has_mode(const std::string& data) {
    return data.starts_with("mode=") || data.find(",mode=") != std::string::npos;
}

// The user namespace an idmapped mount maps through.
Result<UniqueFd> userns_for_idmap(const MountContext& ctx, const Mount& m) {
    if (!m.uidMappings.empty() || !m.gidMappings.empty()) {
        if (m.uidMappings.empty() || m.gidMappings.empty())
            return fail("uidMappings and gidMappings must be given together");
        return make_idmap_userns(m.uidMappings, m.gidMappings);
    }
    if (!ctx.container_userns)
        return fail("an idmap mount needs uidMappings and gidMappings or a user namespace");
    int fd = ::open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail_errno("open /proc/self/ns/user");
    return UniqueFd(fd);
}

Result<Attached> attach_bind(const MountContext& ctx, const Mount& m, const MountOptions& o,
                             const std::string& dest) {
    const bool premade = o.idmap != MountOptions::IdMap::None && ctx.idmapped_tree >= 0;
    UniqueFd srcfd;
    if (!premade) {
        if (!m.source || m.source->empty()) return fail("a bind mount needs a source");
        std::string src = host_source(ctx, *m.source);
        srcfd.reset(::open(src.c_str(), O_PATH | O_CLOEXEC));
        if (!srcfd) return bare_error(errno);
    }
    struct stat st {};
    if (::fstat(premade ? ctx.idmapped_tree : srcfd.get(), &st) < 0) return bare_error(errno);
    EntryKind kind = S_ISDIR(st.st_mode) ? EntryKind::Dir : EntryKind::File;
    UniqueFd mp = HULL_TRY(create_mountpoint_in_root(ctx.rootfd, dest, kind));

    if (o.idmap == MountOptions::IdMap::None) {
        HULL_TRY(do_mount(proc_fd_path(srcfd.get()).c_str(), proc_fd_path(mp.get()), nullptr,
                          MS_BIND | (o.recursive ? MS_REC : 0), nullptr));
        return Attached::Bound;
    }
    UniqueFd made;
    if (!premade) {
        UniqueFd userns = HULL_TRY(userns_for_idmap(ctx, m));
        made = HULL_TRY(idmapped_clone(srcfd.get(), o, userns.get()));
    }
    HULL_TRY(sys::move_mount(premade ? ctx.idmapped_tree : made.get(), "", mp.get(), "",
                             MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH));
    return Attached::Bound;
}

Result<Attached> attach_fs(const MountContext& ctx, const Mount& m, const MountOptions& o,
                           const std::string& dest) {
    UniqueFd mp = HULL_TRY(create_mountpoint_in_root(ctx.rootfd, dest, EntryKind::Dir));
    UniqueFd old;
    unsigned long flags = o.flags;
    bool ro_later = false;
    if (o.tmpcopyup) {
        // Still the directory below the mount we are about to make.
        int fd = ::openat(mp.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return fail_errno("tmpcopyup: open " + dest);
        old.reset(fd);
        if (flags & MS_RDONLY) {
            flags &= ~MS_RDONLY;
            ro_later = true;
        }
    }
    const char* source = m.source ? m.source->c_str() : nullptr;
    const char* type = m.type ? m.type->c_str() : nullptr;
    const char* data = o.data.empty() ? nullptr : o.data.c_str();
    std::string target = proc_fd_path(mp.get());
    auto r = do_mount(source, target, type, flags, data);
    if (!r) {
        // A user namespace that does not own the network namespace cannot mount sysfs.
        if (r.error().err() == EPERM && m.type && *m.type == "sysfs") {
            log::debug("sysfs on " + dest + ": not permitted, binding the host /sys instead");
            HULL_TRY(do_mount("/sys", target, nullptr, MS_BIND | MS_REC, nullptr));
            return Attached::Bound;
        }
        return std::unexpected(std::move(r).error());
    }
    if (o.tmpcopyup) {
        UniqueFd fresh =
            HULL_TRY_CTX(open_in_root(ctx.rootfd, dest, O_RDONLY | O_DIRECTORY), "tmpcopyup");
        DirMode dm = data_has_mode(o.data) ? DirMode::Keep : DirMode::Copy;
        HULL_TRY_CTX(copy_tree(old.get(), fresh.get(), dm), "tmpcopyup");
        if (ro_later)
            HULL_TRY_CTX(
                do_mount(source, proc_fd_path(fresh.get()), type, MS_REMOUNT | o.flags, data),
                "remount read-only");
    }
    return Attached::Fresh;
}

Result<void> mount_entry_impl(const MountContext& ctx, const Mount& m, const MountOptions& o,
                              const std::string& dest) {
    if (o.idmap != MountOptions::IdMap::None && !o.bind)
        return fail("idmap and ridmap need a bind mount");
    Attached how = Attached::Fresh;
    if (o.bind) {
        how = HULL_TRY(attach_bind(ctx, m, o, dest));
    } else if (m.type && *m.type == "cgroup") {
        UniqueFd mp = HULL_TRY(create_mountpoint_in_root(ctx.rootfd, dest, EntryKind::Dir));
        how = HULL_TRY(mount_cgroup(ctx, m, o, dest, mp.get()));
    } else {
        how = HULL_TRY(attach_fs(ctx, m, o, dest));
    }
    bool remount = how == Attached::Bound && ((o.flags | o.cleared) & kMountPointFlags) != 0;
    if (!remount && o.propagation == 0 && !o.has_recursive_attrs()) return {};
    // The mount just made, reached through the same in-root resolution.
    UniqueFd mnt = HULL_TRY(open_in_root(ctx.rootfd, dest, O_PATH));
    if (remount) HULL_TRY(remount_bind(mnt.get(), o.flags, o.cleared));
    if (o.propagation != 0) HULL_TRY(set_propagation(mnt.get(), o.propagation));
    if (o.has_recursive_attrs()) HULL_TRY(set_recursive_attrs(mnt.get(), o.attr_set, o.attr_clr));
    return {};
}

} // namespace

Result<void> mount_entry(const MountContext& ctx, const Mount& m) {
    MountOptions o = parse_mount_options(m.options);
    std::string dest = clean_path(m.destination);
    return with_context(mount_entry_impl(ctx, m, o, dest), describe_mount(m, dest));
}

Result<void> check_mounts(const Config& cfg) {
    bool userns = cfg.linux && cfg.linux->find_namespace(NamespaceType::User) != nullptr;
    for (const auto& m : cfg.mounts) {
        MountOptions o = parse_mount_options(m.options);
        if (o.idmap == MountOptions::IdMap::None) continue;
        std::string what = describe_mount(m, clean_path(m.destination));
        if (!o.bind) return fail(what + ": idmap and ridmap need a bind mount");
        if (m.uidMappings.empty() != m.gidMappings.empty())
            return fail(what + ": uidMappings and gidMappings must be given together");
        if (m.uidMappings.empty() && !userns)
            return fail(what +
                        ": an idmap mount needs uidMappings and gidMappings or a user namespace");
    }
    return {};
}

} // namespace detail

Result<UniqueFd> prepare(const Config& cfg, const PrepareOptions& opts) {
    using namespace detail;
    // The mounts were checked by validate() in `create`, before the init was cloned.
    if (opts.rootfs.empty() || opts.rootfs.front() != '/')
        return fail("rootfs path must be absolute: \"" + opts.rootfs + "\"");
    const Linux* lx = cfg.linux ? &*cfg.linux : nullptr;
    if (lx && lx->mountLabel) log::debug("linux.mountLabel ignored: SELinux is not enabled");

    // 1. Nothing mounted from here on reaches the host.
    unsigned long root_prop = MS_SLAVE | MS_REC;
    if (lx && lx->rootfsPropagation &&
        (*lx->rootfsPropagation == RootfsPropagation::Private ||
         *lx->rootfsPropagation == RootfsPropagation::Rprivate))
        root_prop = MS_PRIVATE | MS_REC;
    if (opts.mount_ns == MountNs::Own && ::mount(nullptr, "/", nullptr, root_prop, nullptr) < 0)
        return fail_errno(root_prop & MS_PRIVATE ? "make / rprivate" : "make / rslave");

    // 2. The rootfs becomes a mount of its own; open it only now, so the fd is on the new
    // mount and everything below lands on it.
    HULL_TRY_CTX(do_mount(opts.rootfs.c_str(), opts.rootfs, nullptr, MS_BIND | MS_REC, nullptr),
                 "bind rootfs " + opts.rootfs + " onto itself");
    if (opts.mount_ns == MountNs::Host)
        HULL_TRY_CTX(do_mount(nullptr, opts.rootfs, nullptr, MS_PRIVATE | MS_REC, nullptr),
                     "make the rootfs bind mount rprivate");
    int fd = ::open(opts.rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail_errno("open rootfs " + opts.rootfs);
    UniqueFd rootfd(fd);

    // 3. The config's mounts, in order.
    MountContext ctx;
    ctx.rootfd = rootfd.get();
    ctx.bundle = opts.bundle;
    ctx.cgroup_views = &opts.cgroup_views;
    ctx.cgroupns = opts.cgroupns;
    ctx.container_userns = lx && lx->find_namespace(NamespaceType::User) != nullptr;
    bool fresh_dev = false;
    for (size_t i = 0; i < cfg.mounts.size(); ++i) {
        const Mount& m = cfg.mounts[i];
        ctx.idmapped_tree = -1;
        if (opts.idmapped)
            for (const auto& t : *opts.idmapped)
                if (t.mount_index == i) ctx.idmapped_tree = t.tree.get();
        HULL_TRY(mount_entry(ctx, m));
        if (clean_path(m.destination) == "/dev") fresh_dev = !parse_mount_options(m.options).bind;
    }

    // 4. Devices and /dev symlinks.
    HULL_TRY(
        create_devices(rootfd.get(), cfg, fresh_dev ? DevPolicy::Strict : DevPolicy::BestEffort));
    return rootfd;
}

} // namespace hull::rootfs
