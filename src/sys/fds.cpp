// Closing / marking close-on-exec all fds from a number up; see sys/fds.hpp.
#include "sys/fds.hpp"

#include "util/fd.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <vector>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace hull::sys {
namespace {

// The fds >= first in `keep`, sorted and unique.
std::vector<int> kept_from(int first, std::span<const int> keep) {
    std::vector<int> k;
    for (int fd : keep)
        if (fd >= first) k.push_back(fd);
    std::sort(k.begin(), k.end());
    k.erase(std::unique(k.begin(), k.end()), k.end());
    return k;
}

Result<void> act_on(int fd, FdAction action) {
    if (action == FdAction::Close) {
        ::close(fd); // EBADF races are fine; close() always releases the number on Linux
        return {};
    }
    return set_cloexec(fd, Cloexec::On);
}

} // namespace

Result<void> set_cloexec(int fd, Cloexec mode) {
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) return fail_errno("fcntl F_GETFD " + std::to_string(fd));
    int want = mode == Cloexec::On ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
    if (want != flags && ::fcntl(fd, F_SETFD, want) < 0)
        return fail_errno("fcntl F_SETFD " + std::to_string(fd));
    return {};
}

Result<void> close_fds_from_proc(int first, FdAction action, std::span<const int> keep) {
    std::vector<int> kept = kept_from(first, keep);
    int dfd = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return fail_errno("open /proc/self/fd");
    DIR* dir = ::fdopendir(dfd);
    if (!dir) {
        int err = errno;
        ::close(dfd);
        return fail_sys(err, "fdopendir /proc/self/fd");
    }
    // Collect first, act after: closing fds while reading the directory is not reliable.
    std::vector<int> fds;
    while (dirent* e = ::readdir(dir)) {
        char* end = nullptr;
        long n = std::strtol(e->d_name, &end, 10);
        if (end == e->d_name || *end != '\0' || n < first || n > INT_MAX) continue;
        int fd = static_cast<int>(n);
        if (fd == dfd || std::binary_search(kept.begin(), kept.end(), fd)) continue;
        fds.push_back(fd);
    }
    ::closedir(dir);
    for (int fd : fds) {
        auto r = act_on(fd, action);
        if (!r && r.error().err() != EBADF) return r;
    }
    return {};
}

Result<void> close_fds_from(int first, FdAction action, std::span<const int> keep) {
    if (first < 0) return fail_sys(EINVAL, "close_fds_from: negative fd");
    unsigned flags = action == FdAction::SetCloexec ? CLOSE_RANGE_CLOEXEC : 0;
    // close_range over the gaps between the kept fds; 0 on success or the errno.
    auto ranges = [&]() -> int {
        unsigned lo = static_cast<unsigned>(first);
        for (int k : kept_from(first, keep)) {
            unsigned hi = static_cast<unsigned>(k);
            if (lo < hi && ::syscall(SYS_close_range, lo, hi - 1, flags) < 0) return errno;
            lo = hi + 1;
        }
        return ::syscall(SYS_close_range, lo, ~0U, flags) < 0 ? errno : 0;
    };
    int err = ranges();
    if (err == 0) return {};
    // ENOSYS: no close_range (< 5.9); EINVAL: no CLOSE_RANGE_CLOEXEC (< 5.11).
    if (err != ENOSYS && err != EINVAL) return fail_sys(err, "close_range");
    return close_fds_from_proc(first, action, keep);
}

} // namespace hull::sys
