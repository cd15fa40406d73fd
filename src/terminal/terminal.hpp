// hull::terminal: the container's console (process.terminal).
//
// In the container init, after the container's devpts (newinstance) is mounted and before
// pivot_root, open_pty() opens a pty pair on that instance, so the slave is "/dev/pts/N" as
// the container sees it. The master goes to the caller: over --console-socket with
// send_master() (runc's framing: one message, payload = the slave name, the master fd via
// SCM_RIGHTS), or, for a foreground `hull run` without a console socket, over a socketpair
// to hull itself, which then relays its own terminal with proxy().
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "util/fd.hpp"

#include <string>
#include <utility>

namespace hull::terminal {

struct Pty {
    UniqueFd master;       // O_RDWR|O_NOCTTY|O_CLOEXEC
    UniqueFd slave;        // O_RDWR|O_NOCTTY|O_CLOEXEC
    std::string name;      // the slave as the container sees it: "/dev/pts/0"
    std::string host_path; // "/proc/self/fd/<slave>": a bind-mount source for /dev/console,
                           // valid in this process while `slave` is open
};

// Opens a pty on the devpts mounted in the rootfs `rootfd`: <rootfs>/dev/pts/ptmx, else
// <rootfs>/dev/ptmx, resolved inside the rootfs (RESOLVE_IN_ROOT, no magic links). The node
// must be the ptmx character device (5:2); it is opened O_PATH first and only then reopened
// read-write. The slave comes from TIOCGPTPEER, never from its name.
Result<Pty> open_pty(int rootfd);

// TIOCSWINSZ from process.consoleSize (height = rows, width = columns).
Result<void> set_size(int fd, const ConsoleSize& size);

// Sends the master of `pty` over the console socket: one message, payload = pty.name.
Result<void> send_master(int console_socket_fd, const Pty& pty);

// Receives what send_master() sent: the master fd (O_CLOEXEC) and the slave's name.
Result<std::pair<UniqueFd, std::string>> recv_master(int sock);

// Where the init (or exec child) sends the pty master: `to_child` is the fd it sends on.
// With a console socket path, `to_child` is connected to it and `peer` is empty; without
// one, the two are a SOCK_STREAM socketpair (O_CLOEXEC) and hull keeps `peer` to receive
// the master itself (recv_master) for a foreground terminal.
struct ConsoleRoute {
    UniqueFd to_child;
    UniqueFd peer;
};
Result<ConsoleRoute> console_route(const std::string& console_socket);

// In the process about to become the container process: setsid, make `slave` the
// controlling terminal (TIOCSCTTY), dup2 it onto 0, 1 and 2, then close the original (unless
// it already is one of 0, 1, 2). The caller must not be a process group leader.
Result<void> become_session_leader_on(UniqueFd slave);

// Where proxy() reads the user's input and writes the container's output.
struct ProxyIo {
    int in = 0;  // hull's stdin
    int out = 1; // hull's stdout
};

// Relays a foreground terminal: io.in -> master and master -> io.out, with poll on one
// thread. When io.in is a tty it is put into raw mode for the duration and its window size
// is copied to the master at the start and on every SIGWINCH (read from a signalfd; SIGWINCH
// is blocked only while proxying). EOF on io.in stops reading it (nothing is sent to the
// master). Returns once `child_pidfd` is readable (the process exited), after draining what
// the master already holds. Does not reap the child.
Result<void> proxy(int master_fd, int child_pidfd, ProxyIo io = {});

} // namespace hull::terminal
