// mount(2) calls, the per-mount flags of a mount and bind remounts that keep locked flags.
#include "rootfs/steps.hpp"

#include "rootfs/path.hpp"
#include "sys/mount_api.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace hull::rootfs::detail {
namespace {

// The kernel's statfs f_flags bit for nosymfollow (glibc 2.36 has no ST_NOSYMFOLLOW).
constexpr unsigned long kStNoSymfollow = 0x2000;

// The atime mode of a flag set: the last of the three modes wins in mount_options, so at
// most one is set; none means "not specified".
unsigned long atime_mode(unsigned long flags) {
    return flags & kAtimeModes;
}

// The flags for a MS_REMOUNT|MS_BIND that sets `flags`, clears `cleared` and keeps the
// rest of `current`. The atime mode is always passed explicitly: with any atime-related
// flag present the kernel stops preserving the mode and would fall back to relatime.
unsigned long merge_flags(unsigned long current, unsigned long flags, unsigned long cleared) {
    constexpr unsigned long kSimple = kMountPointFlags & ~kAtimeModes;
    unsigned long out = (flags & kSimple) | (current & kSimple & ~cleared);
    unsigned long mode = atime_mode(flags);
    if (mode == 0) {
        mode = atime_mode(current);
        if (mode & cleared) // "atime" on a noatime mount, "norelatime" on a relatime one
            mode = (mode == MS_NOATIME) ? MS_RELATIME : MS_STRICTATIME;
    }
    return out | mode;
}

} // namespace

std::string clean_path(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view c = path.substr(i, j - i);
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!c.empty() && c != ".") {
            parts.push_back(c);
        }
        i = j + 1;
    }
    if (parts.empty()) return "/";
    std::string out;
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    return out;
}

std::string describe_mount(const Mount& m, std::string_view clean_dest) {
    std::string src = m.source ? *m.source : (m.type ? *m.type : std::string("none"));
    return "mount " + src + " on " + std::string(clean_dest);
}

std::unexpected<Error> bare_error(int err) {
    return std::unexpected(Error(err, std::strerror(err)));
}

Result<void> do_mount(const char* source, const std::string& target, const char* type,
                      unsigned long flags, const char* data) {
    if (::mount(source, target.c_str(), type, flags, data) < 0) return bare_error(errno);
    return {};
}

Result<unsigned long> current_mount_flags(int mntfd) {
    struct statfs sf {};
    if (::fstatfs(mntfd, &sf) < 0) return fail_errno("statfs");
    auto f = static_cast<unsigned long>(sf.f_flags);
    unsigned long out = 0;
    if (f & ST_RDONLY) out |= MS_RDONLY;
    if (f & ST_NOSUID) out |= MS_NOSUID;
    if (f & ST_NODEV) out |= MS_NODEV;
    if (f & ST_NOEXEC) out |= MS_NOEXEC;
    if (f & ST_NODIRATIME) out |= MS_NODIRATIME;
    if (f & kStNoSymfollow) out |= MS_NOSYMFOLLOW;
    if (f & ST_NOATIME)
        out |= MS_NOATIME;
    else if (f & ST_RELATIME)
        out |= MS_RELATIME;
    else
        out |= MS_STRICTATIME;
    return out;
}

std::optional<sys::MountAttrChange> attr_change(unsigned long flags, unsigned long cleared) {
    if ((cleared & kAtimeModes) && !atime_mode(flags)) return std::nullopt;
    constexpr std::pair<unsigned long, uint64_t> kSimple[] = {
        {MS_RDONLY, MOUNT_ATTR_RDONLY},         {MS_NOSUID, MOUNT_ATTR_NOSUID},
        {MS_NODEV, MOUNT_ATTR_NODEV},           {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
        {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
    };
    sys::MountAttrChange c;
    for (auto [ms, attr] : kSimple) {
        if (flags & ms)
            c.set |= attr;
        else if (cleared & ms)
            c.clear |= attr;
    }
    if (unsigned long mode = atime_mode(flags)) {
        c.clear |= MOUNT_ATTR__ATIME;
        c.set |= mode == MS_NOATIME       ? MOUNT_ATTR_NOATIME
                 : mode == MS_STRICTATIME ? MOUNT_ATTR_STRICTATIME
                                          : MOUNT_ATTR_RELATIME;
    }
    return c;
}

Result<void> remount_bind(int mntfd, unsigned long flags, unsigned long cleared) {
    // One mount_setattr where the kernel has it: it changes only the named flags, so the
    // current ones need not be read first. Any refusal (locked flags, an old kernel) takes
    // the MS_REMOUNT path below, which knows how to keep locked flags.
    if (auto change = attr_change(flags, cleared))
        if (sys::mount_setattr(mntfd, "", AT_EMPTY_PATH, *change)) return {};
    unsigned long current = HULL_TRY_CTX(current_mount_flags(mntfd), "remount");
    std::string target = proc_fd_path(mntfd);
    unsigned long want = merge_flags(current, flags, cleared);
    if (::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | want, nullptr) == 0)
        return {};
    if (errno != EPERM) return fail_errno("remount");
    // Locked flags (user namespace): keep every restriction the mount has now.
    constexpr unsigned long kLockable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
    unsigned long locked = (current & kLockable) | (current & MS_NODIRATIME);
    unsigned long retry = (want & ~kAtimeModes) | locked | atime_mode(current);
    if (retry == want) return fail_sys(EPERM, "remount");
    if (::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | retry, nullptr) < 0)
        return fail_errno("remount");
    if ((current & MS_RDONLY) && !(flags & MS_RDONLY))
        log::warn("mount is locked read-only; kept it read-only");
    return {};
}

Result<void> set_propagation(int mntfd, unsigned long propagation) {
    std::string target = proc_fd_path(mntfd);
    if (::mount(nullptr, target.c_str(), nullptr, propagation, nullptr) < 0)
        return fail_errno("set propagation");
    return {};
}

Result<void> set_recursive_attrs(int mntfd, uint64_t attr_set, uint64_t attr_clr) {
    sys::MountAttrChange change;
    change.set = attr_set;
    change.clear = attr_clr;
    auto r = sys::mount_setattr(mntfd, "", AT_EMPTY_PATH | AT_RECURSIVE, change);
    if (!r) return fail_sys(r.error().err(), "set recursive mount attributes");
    return {};
}

unsigned long propagation_flags(RootfsPropagation p) {
    switch (p) {
    case RootfsPropagation::Shared:
    case RootfsPropagation::Rshared:
        return MS_SHARED | MS_REC;
    case RootfsPropagation::Slave:
    case RootfsPropagation::Rslave:
        return MS_SLAVE | MS_REC;
    case RootfsPropagation::Private:
    case RootfsPropagation::Rprivate:
        return MS_PRIVATE | MS_REC;
    case RootfsPropagation::Unbindable:
    case RootfsPropagation::Runbindable:
        return MS_UNBINDABLE | MS_REC;
    }
    return MS_SLAVE | MS_REC;
}

} // namespace hull::rootfs::detail
