#include "util/fs.hpp"
#include "util/io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <vector>

namespace hull::fs {

namespace {

// Splits "a/b/c" into ("a/b/", "c"); "c" into ("", "c").
std::pair<std::string_view, std::string_view> split_last(std::string_view path) {
    auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return {{}, path};
    return {path.substr(0, slash + 1), path.substr(slash + 1)};
}

// Eight random hex digits for temp names; getrandom, with a clock/pid fallback.
std::string random_suffix() {
    unsigned char b[4];
    if (getrandom(b, sizeof b, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof b)) {
        struct timespec ts {};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        auto v = static_cast<unsigned>(ts.tv_nsec) ^ (static_cast<unsigned>(getpid()) << 16);
        for (int i = 0; i < 4; i++)
            b[i] = static_cast<unsigned char>(v >> (8 * i));
    }
    char out[9];
    std::snprintf(out, sizeof out, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
    return out;
}

bool is_dot_or_dotdot(const char* n) {
    return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

Result<void> remove_at(int dirfd, const std::string& name, std::string_view shown, bool top);

// Reads the entries of `fd` with their d_type, without moving the offset of `fd`.
Result<std::vector<std::pair<std::string, unsigned char>>> read_entries(int fd,
                                                                        std::string_view shown) {
    // A fresh open file description: fdopendir() would otherwise share (and move) the offset
    // of the caller's fd.
    int dfd = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return fail_errno("open " + std::string(shown));
    DIR* dir = ::fdopendir(dfd);
    if (!dir) {
        int err = errno;
        ::close(dfd);
        return fail_sys(err, "opendir " + std::string(shown));
    }
    std::vector<std::pair<std::string, unsigned char>> entries;
    errno = 0;
    while (struct dirent* de = ::readdir(dir)) {
        if (!is_dot_or_dotdot(de->d_name)) entries.emplace_back(de->d_name, de->d_type);
        errno = 0;
    }
    int err = errno;
    ::closedir(dir);
    if (err != 0) return fail_sys(err, "readdir " + std::string(shown));
    return entries;
}

// Removes the entries of the open directory `fd`; `shown` names it in errors.
Result<void> remove_entries(int fd, std::string_view shown) {
    // Collect first, remove afterwards: readdir on a directory being modified is allowed but
    // may skip or repeat entries.
    auto entries = HULL_TRY(read_entries(fd, shown.empty() ? "." : shown));
    std::string base = shown.empty() ? std::string() : std::string(shown) + "/";
    // Like rm -rf: keep going after a failure (a busy mount point), report the first one.
    Result<void> first;
    for (const auto& [name, type] : entries) {
        if (type != DT_DIR && type != DT_UNKNOWN) {
            if (::unlinkat(fd, name.c_str(), 0) == 0 || errno == ENOENT) continue;
            if (errno != EISDIR) {
                if (first) first = fail_errno("remove " + base + name);
                continue;
            }
            // It became a directory under us: fall through to the careful path.
        }
        auto r = remove_at(fd, name, base + name, false);
        if (!r && first) first = std::move(r);
    }
    return first;
}

// Removes `name` under dirfd. Missing entries are fine unless `top`.
Result<void> remove_at(int dirfd, const std::string& name, std::string_view shown, bool top) {
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        if (err == ENOENT && !top) return {};
        if (err != ENOTDIR && err != ELOOP) return fail_sys(err, "open " + std::string(shown));
        // Not a directory (or a symlink): unlink the entry itself.
        if (::unlinkat(dirfd, name.c_str(), 0) == 0) return {};
        if (errno == ENOENT && !top) return {};
        return fail_errno("remove " + std::string(shown));
    }
    // Check what we actually opened: a mount root is never descended into.
    struct statx stx {};
    if (::statx(fd.get(), "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0)
        return fail_errno("stat " + std::string(shown));
    bool mount_root = (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
    if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)) {
        // Kernels before 5.8 lack the attribute: treat a change of device as a mount point.
        struct stat parent {};
        if (::fstat(dirfd, &parent) == 0 &&
            (makedev(stx.stx_dev_major, stx.stx_dev_minor) != parent.st_dev))
            mount_root = true;
    }
    if (mount_root) return fail_sys(EBUSY, "remove " + std::string(shown) + " (a mount point)");

    HULL_TRY(remove_entries(fd.get(), shown));
    fd.reset();
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) == 0) return {};
    if (errno == ENOENT && !top) return {};
    return fail_errno("remove " + std::string(shown));
}

} // namespace

Result<void> write_file_atomic(int dirfd, std::string_view name, std::string_view data,
                               mode_t mode) {
    auto [dir, base] = split_last(name);
    if (base.empty() || base == "." || base == "..")
        return fail_sys(EINVAL, "write " + std::string(name));
    std::string target(name);
    std::string tmp;
    UniqueFd fd;
    for (int attempt = 0; attempt < 100 && !fd; attempt++) {
        // A fixed-length temp name, so a 255-byte target name still fits.
        tmp = std::string(dir) + ".hull-tmp~" + random_suffix();
        fd.reset(::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                          mode));
        if (!fd && errno != EEXIST) return fail_errno("create temp file for " + target);
    }
    if (!fd) return fail_sys(EEXIST, "create temp file for " + target);

