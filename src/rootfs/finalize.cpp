// finalize(): linux.sysctl, readonlyPaths, maskedPaths and root.readonly after pivot_root;
// validate(): the checks that need no mount namespace.
#include "rootfs/steps.hpp"

#include "rootfs/path.hpp"
#include "rootfs/rootfs.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string_view>

namespace hull::rootfs {
namespace detail {
namespace {

constexpr std::array<std::string_view, 8> kIpcSysctls = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

bool has_ns(const Config& cfg, NamespaceType t) {
    return cfg.linux && cfg.linux->find_namespace(t) != nullptr;
}

// "net.ipv4.ip_forward" -> "net/ipv4/ip_forward"; keys written with '/' stay as they are
// (their components may contain dots, e.g. a VLAN interface "eth0.100").
std::string sysctl_file(const std::string& key) {
    std::string p = key;
    if (p.find('/') == std::string::npos) std::replace(p.begin(), p.end(), '.', '/');
    return "/proc/sys/" + p;
}

Result<void> write_sysctl(int rootfd, const std::string& key, const std::string& value) {
    std::string path = sysctl_file(key);
    UniqueFd fd = HULL_TRY(
        open_in_root(rootfd, path, O_WRONLY | O_TRUNC | O_NOFOLLOW, ResolveMode::NoSymlinks));
    struct statfs sf {};
    if (::fstatfs(fd.get(), &sf) < 0) return fail_errno("statfs " + path);
    if (static_cast<unsigned long>(sf.f_type) != PROC_SUPER_MAGIC)
        return fail(path + " is not on procfs");
    ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n < 0) return fail_errno("write " + path);
    return {};
}

// A missing path is skipped (the spec's "if it exists").
Result<void> readonly_path(int rootfd, const std::string& path) {
    UniqueFd fd = HULL_TRY(open_in_root_if_exists(rootfd, path, O_PATH));
    if (!fd) return {};
    std::string at = proc_fd_path(fd.get());
    HULL_TRY_CTX(do_mount(at.c_str(), at, nullptr, MS_BIND | MS_REC, nullptr), "bind");
    UniqueFd mnt = HULL_TRY(open_in_root(rootfd, path, O_PATH));
    return remount_bind(mnt.get(), MS_RDONLY, 0);
}

// The container's /dev/null, checked, opened once for every masked file.
Result<int> null_device(int rootfd, UniqueFd& null) {
    if (null) return null.get();
    UniqueFd fd = HULL_TRY(open_in_root(rootfd, "/dev/null", O_PATH, ResolveMode::NoSymlinks));
    struct stat ns {};
    if (::fstat(fd.get(), &ns) < 0) return fail_errno("stat /dev/null");
    if (!S_ISCHR(ns.st_mode) || ns.st_rdev != makedev(1, 3))
        return fail("/dev/null is not the null device");
    null = std::move(fd);
    return null.get();
}

Result<void> mask_path(int rootfd, const std::string& path, UniqueFd& null) {
    UniqueFd fd = HULL_TRY(open_in_root_if_exists(rootfd, path, O_PATH));
    if (!fd) return {};
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0) return fail_errno("stat");
    std::string at = proc_fd_path(fd.get());
    if (S_ISDIR(st.st_mode))
        return do_mount("tmpfs", at, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                        nullptr);
    const int nfd = HULL_TRY(null_device(rootfd, null));
    return do_mount(proc_fd_path(nfd).c_str(), at, nullptr, MS_BIND, nullptr);
}

Result<void> check_paths(const std::vector<std::string>& paths, std::string_view field) {
    for (const auto& p : paths)
        if (p.empty() || p.front() != '/')
            return fail("linux." + std::string(field) + ": \"" + p + "\" is not an absolute path");
    return {};
}

} // namespace

Result<void> check_sysctls(const Config& cfg) {
    if (!cfg.linux) return {};
    for (const auto& [raw, value] : cfg.linux->sysctl) {
        std::string key = raw;
        std::replace(key.begin(), key.end(), '/', '.');
        std::string q = "sysctl \"" + raw + "\"";
        if (std::find(kIpcSysctls.begin(), kIpcSysctls.end(), key) != kIpcSysctls.end() ||
            key.starts_with("fs.mqueue.")) {
            if (!has_ns(cfg, NamespaceType::Ipc))
                return fail(q + " is not allowed in the host's ipc namespace");
        } else if (key.starts_with("net.")) {
            if (!has_ns(cfg, NamespaceType::Network))
                return fail(q + " is not allowed in the host's network namespace");
        } else if (key == "kernel.hostname" || key == "kernel.domainname") {
            if (!has_ns(cfg, NamespaceType::Uts))
                return fail(q + " is not allowed in the host's uts namespace");
        } else {
            return fail(q + " is not in a separate kernel namespace");
        }
    }
    return {};
}

} // namespace detail

Result<void> validate(const Config& cfg) {
    HULL_TRY(detail::check_mounts(cfg));
    HULL_TRY(detail::check_sysctls(cfg));
    if (cfg.linux) {
        HULL_TRY(detail::check_paths(cfg.linux->maskedPaths, "maskedPaths"));
        HULL_TRY(detail::check_paths(cfg.linux->readonlyPaths, "readonlyPaths"));
        // As runc: without a mount namespace these would change the host's own /proc and /sys.
        if ((!cfg.linux->maskedPaths.empty() || !cfg.linux->readonlyPaths.empty()) &&
            !cfg.linux->find_namespace(NamespaceType::Mount))
            return fail("linux.maskedPaths/readonlyPaths need a mount namespace of the container's "
                        "own");
    }
    return {};
}

Result<void> finalize(const Config& cfg) {
    using namespace detail;
    HULL_TRY(check_sysctls(cfg));
    int fd = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail_errno("open /");
    UniqueFd rootfd(fd);
    if (cfg.linux) {
        const Linux& lx = *cfg.linux;
        HULL_TRY(check_paths(lx.maskedPaths, "maskedPaths"));
        HULL_TRY(check_paths(lx.readonlyPaths, "readonlyPaths"));
        for (const auto& [key, value] : lx.sysctl)
            HULL_TRY_CTX(write_sysctl(rootfd.get(), key, value), "sysctl " + key);
        for (const auto& p : lx.readonlyPaths)
            HULL_TRY_CTX(readonly_path(rootfd.get(), p), "make " + p + " read-only");
        UniqueFd null;
        for (const auto& p : lx.maskedPaths)
            HULL_TRY_CTX(mask_path(rootfd.get(), p, null), "mask " + p);
    }
    if (cfg.root.readonly.value_or(false))
        HULL_TRY_CTX(remount_bind(rootfd.get(), MS_RDONLY, 0), "remount / read-only");
    return {};
}

} // namespace hull::rootfs
