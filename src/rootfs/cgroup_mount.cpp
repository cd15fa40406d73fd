// mounts[] entries of type "cgroup": what the container sees at e.g. /sys/fs/cgroup.
//
//  * pure v2 host, own cgroup namespace: a fresh cgroup2 mount, whose root is the namespace's
//    root, i.e. the container's cgroup.
//  * pure v2 host, shared cgroup namespace: the container's cgroup directory bound there (a
//    fresh mount would show the whole host tree).
//  * v1 or hybrid host: a tmpfs with one directory per host hierarchy ("memory", "cpu",
//    "unified", ...), each a bind of the container's own cgroup in that hierarchy, plus the
//    host's symlinks (cpu,cpuacct -> cpu). One v1 "cgroup" filesystem cannot show them all.
// Without a container cgroup (no views) the host's hierarchies are shown, as before.
#include "rootfs/steps.hpp"

#include "rootfs/path.hpp"
#include "sys/mount_api.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hull::rootfs::detail {
namespace {

constexpr const char* kHostCgroup = "/sys/fs/cgroup";
constexpr unsigned long kCgroupFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

bool host_is_cgroup2() {
    struct statfs sf {};
    return ::statfs(kHostCgroup, &sf) == 0 &&
           static_cast<unsigned long>(sf.f_type) == CGROUP2_SUPER_MAGIC;
}

UniqueFd open_below(int dir, const std::string& name) {
    return UniqueFd(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
}

// A detached copy of `host` (open_tree), given its flags before it is attached below `dir`
// (the fresh tmpfs hull just mounted): one mount operation where a bind needs a remount too.
Result<void> bind_detached(int dir, const std::string& name, const std::string& host,
                           unsigned long flags, unsigned long cleared) {
    auto change = attr_change(flags, cleared);
    if (!change) return fail_sys(EINVAL, "flags");
    UniqueFd tree = HULL_TRY(sys::open_tree(AT_FDCWD, host, OPEN_TREE_CLONE | AT_RECURSIVE));
    HULL_TRY(sys::mount_setattr(tree.get(), "", AT_EMPTY_PATH, *change));
    return sys::move_mount(tree.get(), "", dir, name, MOVE_MOUNT_F_EMPTY_PATH);
}

// Binds host directory `host` onto <dir>/<name>, with the entry's flags.
Result<void> bind_dir(int dir, const std::string& name, const std::string& host,
                      const MountOptions& o) {
    if (::mkdirat(dir, name.c_str(), 0755) < 0 && errno != EEXIST)
        return fail_errno("mkdir " + name);
    auto detached = bind_detached(dir, name, host, o.flags | kCgroupFlags, o.cleared);
    if (detached) return {};
    log::debug("cgroup " + name + ": " + detached.error().message() + "; bind and remount");
    UniqueFd mp = open_below(dir, name);
    if (!mp) return fail_errno("open " + name);
    HULL_TRY_CTX(do_mount(host.c_str(), proc_fd_path(mp.get()), nullptr, MS_BIND | MS_REC, nullptr),
                 "bind " + host);
    UniqueFd mnt = open_below(dir, name);
    if (!mnt) return fail_errno("open " + name);
    return remount_bind(mnt.get(), o.flags | kCgroupFlags, o.cleared);
}

// Copies the host's symlinks below /sys/fs/cgroup (cpu,cpuacct -> cpu) into `dir`.
void copy_symlinks(int dir, int host) {
    auto entries = fs::list_dir_typed(host);
    if (!entries) return;
    for (const auto& [name, type] : *entries) {
        struct stat st {};
        if (type != DT_LNK && type != DT_UNKNOWN) continue; // tmpfs and sysfs report types
        if (::fstatat(host, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISLNK(st.st_mode))
            continue;
        char buf[256];
        ssize_t n = ::readlinkat(host, name.c_str(), buf, sizeof(buf) - 1);
        if (n <= 0) continue;
        buf[n] = '\0';
        if (::symlinkat(buf, dir, name.c_str()) < 0 && errno != EEXIST)
            log::warn("cgroup mount: symlink " + name + ": " + std::strerror(errno));
    }
}

// The host's hierarchies (directories on their own filesystem below /sys/fs/cgroup), for a
// container without a cgroup of its own.
std::vector<CgroupView> host_views(int host) {
    std::vector<CgroupView> v;
    struct stat top {};
    if (::fstat(host, &top) < 0) return v;
    auto names = fs::list_dir(host);
    if (!names) return v;
    for (const auto& name : *names) {
        struct stat st {};
        if (::fstatat(host, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        if (!S_ISDIR(st.st_mode) || st.st_dev == top.st_dev) continue;
        v.push_back({name, std::string(kHostCgroup) + "/" + name, false});
    }
    return v;
}

Result<void> populate_v1(int dir, const std::vector<CgroupView>& views, const MountOptions& o) {
    auto host =
        HULL_TRY(fs::open_dir(AT_FDCWD, kHostCgroup, fs::DirAccess::Read, fs::Symlinks::Follow));
    const std::vector<CgroupView> fallback =
        views.empty() ? host_views(host.get()) : std::vector<CgroupView>{};
    for (const auto& view : views.empty() ? fallback : views)
        HULL_TRY_CTX(bind_dir(dir, view.name, view.host_dir, o), "cgroup " + view.name);
    copy_symlinks(dir, host.get());
    return {};
}

} // namespace

Result<Attached> mount_cgroup(const MountContext& ctx, const Mount& m, const MountOptions& o,
                              const std::string& dest, int mpfd) {
    const char* data = o.data.empty() ? nullptr : o.data.c_str();
    std::string target = proc_fd_path(mpfd);
    const std::vector<CgroupView> none;
    const auto& views = ctx.cgroup_views ? *ctx.cgroup_views : none;
    bool unified = views.size() == 1 && views[0].v2 && views[0].name.empty();
    if (unified || (views.empty() && host_is_cgroup2())) {
        if (ctx.cgroupns == CgroupNs::Own || views.empty()) {
            const char* source = m.source ? m.source->c_str() : "cgroup";
            auto r = do_mount(source, target, "cgroup2", o.flags, data);
            if (r) return Attached::Fresh;
            if (r.error().err() != EPERM || !views.empty())
                return std::unexpected(std::move(r).error());
            log::debug("cgroup2 on " + dest + ": not permitted, binding the host's tree");
            HULL_TRY(do_mount(kHostCgroup, target, nullptr, MS_BIND | MS_REC, nullptr));
            return Attached::Bound;
        }
        HULL_TRY_CTX(
            do_mount(views[0].host_dir.c_str(), target, nullptr, MS_BIND | MS_REC, nullptr),
            "bind " + views[0].host_dir);
        return Attached::Bound;
    }

    const char* source = m.source ? m.source->c_str() : "tmpfs";
    HULL_TRY(do_mount(source, target, "tmpfs", o.flags & ~MS_RDONLY, "mode=755"));
    UniqueFd dir = HULL_TRY(open_in_root(ctx.rootfd, dest, O_RDONLY | O_DIRECTORY));
    HULL_TRY(populate_v1(dir.get(), views, o));
    if (o.flags & MS_RDONLY)
        HULL_TRY_CTX(
            do_mount(source, proc_fd_path(dir.get()), "tmpfs", MS_REMOUNT | o.flags, "mode=755"),
            "remount read-only");
    return Attached::Fresh;
}

} // namespace hull::rootfs::detail