    auto cleanup = [&] { ::unlinkat(dirfd, tmp.c_str(), 0); };
    if (::fchmod(fd.get(), mode) < 0) {
        int err = errno;
        cleanup();
        return fail_sys(err, "chmod " + target);
    }
    if (auto r = io::write_all(fd.get(), data); !r) {
        cleanup();
        return std::unexpected(std::move(r).error().context(target));
    }
    if (::close(fd.release()) < 0) {
        int err = errno;
        cleanup();
        return fail_sys(err, "close " + target);
    }
    if (::renameat(dirfd, tmp.c_str(), dirfd, target.c_str()) < 0) {
        int err = errno;
        cleanup();
        return fail_sys(err, "rename into " + target);
    }
    return {};
}

Result<void> write_file_atomic(std::string_view path, std::string_view data, mode_t mode) {
    return write_file_atomic(AT_FDCWD, path, data, mode);
}

Result<std::string> read_file(int dirfd, std::string_view name) {
    std::string n(name);
    UniqueFd fd(::openat(dirfd, n.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
    if (!fd) return fail_errno("open " + n);
    return with_context(io::read_all(fd.get()), n);
}

Result<std::string> read_line_file(int dirfd, std::string_view name) {
    std::string n(name);
    UniqueFd fd(::openat(dirfd, n.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY));
    if (!fd) return fail_errno("open " + n);
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t r = io::retry_eintr([&] { return ::read(fd.get(), buf, sizeof buf); });
        if (r < 0) return fail_errno("read " + n);
        out.append(buf, static_cast<size_t>(r));
        if (r == 0 || out.find('\n') != std::string::npos) return out;
    }
}

Result<std::string> read_file(std::string_view path) {
    return read_file(AT_FDCWD, path);
}

Result<UniqueFd> open_dir(int dirfd, std::string_view path, DirAccess access, Symlinks symlinks) {
    std::string p(path);
    int flags = O_DIRECTORY | O_CLOEXEC;
    flags |= access == DirAccess::Path ? O_PATH : O_RDONLY;
    if (symlinks == Symlinks::NoFollow) flags |= O_NOFOLLOW;
    UniqueFd fd(::openat(dirfd, p.c_str(), flags));
    if (!fd) return fail_errno("open directory " + p);
    return fd;
}

Result<void> mkdir_all(std::string_view path, mode_t mode) {
    if (path.empty()) return fail_sys(EINVAL, "mkdir ''");
    std::string p(path);
    for (size_t pos = 1; pos <= p.size(); pos++) {
        if (pos != p.size() && p[pos] != '/') continue;
        std::string prefix = p.substr(0, pos);
        if (prefix.back() == '/') continue; // "a//b"
        if (::mkdir(prefix.c_str(), mode) < 0 && errno != EEXIST)
            return fail_errno("mkdir " + prefix);
    }
    struct stat st {};
    if (::stat(p.c_str(), &st) < 0) return fail_errno("stat " + p);
    if (!S_ISDIR(st.st_mode)) return fail_sys(ENOTDIR, "mkdir " + p);
    return {};
}

Result<bool> exists(int dirfd, std::string_view name) {
    std::string n(name);
    struct stat st {};
    if (::fstatat(dirfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
    if (errno == ENOENT) return false;
    return fail_errno("stat " + n);
}

Result<std::vector<std::pair<std::string, unsigned char>>> list_dir_typed(int dirfd) {
    return read_entries(dirfd, ".");
}

Result<std::vector<std::string>> list_dir(int dirfd) {
    auto entries = HULL_TRY(read_entries(dirfd, "."));
    std::vector<std::string> names;
    names.reserve(entries.size());
    for (auto& e : entries)
        names.push_back(std::move(e.first));
    return names;
}

Result<void> remove_tree(int dirfd, std::string_view name) {
    auto base = split_last(name).second;
    if (base.empty() || base == "." || base == "..")
        return fail_sys(EINVAL, "remove " + std::string(name));
    return remove_at(dirfd, std::string(name), name, true);
}

Result<void> remove_contents(int dirfd) {
    return remove_entries(dirfd, "");
}

} // namespace hull::fs
