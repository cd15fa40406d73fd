// Paths inside a container rootfs, resolved with openat2(RESOLVE_IN_ROOT); see
// rootfs/path.hpp.
#include "rootfs/path.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace hull::rootfs {
namespace {

// Symlinks followed by hand (dangling ones we create through) before giving up, as the
// kernel's own limit.
constexpr int kMaxLinks = 40;

int raw_openat2(int dirfd, const std::string& path, int flags, std::uint64_t resolve, mode_t mode) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
    how.resolve = resolve;
    if (flags & (O_CREAT | O_TMPFILE)) how.mode = mode;
    for (int attempt = 0;; ++attempt) {
        long fd = ::syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof(how));
        if (fd >= 0) return static_cast<int>(fd);
        // EAGAIN: a rename raced with RESOLVE_IN_ROOT's ".." check; try again.
        if (errno != EAGAIN || attempt >= 16) return -1;
    }
}

std::uint64_t resolve_flags(ResolveMode mode) {
    std::uint64_t r = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    if (mode == ResolveMode::NoSymlinks) r |= RESOLVE_NO_SYMLINKS;
    return r;
}

// The components of a path, without empty ones and ".".
std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view c = path.substr(i, j - i);
        if (!c.empty() && c != ".") out.emplace_back(c);
        i = j + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& comps, size_t from, size_t to) {
    std::string s;
    for (size_t i = from; i < to; ++i) {
        if (!s.empty()) s += '/';
        s += comps[i];
    }
    return s;
}

std::string show(std::string_view path) {
    if (path.empty() || path.front() != '/') return "/" + std::string(path);
    return std::string(path);
}

// An entry opened with O_PATH|O_NOFOLLOW right below `parent`: never a symlink's target.
int open_below(int parent, const std::string& name, int extra_flags) {
    return raw_openat2(parent, name, O_PATH | O_NOFOLLOW | extra_flags,
                       RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, 0);
}

Result<std::string> read_link_at(int dirfd, const std::string& name) {
    std::string buf(4096, '\0');
    ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
    if (n < 0) return fail_errno("readlink " + name);
    buf.resize(static_cast<size_t>(n));
    return buf;
}

// Where a dangling symlink `name` in the directory `prefix` (a path resolving to that
// directory in the root) points, followed by the remaining components.
Result<std::string> through_link(int parent, const std::string& prefix, const std::string& name,
                                 const std::vector<std::string>& comps, size_t rest) {
    auto target = read_link_at(parent, name);
    if (!target) return std::unexpected(std::move(target).error());
    std::string next =
        (!target->empty() && target->front() == '/') ? *target : prefix + "/" + *target;
    std::string tail = join(comps, rest, comps.size());
    if (!tail.empty()) next += "/" + tail;
    return next;
}

Result<UniqueFd> mkdir_all(int rootfd, std::string path, mode_t mode, int& links) {
    // Mostly the directory is there already (the parent of a mount point): one openat2.
    int fd = raw_openat2(rootfd, path.empty() ? "." : path, O_PATH | O_DIRECTORY,
                         resolve_flags(ResolveMode::InRoot), 0);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != ENOENT) return fail_errno("open " + show(path) + " in rootfs");
    std::vector<std::string> comps = components(path);
    fd = raw_openat2(rootfd, ".", O_PATH | O_DIRECTORY, resolve_flags(ResolveMode::InRoot), 0);
    if (fd < 0) return fail_errno("open rootfs");
    UniqueFd cur(fd);
    std::string prefix = ".";
    for (size_t i = 0; i < comps.size(); ++i) {
        const std::string& name = comps[i];
        std::string next = prefix + "/" + name;
        fd = raw_openat2(rootfd, next, O_PATH | O_DIRECTORY, resolve_flags(ResolveMode::InRoot), 0);
        if (fd >= 0) {
            cur.reset(fd);
            prefix = std::move(next);
            continue;
        }
        if (errno != ENOENT)
            return fail_errno("open " + show(join(comps, 0, i + 1)) + " in rootfs");
        // Missing (or a dangling symlink): create it in the resolved parent.
        if (::mkdirat(cur.get(), name.c_str(), mode) < 0 && errno != EEXIST)
            return fail_errno("mkdir " + show(join(comps, 0, i + 1)) + " in rootfs");
        fd = open_below(cur.get(), name, 0);
        if (fd < 0) return fail_errno("open " + show(join(comps, 0, i + 1)) + " in rootfs");
        UniqueFd made(fd);
        struct stat st {};
        if (::fstat(made.get(), &st) < 0) return fail_errno("stat " + show(join(comps, 0, i + 1)));
        if (S_ISLNK(st.st_mode)) {
            if (++links > kMaxLinks) return fail_sys(ELOOP, "mkdir " + show(path) + " in rootfs");
            std::string via = HULL_TRY(through_link(cur.get(), prefix, name, comps, i + 1));
            return mkdir_all(rootfd, std::move(via), mode, links);
        }
        if (!S_ISDIR(st.st_mode))
            return fail_sys(ENOTDIR, "mkdir " + show(join(comps, 0, i + 1)) + " in rootfs");
        cur = std::move(made);
        prefix = std::move(next);
    }
    // cur is O_PATH; the last step may have come from open_below without O_DIRECTORY.
    return cur;
}

