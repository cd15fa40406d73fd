#include "state/lock.hpp"

#include "util/io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <string>

namespace hull::store_detail {

namespace {
int flock_op(LockMode mode) {
    return mode == LockMode::Shared ? LOCK_SH : LOCK_EX;
}
} // namespace

Result<void> take_lock(int fd, LockMode mode) {
    if (mode == LockMode::None) return {};
    if (io::retry_eintr([&] { return ::flock(fd, flock_op(mode)); }) < 0)
        return fail_errno("lock container directory");
    return {};
}

Result<bool> try_lock(int fd, LockMode mode) {
    if (mode == LockMode::None) return true;
    if (io::retry_eintr([&] { return ::flock(fd, flock_op(mode) | LOCK_NB); }) == 0) return true;
    if (errno == EWOULDBLOCK) return false;
    return fail_errno("lock container directory");
}

void drop_lock(int fd) {
    ::flock(fd, LOCK_UN);
}

Result<Identity> check_identity(int rootfd, std::string_view name, int dirfd) {
    struct stat mine {};
    if (::fstat(dirfd, &mine) < 0) return fail_errno("stat container directory");
    struct stat named {};
    std::string n(name);
    if (::fstatat(rootfd, n.c_str(), &named, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return Identity::Gone;
        return fail_errno("stat " + n);
    }
    if (mine.st_nlink != 0 && mine.st_dev == named.st_dev && mine.st_ino == named.st_ino)
        return Identity::Same;
    return Identity::Replaced;
}

} // namespace hull::store_detail
