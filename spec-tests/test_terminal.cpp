// process.terminal and --console-socket: the pty master handed to the caller, the
// container's stdio on the slave, consoleSize and /dev/console.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <string>

using namespace spectest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNever = "\x01never-printed\x01";

// A bundle with a terminal; `args` run in it.
void terminal_bundle(Bundle& b, std::vector<std::string> args) {
    b.config["process"]["terminal"] = true;
    b.set_args(std::move(args));
}

// create --console-socket, receive the master, start, and read until the process is gone.
struct TtyRun {
    RunResult create;
    hull::UniqueFd master;
    std::string name;
    std::string output;
};

TtyRun run_on_tty(Bundle& b) {
    TtyRun t;
    ConsoleSocket cs;
    b.write();
    t.create = b.hull({"create", "--bundle", b.dir, "--console-socket", cs.path, b.id});
    INFO(describe(t.create));
    REQUIRE(t.create.exit_code == 0);
    auto [master, name] = cs.receive(10000);
    t.master = std::move(master);
    t.name = name;
    RunResult st = b.start();
    INFO(describe(st));
    REQUIRE(st.exit_code == 0);
    // EIO once the last slave fd closes, i.e. when the container process exited.
    t.output = read_until(t.master.get(), kNever, 15000);
    return t;
}

} // namespace

TEST_CASE("terminal: the console socket gets a pty master and the process runs on the slave",
          "[terminal]") {
    Bundle b;
    terminal_bundle(b, {"/probe", "report"});
    TtyRun t = run_on_tty(b);
    INFO("name " << t.name << "\noutput: " << t.output);
    CHECK(std::regex_match(t.name, std::regex(R"(/dev/pts/\d+)")));
    // It is a pty master: TIOCGPTN answers on it.
    unsigned int n = 9999;
    CHECK(::ioctl(t.master.get(), TIOCGPTN, &n) == 0);
    CHECK(t.name == "/dev/pts/" + std::to_string(n));

    json rep = parse_probe_json(t.output);
    CHECK(rep["tty"]["stdin"] == true);
    CHECK(rep["tty"]["stdout"] == true);
    CHECK(rep["tty"]["stderr"] == true);
    CHECK(rep["tty"]["name"] == t.name);
    // The terminal is the controlling tty of the process' session.
    CHECK(rep["tty"]["controlling"] == true);
    CHECK(rep["tty"]["stdin_session"] == rep["sid"]);
    CHECK(b.wait_status("stopped"));
}

TEST_CASE("terminal: input written to the master reaches the process", "[terminal]") {
    Bundle b;
    terminal_bundle(b, {"/bin/sh", "-c", "read line; echo got-$line"});
    ConsoleSocket cs;
    b.write();
    RunResult c = b.hull({"create", "--bundle", b.dir, "--console-socket", cs.path, b.id});
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);
    auto [master, name] = cs.receive(10000);
    REQUIRE(b.start().exit_code == 0);
    REQUIRE(::write(master.get(), "hello\n", 6) == 6);
    std::string out = read_until(master.get(), "got-hello", 10000);
    CHECK_THAT(out, Catch::Contains("got-hello"));
}

TEST_CASE("terminal: consoleSize sets the window size", "[terminal]") {
    SECTION("probe") {
        Bundle b;
        terminal_bundle(b, {"/probe", "report"});
        b.config["process"]["consoleSize"] = {{"height", 33}, {"width", 101}};
        TtyRun t = run_on_tty(b);
        INFO(t.output);
        json rep = parse_probe_json(t.output);
        CHECK(rep["tty"]["rows"] == 33);
        CHECK(rep["tty"]["cols"] == 101);
    }
    SECTION("stty size") {
        Bundle b;
        terminal_bundle(b, {"/bin/sh", "-c", "stty size"});
        b.config["process"]["consoleSize"] = {{"height", 40}, {"width", 132}};
        TtyRun t = run_on_tty(b);
        INFO(t.output);
        CHECK_THAT(t.output, Catch::Contains("40 132"));
    }
}

TEST_CASE("terminal: /dev/console is the container's pty", "[terminal]") {
    Bundle b;
    terminal_bundle(b, {"/probe", "stat", "-L", "/dev/console"});
    TtyRun t = run_on_tty(b);
    INFO(t.output);
    json st = parse_probe_json(t.output);
    CHECK(st["type"] == "char");
    // A Unix98 pty slave: major 136..143.
    CHECK(st["major"].get<int>() >= 136);
    CHECK(st["major"].get<int>() <= 143);
}

TEST_CASE("terminal: terminal without --console-socket fails create, nothing left", "[terminal]") {
    Bundle b;
    terminal_bundle(b, {"/probe", "exit", "0"});
    RunResult c = b.create();
    INFO(describe(c));
    CHECK(c.exit_code != 0);
    CHECK_THAT(c.err, Catch::Contains("console-socket"));
    CHECK_FALSE(fs::exists(b.state_root + "/" + b.id));
}

TEST_CASE("terminal: a console socket that does not listen fails create, nothing left",
          "[terminal]") {
    Bundle b;
    terminal_bundle(b, {"/probe", "exit", "0"});
    b.write();
    RunResult c =
        b.hull({"create", "--bundle", b.dir, "--console-socket", temp_dir() + "/none.sock", b.id});
    INFO(describe(c));
    CHECK(c.exit_code != 0);
    CHECK_THAT(c.err, Catch::Contains("console"));
    CHECK_FALSE(fs::exists(b.state_root + "/" + b.id));
}

// containerd's shim (go-runc) reads the output of `create` until every copy of the pipe is
// closed, and only then receives the console master: the init must not keep create's stdout.
TEST_CASE("terminal: after create the init no longer holds create's stdout", "[terminal]") {
    Bundle b;
    terminal_bundle(b, {"/probe", "exit", "0"});
    ConsoleSocket cs;
    b.write();
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    hull::UniqueFd rd(p[0]), wr(p[1]);
    std::vector<std::string> args =
        b.hull_args({"create", "--bundle", b.dir, "--console-socket", cs.path, b.id});
    args.insert(args.begin(), hull_binary());
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::dup2(wr.get(), 1);
        ::dup2(wr.get(), 2);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    wr.reset();
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // EOF right away: nobody else holds the write end.
    struct pollfd pfd {
        rd.get(), POLLIN, 0
    };
    REQUIRE(::poll(&pfd, 1, 5000) == 1);
    char buf[256];
    CHECK(::read(rd.get(), buf, sizeof buf) == 0);
    auto [master, name] = cs.receive(10000);
    CHECK(master.get() >= 0);
    CHECK(b.start().exit_code == 0);
    CHECK(b.wait_status("stopped"));
}
