// Switching into the prepared rootfs (pivot_root or MS_MOVE + chroot) and /dev/console.
#include "rootfs/steps.hpp"

#include "rootfs/path.hpp"
#include "rootfs/rootfs.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace hull::rootfs {
namespace {

Result<void> pivot() {
    int old = ::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (old < 0) return fail_errno("open the old root");
    UniqueFd oldroot(old);
    if (::syscall(SYS_pivot_root, ".", ".") < 0) return fail_errno("pivot_root");
    // The old root now sits on top of the new one. Step onto it explicitly: "." may still
    // name the new root, and making that rslave would undo the container's own propagation
    // settings (a "shared" mount would turn private). Keep its unmount from propagating.
    if (::fchdir(oldroot.get()) < 0) return fail_errno("chdir to the old root");
    if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
        return fail_errno("make the old root rslave");
    if (::umount2(".", MNT_DETACH) < 0) return fail_errno("unmount the old root");
    return {};
}

Result<void> move_root() {
    if (::mount(".", "/", nullptr, MS_MOVE, nullptr) < 0) return fail_errno("move rootfs to /");
    if (::chroot(".") < 0) return fail_errno("chroot");
    return {};
}

} // namespace

Result<void> bind_console(int rootfd, const std::string& pty_slave_path) {
    auto r = [&]() -> Result<void> {
        UniqueFd mp = HULL_TRY(create_mountpoint_in_root(rootfd, "/dev/console", EntryKind::File));
        int fd = ::open(pty_slave_path.c_str(), O_PATH | O_CLOEXEC);
        if (fd < 0) return fail_errno("open " + pty_slave_path);
        UniqueFd pty(fd);
        return detail::do_mount(proc_fd_path(pty.get()).c_str(), proc_fd_path(mp.get()), nullptr,
                                MS_BIND, nullptr);
    }();
    return with_context(std::move(r), "mount " + pty_slave_path + " on /dev/console");
}

Result<void> enter(const Config& cfg, int rootfd, PivotMode mode) {
    if (::fchdir(rootfd) < 0) return fail_errno("chdir to rootfs");
    if (mode == PivotMode::Chroot) {
        if (::chroot(".") < 0) return fail_errno("chroot");
    } else {
        HULL_TRY(mode == PivotMode::PivotRoot ? pivot() : move_root());
    }
    if (::chdir("/") < 0) return fail_errno("chdir /");
    if (cfg.linux && cfg.linux->rootfsPropagation) {
        unsigned long prop = detail::propagation_flags(*cfg.linux->rootfsPropagation);
        if (::mount(nullptr, "/", nullptr, prop, nullptr) < 0)
            return fail_errno("set rootfs propagation " +
                              std::string(to_string(*cfg.linux->rootfsPropagation)));
    }
    return {};
}

} // namespace hull::rootfs
