// Helpers for the [linux] unit tests: temp dirs and running a check in a forked child
// (for anything that would change the test process: namespaces, fds, sessions).
#pragma once

#include "temp_dir.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

namespace hull::testutil {

// TempDir: temp_dir.hpp.

// Runs fn in a forked child and returns its exit code (128 + signal when killed). The
// child leaves with _exit, never returning into Catch.
inline int in_child(const std::function<int()>& fn) {
    pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int code = 99;
        try {
            code = fn();
        } catch (...) {
            code = 98;
        }
        ::_exit(code);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

} // namespace hull::testutil