Result<UniqueFd> create_mountpoint(int rootfd, std::string path, EntryKind kind, int& links) {
    int fd = raw_openat2(rootfd, path.empty() ? "." : path, O_PATH,
                         resolve_flags(ResolveMode::InRoot), 0);
    if (fd >= 0) return UniqueFd(fd);
    if (errno != ENOENT) return fail_errno("open " + show(path) + " in rootfs");
    std::vector<std::string> comps = components(path);
    if (comps.empty() || comps.back() == "..")
        return fail_sys(ENOENT, "open " + show(path) + " in rootfs");
    std::string parent_path = "./" + join(comps, 0, comps.size() - 1);
    const std::string& name = comps.back();
    UniqueFd parent = HULL_TRY(mkdir_all(rootfd, parent_path, 0755, links));
    if (kind == EntryKind::Dir) {
        if (::mkdirat(parent.get(), name.c_str(), 0755) < 0 && errno != EEXIST)
            return fail_errno("mkdir " + show(path) + " in rootfs");
    } else {
        int f = ::openat(parent.get(), name.c_str(),
                         O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (f >= 0)
            ::close(f);
        else if (errno != EEXIST)
            return fail_errno("create " + show(path) + " in rootfs");
    }
    fd = open_below(parent.get(), name, 0);
    if (fd < 0) return fail_errno("open " + show(path) + " in rootfs");
    UniqueFd made(fd);
    struct stat st {};
    if (::fstat(made.get(), &st) < 0) return fail_errno("stat " + show(path));
    if (S_ISLNK(st.st_mode)) {
        // A dangling symlink: create what it points to, inside the root.
        if (++links > kMaxLinks) return fail_sys(ELOOP, "create " + show(path) + " in rootfs");
        std::string via =
            HULL_TRY(through_link(parent.get(), parent_path, name, comps, comps.size()));
        return create_mountpoint(rootfd, std::move(via), kind, links);
    }
    return made;
}

} // namespace

Result<UniqueFd> open_in_root(int rootfd, std::string_view path, int flags, ResolveMode mode,
                              mode_t create_mode) {
    std::string p = path.empty() ? std::string(".") : std::string(path);
    int fd = raw_openat2(rootfd, p, flags, resolve_flags(mode), create_mode);
    if (fd < 0) return fail_errno("open " + show(path) + " in rootfs");
    return UniqueFd(fd);
}

Result<UniqueFd> open_in_root_if_exists(int rootfd, std::string_view path, int flags) {
    std::string p = path.empty() ? std::string(".") : std::string(path);
    int fd = raw_openat2(rootfd, p, flags, resolve_flags(ResolveMode::InRoot), 0);
    if (fd < 0 && errno == ENOENT) return UniqueFd();
    if (fd < 0) return fail_errno("open " + show(path) + " in rootfs");
    return UniqueFd(fd);
}

Result<UniqueFd> mkdir_all_in_root(int rootfd, std::string_view path, mode_t mode) {
    int links = 0;
    return mkdir_all(rootfd, std::string(path), mode, links);
}

Result<UniqueFd> create_mountpoint_in_root(int rootfd, std::string_view path, EntryKind kind) {
    int links = 0;
    return create_mountpoint(rootfd, std::string(path), kind, links);
}

std::string proc_fd_path(int fd) {
    return "/proc/self/fd/" + std::to_string(fd);
}

Result<std::string> fd_path(int fd) {
    std::string buf(4096, '\0');
    std::string link = proc_fd_path(fd);
    ssize_t n = ::readlink(link.c_str(), buf.data(), buf.size());
    if (n < 0) return fail_errno("readlink " + link);
    buf.resize(static_cast<size_t>(n));
    return buf;
}

} // namespace hull::rootfs
