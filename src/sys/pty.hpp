// Pseudo terminals for process.terminal and --console-socket.
//
// A pty pair is opened from the ptmx of a particular devpts instance: inside the container
// that is /dev/pts/ptmx (or /dev/ptmx), so the slave's name ("/dev/pts/N") is the name the
// container sees. The slave is opened with ioctl(TIOCGPTPEER), never by name, so it is the
// peer of this master even if another devpts is mounted over /dev/pts.
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <string>

namespace hull::pty {

struct PtyPair {
    UniqueFd master;  // O_RDWR|O_NOCTTY|O_CLOEXEC
    UniqueFd slave;   // O_RDWR|O_NOCTTY|O_CLOEXEC
    std::string name; // "/dev/pts/N"
};

// Opens a new master at `ptmx_path` (e.g. "/dev/ptmx" or "/dev/pts/ptmx"), unlocks it and
// opens its slave.
Result<PtyPair> open_pty(const std::string& ptmx_path = "/dev/ptmx");

// The same from an fd of a ptmx node: an O_PATH fd is reopened through /proc/self/fd, an
// fd already open read-write is used as the master as is (it is dup'ed).
Result<PtyPair> open_pty_at(int ptmx_fd);

// "/dev/pts/N" for a master fd (TIOCGPTN).
Result<std::string> pty_name(int master_fd);

// TIOCSWINSZ.
Result<void> set_window_size(int fd, unsigned short rows, unsigned short cols);

// setsid() then ioctl(fd, TIOCSCTTY, 0): `fd` (a slave) becomes the controlling terminal
// of a new session led by the caller. The caller must not be a process group leader.
Result<void> make_controlling_tty(int fd);

// dup2 `fd` onto 0, 1 and 2 (the copies are not close-on-exec). The caller still owns fd.
Result<void> dup_onto_stdio(int fd);

} // namespace hull::pty
