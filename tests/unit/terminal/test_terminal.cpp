#include "terminal/terminal.hpp"

#include "ns_child.hpp"
#include "sys/fdpass.hpp"
#include "sys/pidfd.hpp"
#include "sys/pty.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>

#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

using namespace hull;

namespace {

struct TempDir : testutil::TempDir {
    TempDir() : testutil::TempDir("terminal") {}
};

int wait_exit(pid_t pid) {
    int st = 0;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// Reads until `want` appears, EOF or the timeout; returns what was read.
std::string read_until(int fd, const std::string& want, int timeout_ms = 5000) {
    std::string got;
    while (got.find(want) == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, timeout_ms) <= 0) break;
        char buf[1024];
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

// Everything readable now (non-blocking reads until EAGAIN/EOF).
std::string read_available(int fd) {
    std::string got;
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) break;
        char buf[1024];
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    return got;
}

// Forks a child on the slave of `pty` (session leader, slave as its ctty and stdio) that
// runs /bin/sh -c `cmd`. An alarm kills it if a test hangs.
pid_t spawn_on(pty::PtyPair& p, const std::string& cmd) {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    ::alarm(20);
    UniqueFd slave(::fcntl(p.slave.get(), F_DUPFD_CLOEXEC, 3));
    if (!terminal::become_session_leader_on(std::move(slave))) ::_exit(120);
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(121);
}

// A host pty for tests that need no private devpts.
pty::PtyPair host_pty() {
    auto p = pty::open_pty("/dev/ptmx");
    REQUIRE(p);
    return std::move(*p);
}

} // namespace

