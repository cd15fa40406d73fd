// Blocking fd I/O and child reaping; see util/io.hpp.
#include "util/io.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hull::io {

int write_all_raw(int fd, const void* data, size_t len) noexcept {
    const char* p = static_cast<const char*>(data);
    while (len > 0) {
        const ssize_t n = ::write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN) {
                pollfd pfd{fd, POLLOUT, 0};
                (void)retry_eintr([&] { return ::poll(&pfd, 1, -1); });
                continue;
            }
            return errno;
        }
        if (n == 0) return EIO; // a regular write never returns 0 for len > 0
        p += n;
        len -= static_cast<size_t>(n);
    }
    return 0;
}

Result<void> write_all(int fd, std::string_view data, std::string_view what) {
    if (int err = write_all_raw(fd, data.data(), data.size())) return fail_sys(err, what);
    return {};
}

Result<std::string> read_all(int fd, std::string_view what) {
    std::string out;
    char buf[8192];
    for (;;) {
        const ssize_t n = retry_eintr([&] { return ::read(fd, buf, sizeof buf); });
        if (n < 0) return fail_errno(what);
        if (n == 0) return out;
        out.append(buf, static_cast<size_t>(n));
    }
}

Result<int> wait_pid(pid_t pid, std::string_view what) {
    int status = 0;
    if (retry_eintr([&] { return ::waitpid(pid, &status, 0); }) < 0) return fail_errno(what);
    return status;
}

Result<std::optional<int>> try_wait_pid(pid_t pid, std::string_view what) {
    int status = 0;
    const pid_t r = retry_eintr([&] { return ::waitpid(pid, &status, WNOHANG); });
    if (r < 0) return fail_errno(what);
    if (r == 0) return std::optional<int>();
    return std::optional<int>(status);
}

} // namespace hull::io
