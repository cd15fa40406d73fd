// tmpcopyup: copying a directory's content into the tmpfs mounted over it.
#include "rootfs/steps.hpp"

#include "util/fs.hpp"
#include "util/io.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace hull::rootfs::detail {
namespace {

Result<void> copy_bytes(int in, int out, const std::string& name) {
    std::array<char, 65536> buf{};
    for (;;) {
        const ssize_t n = io::retry_eintr([&] { return ::read(in, buf.data(), buf.size()); });
        if (n < 0) return fail_errno("read " + name);
        if (n == 0) return {};
        HULL_TRY(io::write_all(out, std::string_view(buf.data(), static_cast<size_t>(n)),
                               "write " + name));
    }
}

// Owner, then mode (chown clears set-id bits), then times of <dir>/<name>.
Result<void> copy_meta(int dir, const char* name, const struct stat& st, const std::string& shown,
                       DirMode mode = DirMode::Copy) {
    if (::fchownat(dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
        return fail_errno("chown " + shown);
    if (!S_ISLNK(st.st_mode) && mode == DirMode::Copy) {
        // fchmodat cannot skip symlinks on this glibc, but name is never a symlink here.
        int r = *name ? ::fchmodat(dir, name, st.st_mode & 07777, 0)
                      : ::fchmod(dir, st.st_mode & 07777);
        if (r < 0) return fail_errno("chmod " + shown);
    }
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    int r = *name ? ::utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW) : ::futimens(dir, times);
    if (r < 0) return fail_errno("set times of " + shown);
    return {};
}

Result<void> copy_dir(int src, int dst, const std::string& prefix);

Result<void> copy_one(int src, int dst, const std::string& name, const std::string& shown) {
    struct stat st {};
    const char* n = name.c_str();
    if (::fstatat(src, n, &st, AT_SYMLINK_NOFOLLOW) < 0) return fail_errno("stat " + shown);
    if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(dst, n, 0700) < 0) return fail_errno("mkdir " + shown);
        int s = ::openat(src, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0) return fail_errno("open " + shown);
        UniqueFd sfd(s);
        int d = ::openat(dst, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d < 0) return fail_errno("open copy of " + shown);
        UniqueFd dfd(d);
        HULL_TRY(copy_dir(sfd.get(), dfd.get(), shown));
    } else if (S_ISREG(st.st_mode)) {
        int s = ::openat(src, n, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0) return fail_errno("open " + shown);
        UniqueFd in(s);
        int d = ::openat(dst, n, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (d < 0) return fail_errno("create copy of " + shown);
        UniqueFd out(d);
        HULL_TRY(copy_bytes(in.get(), out.get(), shown));
    } else if (S_ISLNK(st.st_mode)) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t len = ::readlinkat(src, n, target.data(), target.size());
        if (len < 0) return fail_errno("readlink " + shown);
        target.resize(static_cast<size_t>(len));
        if (::symlinkat(target.c_str(), dst, n) < 0) return fail_errno("symlink " + shown);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
        if (::mknodat(dst, n, st.st_mode & (S_IFMT | 0700), st.st_rdev) < 0) {
            if (errno == EPERM) { // device nodes in a user namespace
                log::warn("tmpcopyup: skipping device node " + shown + ": not permitted");
                return {};
            }
            return fail_errno("mknod " + shown);
        }
    } else {
        return {}; // sockets mean nothing without their listener
    }
    return copy_meta(dst, n, st, shown);
}

Result<void> copy_dir(int src, int dst, const std::string& prefix) {
    auto names = HULL_TRY(fs::list_dir(src));
    for (const auto& name : names)
        HULL_TRY(copy_one(src, dst, name, prefix + "/" + name));
    return {};
}

} // namespace

Result<void> copy_tree(int src, int dst, DirMode root_mode) {
    HULL_TRY(copy_dir(src, dst, ""));
    struct stat st {};
    if (::fstat(src, &st) < 0) return fail_errno("stat source directory");
    return copy_meta(dst, "", st, "/", root_mode);
}

} // namespace hull::rootfs::detail
