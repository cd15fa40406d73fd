// hull::io: the one place for blocking fd I/O and child reaping.
//
// Every read/write loop, every EINTR retry and every waitpid in hull goes through here:
//   retry_eintr(f)     calls f() again while it fails with EINTR (any syscall wrapper)
//   write_all(fd, s)   writes all of s (short writes continued, EINTR retried, EAGAIN waited)
//   read_all(fd)       reads from the fd's offset to EOF
//   wait_pid(pid)      waitpid(pid) with EINTR retries, returning the raw wait status
// retry_eintr and write_all_raw allocate nothing and are async-signal-safe: they may run in
// a child between fork/clone and execve. The Result-returning functions allocate only to
// build an error.
#pragma once

#include "hull/error.hpp"

#include <sys/types.h>

#include <cerrno>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hull::io {

// Calls `f()` until it returns something other than "negative with errno EINTR", and returns
// that: `ssize_t n = retry_eintr([&] { return ::read(fd, buf, len); });`.
template <class F> auto retry_eintr(F&& f) -> decltype(f()) {
    for (;;) {
        auto r = f();
        if (!(r < 0 && errno == EINTR)) return r;
    }
}

// Writes all `len` bytes; 0 on success, else the errno of the failing write. On a
// non-blocking fd, EAGAIN waits for POLLOUT. Async-signal-safe, allocates nothing.
int write_all_raw(int fd, const void* data, size_t len) noexcept;

// write_all_raw with an error "<what>: <strerror>".
Result<void> write_all(int fd, std::string_view data, std::string_view what = "write");

// Reads `fd` from its offset to EOF (a pipe, a socket, a fifo, a file whose size reads as 0).
// Error: "<what>: <strerror>".
Result<std::string> read_all(int fd, std::string_view what = "read");

// waitpid(pid, &status, 0), retrying on EINTR: the raw wait status (WIFEXITED...).
// Error: "<what>: <strerror>" (ECHILD when `pid` is not our child).
Result<int> wait_pid(pid_t pid, std::string_view what = "wait");

// The same with WNOHANG: nullopt while the child still runs.
Result<std::optional<int>> try_wait_pid(pid_t pid, std::string_view what = "wait");

} // namespace hull::io