TEST_CASE("open_pty on a devpts newinstance; send_master hands over the master", "[terminal]") {
    TempDir dir;
    auto sp = terminal::console_route("");
    REQUIRE(sp);
    // The child mounts a devpts instance in its own mount namespace, opens the pty there and
    // sends the master; the line we write into the master must come out of its slave.
    auto child = nstest::start_in_ns([&](nstest::Report& rep) {
        ::alarm(20);
        std::string pts = dir / "dev/pts";
        std::filesystem::create_directories(pts);
        if (::mount("devpts", pts.c_str(), "devpts", MS_NOSUID | MS_NOEXEC,
                    "newinstance,ptmxmode=0666,mode=0620") < 0) {
            rep.set("error", std::string("mount devpts: ") + std::strerror(errno));
            return;
        }
        UniqueFd root(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        auto p = terminal::open_pty(root.get());
        if (!p) {
            rep.set("error", p.error().message());
            return;
        }
        rep.set("name", p->name);
        rep.set("host", p->host_path);
        // The host path reaches the slave: same device.
        struct stat a {
        }, b{};
        if (::stat(p->host_path.c_str(), &a) == 0 && ::fstat(p->slave.get(), &b) == 0 &&
            a.st_rdev == b.st_rdev)
            rep.set("host_path_ok", "yes");
        if (!terminal::send_master(sp->to_child.get(), *p)) {
            rep.set("error", "send");
            return;
        }
        p->master.reset();
        std::string line = read_until(p->slave.get(), "\n");
        std::erase(line, '\n');
        std::erase(line, '\r');
        rep.set("slave_read", line);
    });
    sp->to_child.reset();

    auto got = terminal::recv_master(sp->peer.get());
    REQUIRE(got);
    CHECK(got->second == "/dev/pts/0"); // the first pty of a new devpts instance
    const char ping[] = "ping\n";
    REQUIRE(::write(got->first.get(), ping, 5) == 5);

    auto r = child.collect();
    CHECK(r.status == 0);
    CHECK_FALSE(r.has("error"));
    INFO(r.get("error"));
    CHECK(r.get("name") == "/dev/pts/0");
    CHECK(r.get("host").starts_with("/proc/self/fd/"));
    CHECK(r.get("host_path_ok") == "yes");
    CHECK(r.get("slave_read") == "ping");
}

TEST_CASE("open_pty rejects a rootfs without a ptmx device", "[terminal]") {
    TempDir dir;
    std::filesystem::create_directories(dir / "dev/pts");
    // A regular file named ptmx is not a ptmx.
    int f = ::open((dir / "dev/pts/ptmx").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    REQUIRE(f >= 0);
    ::close(f);
    UniqueFd root(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto p = terminal::open_pty(root.get());
    REQUIRE_FALSE(p);
    CHECK(p.error().message().find("is not the ptmx device") != std::string::npos);
}

TEST_CASE("open_pty falls back to dev/ptmx and stays inside the rootfs", "[terminal]") {
    TempDir dir;
    std::filesystem::create_directories(dir / "dev");
    // dev/ptmx -> /dev/ptmx: an absolute symlink resolves inside the rootfs, where nothing
    // is, so the host's /dev/ptmx must not be reached.
    std::filesystem::create_symlink("/dev/ptmx", dir / "dev/ptmx");
    UniqueFd root(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    auto p = terminal::open_pty(root.get());
    REQUIRE_FALSE(p);
    CHECK(p.error().err() == ENOENT);

    // A rootfs whose dev/pts/ptmx is unusable (a file is bound over it) but whose dev/ptmx
    // is the device: opening that finds the devpts through its sibling dev/pts.
    auto r = nstest::in_child_ns([&](nstest::Report&) {
        ::alarm(20);
        std::filesystem::remove(dir / "dev/ptmx");
        std::filesystem::create_directories(dir / "dev/pts");
        if (::mount("devpts", (dir / "dev/pts").c_str(), "devpts", 0, "newinstance,ptmxmode=0666") <
            0)
            ::_exit(11);
        int t = ::open((dir / "fake").c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ::close(t);
        if (::mount((dir / "fake").c_str(), (dir / "dev/pts/ptmx").c_str(), nullptr, MS_BIND,
                    nullptr) < 0)
            ::_exit(12);
        if (::mknod((dir / "dev/ptmx").c_str(), S_IFCHR | 0666, makedev(5, 2)) < 0) ::_exit(13);
        UniqueFd r(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        auto q = terminal::open_pty(r.get());
        if (!q) {
            fprintf(stderr, "open_pty: %s\n", q.error().message().c_str());
            ::_exit(14);
        }
        if (q->name != "/dev/pts/0" || !q->master || !q->slave) ::_exit(15);
    });
    CHECK(r.status == 0);
}

TEST_CASE("set_size is visible with TIOCGWINSZ on both sides", "[terminal]") {
    auto p = host_pty();
    REQUIRE(terminal::set_size(p.master.get(), ConsoleSize{.height = 33, .width = 101}));
    winsize ws{};
    REQUIRE(::ioctl(p.slave.get(), TIOCGWINSZ, &ws) == 0);
    CHECK(ws.ws_row == 33);
    CHECK(ws.ws_col == 101);
    auto big = terminal::set_size(p.master.get(), ConsoleSize{.height = 70000, .width = 1});
    REQUIRE_FALSE(big);
    CHECK(big.error().err() == EINVAL);
}

TEST_CASE("become_session_leader_on makes the slave the ctty and stdio", "[terminal]") {
    auto p = host_pty();
    // The session id (field 6 of /proc/PID/stat) is the shell's pid, and /dev/tty (which
    // needs a controlling terminal) reaches the pty.
    pid_t pid = spawn_on(p, "test -t 0 && test -t 1 && test -t 2 && "
                            "read -r a b c d e sid rest < /proc/$$/stat && [ \"$sid\" = $$ ] && "
                            "echo ctty-ok > /dev/tty");
    p.slave.reset();
    std::string out = read_until(p.master.get(), "\n");
    CHECK(wait_exit(pid) == 0);
    CHECK(out == "ctty-ok\r\n");
}

TEST_CASE("console_route connects to a console socket, or makes a pair hull keeps", "[terminal]") {
    TempDir dir;
    std::string path = dir / "console.sock";
    auto listener = fdpass::listen_unix(path);
    REQUIRE(listener);
    auto to_socket = terminal::console_route(path);
    REQUIRE(to_socket);
    CHECK_FALSE(to_socket->peer);
    UniqueFd accepted(::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC));
    REQUIRE(accepted);
    REQUIRE(::write(to_socket->to_child.get(), "x", 1) == 1);
    char c = 0;
    CHECK(::read(accepted.get(), &c, 1) == 1);
    CHECK(c == 'x');

    auto missing = terminal::console_route(dir / "nothing.sock");
    REQUIRE_FALSE(missing);
    CHECK_THAT(missing.error().message(), Catch::Contains("connect to console socket"));

    auto pair = terminal::console_route("");
    REQUIRE(pair);
    REQUIRE(pair->peer);
    REQUIRE(::write(pair->to_child.get(), "y", 1) == 1);
    CHECK(::read(pair->peer.get(), &c, 1) == 1);
    CHECK(c == 'y');
}

TEST_CASE("proxy relays input and output and returns when the child exits", "[terminal]") {
    auto p = host_pty();
    auto io = fdpass::unix_socketpair(SOCK_STREAM);
    REQUIRE(io);
    // The input is queued before the relay starts.
    REQUIRE(::write(io->second.get(), "hello\n", 6) == 6);
    pid_t pid = spawn_on(p, "read x; echo got:$x");
    p.slave.reset();
    auto pidfd = sys::pidfd_open(pid);
    REQUIRE(pidfd);

    auto r = terminal::proxy(p.master.get(), pidfd->get(),
                             {.in = io->first.get(), .out = io->first.get()});
    REQUIRE(r);
    CHECK(wait_exit(pid) == 0);
    std::string out = read_available(io->second.get());
    INFO(out);
    CHECK(out.find("got:hello\r\n") != std::string::npos);
    // The pty echoes the input line (cooked mode in the container's pty).
    CHECK(out.find("hello\r\n") < out.find("got:hello"));
}

TEST_CASE("proxy drains output written just before exit and survives EOF on input", "[terminal]") {
    auto p = host_pty();
    auto io = fdpass::unix_socketpair(SOCK_STREAM);
    REQUIRE(io);
    ::shutdown(io->second.get(), SHUT_WR); // stdin at EOF from the start
    std::string big(20000, 'q');
    pid_t pid = spawn_on(p, "printf '%s' " + big + "; echo; echo done");
    p.slave.reset();
    auto pidfd = sys::pidfd_open(pid);
    REQUIRE(pidfd);
    REQUIRE(terminal::proxy(p.master.get(), pidfd->get(),
                            {.in = io->first.get(), .out = io->first.get()}));
    CHECK(wait_exit(pid) == 0);
    std::string out = read_available(io->second.get());
    CHECK(out.find(big) != std::string::npos);
    CHECK(out.find("done\r\n") != std::string::npos);
}

TEST_CASE("proxy puts a tty stdin into raw mode, restores it and forwards SIGWINCH", "[terminal]") {
    // `user` stands for the terminal hull runs on; `ctr` is the container's pty.
    auto user = host_pty();
    auto ctr = host_pty();
    REQUIRE(terminal::set_size(user.slave.get(), ConsoleSize{.height = 30, .width = 90}));
    termios before{};
    REQUIRE(::tcgetattr(user.slave.get(), &before) == 0);
    REQUIRE((before.c_lflag & ICANON) != 0);

    // The container waits for the size the relay copies at its start (the pty starts at
    // 0x0), prints it, and then waits for SIGWINCH (set up only after the first resize,
    // whose SIGWINCH it ignores) to print the new size.
    pid_t pid = spawn_on(ctr, "while [ \"$(stty size)\" = '0 0' ]; do sleep 0.05; done; "
                              "s=$(stty size); trap 'echo winch; stty size; exit 0' WINCH; "
                              "echo \"size=$s ready\"; "
                              "i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; exit 7");
    ctr.slave.reset();
    auto pidfd = sys::pidfd_open(pid);
    REQUIRE(pidfd);

    // A helper changes the user terminal's size and sends hull (us) SIGWINCH, once the
    // container has printed its first size.
    pid_t self = ::getpid();
    int user_master = user.master.get();
    int user_slave = user.slave.get();
    pid_t helper = ::fork();
    REQUIRE(helper >= 0);
    if (helper == 0) {
        ::alarm(20);
        std::string seen = read_until(user_master, "ready", 10000);
        if (seen.find("size=30 90 ready") == std::string::npos) ::_exit(1);
        termios now{};
        ::tcgetattr(user_slave, &now);
        bool raw = (now.c_lflag & (ICANON | ECHO)) == 0;
        winsize ws{};
        ws.ws_row = 40;
        ws.ws_col = 120;
        ::ioctl(user_slave, TIOCSWINSZ, &ws);
        ::kill(self, SIGWINCH);
        ::_exit(raw ? 0 : 2);
    }

    auto r = terminal::proxy(ctr.master.get(), pidfd->get(),
                             {.in = user.slave.get(), .out = user.slave.get()});
    REQUIRE(r);
    CHECK(wait_exit(helper) == 0); // saw the copied size; stdin was raw during the relay
    CHECK(wait_exit(pid) == 0);    // got SIGWINCH (else exit 7)
    std::string out = read_available(user.master.get());
    INFO(out);
    CHECK(out.find("winch") != std::string::npos);
    CHECK(out.find("40 120") != std::string::npos);

    termios after{};
    REQUIRE(::tcgetattr(user.slave.get(), &after) == 0);
    CHECK(after.c_lflag == before.c_lflag);
    CHECK(after.c_iflag == before.c_iflag);
    CHECK(after.c_oflag == before.c_oflag);
    // SIGWINCH is no longer blocked.
    sigset_t mask;
    ::sigprocmask(SIG_SETMASK, nullptr, &mask);
    CHECK(sigismember(&mask, SIGWINCH) == 0);
}
