// Device nodes (the default set and linux.devices) and the /dev symlinks.
#include "rootfs/steps.hpp"

#include "rootfs/path.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace hull::rootfs::detail {
namespace {

struct DevSpec {
    std::string path; // clean, absolute
    mode_t type = S_IFCHR;
    dev_t rdev = 0;
    mode_t perm = 0666;
    uid_t uid = 0;
    gid_t gid = 0;
};

struct DefaultDev {
    const char* path;
    unsigned major;
    unsigned minor;
};
constexpr DefaultDev kDefaultDevices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

struct DevLink {
    const char* path;
    const char* target;
};
constexpr DevLink kDevLinks[] = {
    {"/dev/fd", "/proc/self/fd"},       {"/dev/stdin", "/proc/self/fd/0"},
    {"/dev/stdout", "/proc/self/fd/1"}, {"/dev/stderr", "/proc/self/fd/2"},
    {"/dev/ptmx", "pts/ptmx"},
};

std::string describe(const struct stat& st) {
    switch (st.st_mode & S_IFMT) {
    case S_IFCHR:
    case S_IFBLK:
        return std::string(S_ISCHR(st.st_mode) ? "char" : "block") + " device " +
               std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    case S_IFIFO:
        return "fifo";
    case S_IFDIR:
        return "directory";
    case S_IFLNK:
        return "symlink";
    case S_IFREG:
        return "regular file";
    default:
        return "socket";
    }
}

std::string describe(const DevSpec& d) {
    struct stat st {};
    st.st_mode = d.type;
    st.st_rdev = d.rdev;
    return describe(st);
}

std::pair<std::string, std::string> split(const std::string& path) {
    size_t slash = path.rfind('/');
    return {path.substr(0, slash + 1), path.substr(slash + 1)};
}

// Whether something is at <parent>/<name>; an error when it is not the device d.
Result<bool> existing_matches(int parent, const std::string& name, const DevSpec& d) {
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return false;
        return fail_errno("stat");
    }
    bool same = (st.st_mode & S_IFMT) == d.type && (d.type == S_IFIFO || st.st_rdev == d.rdev);
    if (!same)
        return fail_sys(EEXIST, "a " + describe(st) + " is already there, not a " + describe(d));
    return true;
}

