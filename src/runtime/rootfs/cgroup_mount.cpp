// mounts[] entries of type "cgroup": cgroup2 on a pure v2 host; on a v1 or hybrid host a
// tmpfs holding binds of the host's hierarchies (one v1 "cgroup" filesystem cannot show
// them all).
#include "rootfs_steps.hpp"

#include "hull/fs.hpp"
#include "hull/log.hpp"
#include "hull/rootfs_path.hpp"

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

bool host_is_cgroup2() {
    struct statfs sf {};
    return ::statfs(kHostCgroup, &sf) == 0 &&
           static_cast<unsigned long>(sf.f_type) == CGROUP2_SUPER_MAGIC;
}

// Binds the host hierarchy `name` onto <dir>/<name>, with the entry's flags.
Result<void> bind_hierarchy(int dir, const std::string& name, const MountOptions& o) {
    if (::mkdirat(dir, name.c_str(), 0755) < 0 && errno != EEXIST)
        return fail_errno("mkdir " + name);
    int fd = ::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail_errno("open " + name);
    UniqueFd mp(fd);
    std::string host = std::string(kHostCgroup) + "/" + name;
    HULL_TRY_CTX(do_mount(host.c_str(), proc_fd_path(mp.get()), nullptr, MS_BIND | MS_REC, nullptr),
                 "bind " + host);
    fd = ::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail_errno("open " + name);
    UniqueFd mnt(fd);
    return remount_bind(mnt.get(), o.flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, o.cleared);
}

// Fills the tmpfs `dir` with the host's hierarchies (mount points right below
// /sys/fs/cgroup) and its symlinks (cpu -> cpu,cpuacct). Failures only warn.
void populate_v1(int dir, const MountOptions& o) {
    auto host = fs::open_dir(AT_FDCWD, kHostCgroup, fs::DirAccess::Read, fs::Symlinks::Follow);
    if (!host) {
        log::warn("cgroup mount: " + host.error().message());
        return;
    }
    struct stat top {};
    if (::fstat(host->get(), &top) < 0) return;
    auto names = fs::list_dir(host->get());
    if (!names) {
        log::warn("cgroup mount: " + names.error().message());
        return;
    }
    for (const auto& name : *names) {
        struct stat st {};
        if (::fstatat(host->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        if (S_ISLNK(st.st_mode)) {
            char buf[256];
            ssize_t n = ::readlinkat(host->get(), name.c_str(), buf, sizeof(buf) - 1);
            if (n <= 0) continue;
            buf[n] = '\0';
            if (::symlinkat(buf, dir, name.c_str()) < 0 && errno != EEXIST)
                log::warn("cgroup mount: symlink " + name + ": " + std::strerror(errno));
            continue;
        }
        if (!S_ISDIR(st.st_mode) || st.st_dev == top.st_dev) continue; // not a hierarchy
        auto r = bind_hierarchy(dir, name, o);
        if (!r) log::warn("cgroup mount: " + r.error().message());
    }
}

} // namespace

Result<Attached> mount_cgroup(const MountContext& ctx, const Mount& m, const MountOptions& o,
                              const std::string& dest, int mpfd) {
    const char* data = o.data.empty() ? nullptr : o.data.c_str();
    std::string target = proc_fd_path(mpfd);
    if (host_is_cgroup2()) {
        const char* source = m.source ? m.source->c_str() : "cgroup";
        auto r = do_mount(source, target, "cgroup2", o.flags, data);
        if (r) return Attached::Fresh;
        // No cgroup namespace of our own in a user namespace: show the host's tree instead.
        if (r.error().err() != EPERM) return std::unexpected(std::move(r).error());
        log::debug("cgroup2 on " + dest + ": not permitted, binding the host " + kHostCgroup);
        HULL_TRY(do_mount(kHostCgroup, target, nullptr, MS_BIND | MS_REC, nullptr));
        return Attached::Bound;
    }

    const char* source = m.source ? m.source->c_str() : "tmpfs";
    HULL_TRY(do_mount(source, target, "tmpfs", o.flags & ~MS_RDONLY, "mode=755"));
    UniqueFd dir = HULL_TRY(open_in_root(ctx.rootfd, dest, O_RDONLY | O_DIRECTORY));
    populate_v1(dir.get(), o);
    if (o.flags & MS_RDONLY)
        HULL_TRY_CTX(
            do_mount(source, proc_fd_path(dir.get()), "tmpfs", MS_REMOUNT | o.flags, "mode=755"),
            "remount read-only");
    return Attached::Fresh;
}

} // namespace hull::rootfs::detail
