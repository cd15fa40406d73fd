// Spec tests for the I/O of a foreground `hull run`: the terminal proxy (process.terminal
// without -d: hull holds the pty master and copies between its own terminal and the
// container), --preserve-fds and socket activation (LISTEN_FDS), with hull started by
// spawn_command so that it has a controlling pty or extra fds of the test's choosing.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <string>
#include <vector>

using namespace spectest;
using nlohmann::json;

namespace {

std::string without_cr(std::string s) {
    std::erase(s, '\r');
    return s;
}

struct Pipe {
    hull::UniqueFd rd, wr;
    Pipe() {
        int p[2];
        REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
        rd.reset(p[0]);
        wr.reset(p[1]);
    }
};

// Everything until EOF (all writers closed).
std::string drain(int fd) {
    std::string out;
    char buf[512];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) != 0;) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

// spawn_command of HULL_BINARY with args.
int spawn_hull(std::vector<std::string> args, const SpawnOptions& so) {
    args.insert(args.begin(), hull_binary());
    return spawn_command(args, so);
}

bool has_env(const json& rep, const std::string& entry) {
    for (const auto& e : rep["env"])
        if (e == entry) return true;
    return false;
}

bool has_env_key(const json& rep, const std::string& key) {
    for (const auto& e : rep["env"])
        if (e.get<std::string>().starts_with(key + "=")) return true;
    return false;
}

} // namespace

TEST_CASE("run with a terminal proxies hull's own tty to the container", "[run][terminal]") {
    int master_fd = -1, slave_fd = -1;
    winsize ws{};
    ws.ws_row = 37;
    ws.ws_col = 101;
    REQUIRE(::openpty(&master_fd, &slave_fd, nullptr, nullptr, &ws) == 0);
    hull::UniqueFd master(master_fd), slave(slave_fd);

    Bundle b;
    b.config["process"]["terminal"] = true;
    b.set_args({"/bin/sh", "-c", "read line; echo \"got:$line\"; /probe; exit 3"});
    b.write();
    SpawnOptions so;
    so.tty = slave.get();
    const int pid = spawn_hull(b.hull_args({"run", "--bundle", b.dir, b.id}), so);
    slave.reset(); // only hull holds the terminal now

    const std::string typed = "hello from the test\n";
    REQUIRE(::write(master.get(), typed.data(), typed.size()) ==
            static_cast<ssize_t>(typed.size()));
    std::string out = read_until(master.get(), "got:hello from the test");
    INFO("output so far: " << out);
    REQUIRE(out.find("got:hello from the test") != std::string::npos);
    out += read_until(master.get(), "\"tty\"", 10000);
    out += read_until(master.get(), "\n", 2000); // the rest of the report line
    const int code = wait_command(pid, 30);
    out += read_until(master.get(), "no-such-text", 200); // whatever is left
    INFO("output: " << out);
    CHECK(code == 3); // the container's exit status passes through

    json rep = parse_probe_json(without_cr(out));
    const json& tty = rep["tty"];
    CHECK(tty["stdin"] == true);
    CHECK(tty["stdout"] == true);
    CHECK(tty["stderr"] == true);
    CHECK(tty["controlling"] == true);
    CHECK(tty["name"].get<std::string>().starts_with("/dev/pts/"));
    CHECK(tty["rows"] == 37); // hull copied its window size to the container's pty
    CHECK(tty["cols"] == 101);
    CHECK(b.state().is_null()); // deleted after the run
}

TEST_CASE("run --preserve-fds passes fds 3.. and closes the others", "[run][fds]") {
    Pipe p3, p4, p5;
    Bundle b;
    b.set_args({"/bin/sh", "-c", "echo three >&3; echo four >&4; exec /probe"});
    b.write();
    SpawnOptions so;
    so.extra_fds = {p3.wr.get(), p4.wr.get(), p5.wr.get()};
    so.stdout_file = temp_dir() + "/out";
    so.stderr_file = temp_dir() + "/err";
    const int pid =
        spawn_hull(b.hull_args({"run", "--preserve-fds", "2", "--bundle", b.dir, b.id}), so);
    p3.wr.reset();
    p4.wr.reset();
    p5.wr.reset();
    CHECK(drain(p3.rd.get()) == "three\n");
    CHECK(drain(p4.rd.get()) == "four\n");
    CHECK(drain(p5.rd.get()).empty()); // fd 5 was not passed: EOF once hull is gone
    const int code = wait_command(pid, 30);
    INFO("stderr: " << read_text(so.stderr_file));
    REQUIRE(code == 0);
    json rep = parse_probe_json(read_text(so.stdout_file));
    CHECK(rep["fds"].contains("3"));
    CHECK(rep["fds"].contains("4"));
    CHECK_FALSE(rep["fds"].contains("5"));
    CHECK(rep["fds"]["3"].get<std::string>().starts_with("pipe:"));
    CHECK_FALSE(has_env_key(rep, "LISTEN_FDS")); // only socket activation sets it
}

TEST_CASE("run under socket activation passes LISTEN_FDS on", "[run][fds]") {
    Pipe p3, p4;
    Bundle b;
    b.set_args({"/bin/sh", "-c", "echo a >&3; echo b >&4; exec /probe"});
    b.write();
    SpawnOptions so;
    so.extra_fds = {p3.wr.get(), p4.wr.get()};
    so.socket_activation = true; // LISTEN_FDS=2, LISTEN_PID=<hull>
    so.stdout_file = temp_dir() + "/out";
    so.stderr_file = temp_dir() + "/err";
    const int pid = spawn_hull(b.hull_args({"run", "--bundle", b.dir, b.id}), so);
    p3.wr.reset();
    p4.wr.reset();
    CHECK(drain(p3.rd.get()) == "a\n");
    CHECK(drain(p4.rd.get()) == "b\n");
    const int code = wait_command(pid, 30);
    INFO("stderr: " << read_text(so.stderr_file));
    REQUIRE(code == 0);
    json rep = parse_probe_json(read_text(so.stdout_file));
    CHECK(has_env(rep, "LISTEN_FDS=2"));
    CHECK(has_env(rep, "LISTEN_PID=1")); // the process is pid 1 of its pid namespace
    CHECK(rep["pid"] == 1);
    CHECK(rep["fds"].contains("3"));
    CHECK(rep["fds"].contains("4"));
}