Result<void> set_owner_and_mode(int parent, const std::string& name, const DevSpec& d) {
    int fd = ::openat(parent, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail_errno("open");
    UniqueFd node(fd);
    if (::fchownat(node.get(), "", d.uid, d.gid, AT_EMPTY_PATH) < 0) return fail_errno("chown");
    // An O_PATH fd cannot be fchmod()ed; its /proc/self/fd link can be chmod()ed.
    if (::chmod(proc_fd_path(node.get()).c_str(), d.perm) < 0) return fail_errno("chmod");
    return {};
}

// Where mknod is denied (user namespace): an empty file with the host's node bound onto it.
Result<void> bind_host_node(int parent, const std::string& name, const DevSpec& d) {
    int hfd = ::open(d.path.c_str(), O_PATH | O_CLOEXEC);
    if (hfd < 0) return fail_errno("mknod not permitted; open host " + d.path);
    UniqueFd host(hfd);
    struct stat st {};
    if (::fstat(host.get(), &st) < 0) return fail_errno("stat host " + d.path);
    if ((st.st_mode & S_IFMT) != d.type || st.st_rdev != d.rdev)
        return fail("mknod not permitted and host " + d.path + " is a " + describe(st) +
                    ", not a " + describe(d));
    int f =
        ::openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (f < 0) return fail_errno("create bind target");
    ::close(f);
    int mfd = ::openat(parent, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (mfd < 0) return fail_errno("open bind target");
    UniqueFd mp(mfd);
    return with_context(do_mount(proc_fd_path(host.get()).c_str(), proc_fd_path(mp.get()), nullptr,
                                 MS_BIND, nullptr),
                        "bind host " + d.path);
}

enum class Existing { Adjust, Keep };

// The directory of the last node made, kept open: the defaults are all in /dev, and each
// mkdir_all_in_root walks the path again.
class ParentDirs {
  public:
    explicit ParentDirs(int rootfd) : rootfd_(rootfd) {}
    Result<int> get(const std::string& dir) {
        if (!fd_ || dir != dir_) {
            fd_ = HULL_TRY(mkdir_all_in_root(rootfd_, dir, 0755));
            dir_ = dir;
        }
        return fd_.get();
    }

  private:
    int rootfd_;
    std::string dir_;
    UniqueFd fd_;
};

// mknod first, stat only when something is there already: on a fresh /dev the common case
// is one mknodat and one fstatat, and the owner and mode are fixed only when they differ
// (create_devices clears the umask, so a root-owned node has its mode at once).
Result<void> make_device(ParentDirs& dirs, const DevSpec& d, Existing existing) {
    auto [dir, name] = split(d.path);
    const int parent = HULL_TRY(dirs.get(dir));
    if (::mknodat(parent, name.c_str(), d.type | (d.perm & 0777), d.rdev) == 0) {
        struct stat st {};
        if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            (st.st_mode & S_IFMT) == d.type && st.st_rdev == d.rdev && st.st_uid == d.uid &&
            st.st_gid == d.gid && (st.st_mode & 07777) == d.perm)
            return {};
        return set_owner_and_mode(parent, name, d);
    }
    if (errno == EEXIST) {
        if (!HULL_TRY(existing_matches(parent, name, d))) return fail_sys(EEXIST, "mknod");
        if (existing == Existing::Keep) return {};
        return set_owner_and_mode(parent, name, d);
    }
    if (errno == EPERM && d.type != S_IFIFO) return bind_host_node(parent, name, d);
    return fail_errno("mknod");
}

// umask(0) for the lifetime of the object.
class NoUmask {
  public:
    NoUmask() : old_(::umask(0)) {}
    NoUmask(const NoUmask&) = delete;
    NoUmask& operator=(const NoUmask&) = delete;
    ~NoUmask() { ::umask(old_); }

  private:
    mode_t old_;
};

Result<DevSpec> spec_of(const Device& dev) {
    DevSpec d;
    d.path = clean_path(dev.path);
    switch (dev.type) {
    case DeviceType::Char:
    case DeviceType::Unbuffered:
        d.type = S_IFCHR;
        break;
    case DeviceType::Block:
        d.type = S_IFBLK;
        break;
    case DeviceType::Fifo:
        d.type = S_IFIFO;
        break;
    }
    if (d.type != S_IFIFO) {
        if (!dev.major || !dev.minor) return fail("major and minor are required");
        if (*dev.major < 0 || *dev.minor < 0 || *dev.major > 0xfffff || *dev.minor > 0xfffff)
            return fail("major/minor out of range");
        d.rdev = makedev(static_cast<unsigned>(*dev.major), static_cast<unsigned>(*dev.minor));
    }
    d.perm = dev.fileMode ? static_cast<mode_t>(*dev.fileMode & 07777) : 0666;
    d.uid = dev.uid.value_or(0);
    d.gid = dev.gid.value_or(0);
    return d;
}

// Failures of best-effort work become warnings.
Result<void> soften(Result<void> r, DevPolicy policy) {
    if (r || policy == DevPolicy::Strict) return r;
    log::warn(r.error().message());
    return {};
}

Result<void> make_link(ParentDirs& dirs, const DevLink& l) {
    auto [dir, name] = split(l.path);
    const int parent = HULL_TRY(dirs.get(dir));
    if (::symlinkat(l.target, parent, name.c_str()) == 0) return {};
    if (errno != EEXIST) return fail_errno("symlink");
    char buf[64] = {};
    ssize_t n = ::readlinkat(parent, name.c_str(), buf, sizeof(buf) - 1);
    if (n >= 0 && std::strcmp(buf, l.target) == 0) return {};
    log::debug(std::string(l.path) + " already exists; not replacing it with a symlink to " +
               l.target);
    return {};
}

} // namespace

Result<void> create_devices(int rootfd, const Config& cfg, DevPolicy policy) {
    const std::vector<Device> none;
    const auto& devices = cfg.linux ? cfg.linux->devices : none;
    auto configured = [&](std::string_view path) {
        for (const auto& d : devices)
            if (clean_path(d.path) == path) return true;
        return false;
    };

    ParentDirs dirs(rootfd);
    NoUmask no_umask;
    for (const auto& def : kDefaultDevices) {
        if (configured(def.path)) continue;
        DevSpec d;
        d.path = def.path;
        d.rdev = makedev(def.major, def.minor);
        auto r = with_context(make_device(dirs, d, Existing::Keep),
                              std::string("create device ") + def.path);
        HULL_TRY(soften(std::move(r), policy));
    }
    for (const auto& dev : devices) {
        std::string what = "create device " + clean_path(dev.path);
        DevSpec d = HULL_TRY_CTX(spec_of(dev), what);
        HULL_TRY_CTX(make_device(dirs, d, Existing::Adjust), what);
    }
    for (const auto& link : kDevLinks) {
        if (configured(link.path)) continue;
        auto r = with_context(make_link(dirs, link), std::string("create symlink ") + link.path);
        HULL_TRY(soften(std::move(r), policy));
    }
    return {};
}

} // namespace hull::rootfs::detail
