// Tests of the harness itself: running commands, the probe on the host, bundles.
#include "harness.hpp"

#include "sys/fdpass.hpp"
#include "sys/pty.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

using namespace spectest;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

RunResult probe(std::vector<std::string> args, const RunOptions& opts = {}) {
    args.insert(args.begin(), probe_binary());
    return run_command(args, opts);
}

} // namespace

TEST_CASE("the probe reports on the host", "[harness][probe]") {
    RunResult r = probe({});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json rep = parse_probe_json(r.out);
    CHECK(rep["pid"].get<int>() > 1);
    CHECK(rep["ppid"].get<int>() == ::getpid());
    CHECK(rep["args"] == json::array({probe_binary()}));
    CHECK(rep["uid"]["real"].get<unsigned>() == ::getuid());
    CHECK(rep["uid"]["effective"].get<unsigned>() == ::geteuid());
    CHECK(rep["gid"]["saved"].get<unsigned>() == ::getgid());
    mode_t um = ::umask(0);
    ::umask(um);
    CHECK(rep["umask"].get<unsigned>() == um);
    CHECK(rep["namespaces"]["pid"] == fs::read_symlink("/proc/self/ns/pid").string());
    CHECK(rep["namespaces"]["mnt"] == fs::read_symlink("/proc/self/ns/mnt").string());
    CHECK(rep["capabilities"]["hex"]["bounding"].get<std::string>().size() == 16);
    CHECK(rep["capabilities"]["names"]["effective"].size() > 0);
    CHECK(rep["rlimits"].size() == 16);
    CHECK(rep["rlimits"]["RLIMIT_NOFILE"]["soft"].get<std::uint64_t>() > 0);
    CHECK(rep["scheduler"]["policy"] == "SCHED_OTHER");
    CHECK(rep["personality"]["domain"] == "LINUX");
    CHECK(rep["no_new_privs"] == 0);
    CHECK(rep["uid_map"].size() >= 1);
    CHECK(rep["cgroup"].size() >= 1);
    // The run_command stdio are files and /dev/null, never a tty.
    CHECK(rep["tty"]["stdin"] == false);
    CHECK(rep["tty"]["stdout"] == false);
    CHECK(rep["fds"]["0"] == "/dev/null");
    CHECK(rep["fds"].size() == 3); // run_command closes everything above 2
    bool proc_seen = false;
    for (const auto& m : rep["mounts"])
        if (m["mount_point"] == "/proc" && m["fs_type"] == "proc") proc_seen = true;
    CHECK(proc_seen);
}

TEST_CASE("run_command passes env, cwd and stdin", "[harness]") {
    std::string dir = temp_dir();
    RunOptions o;
    o.env = {"FOO=bar", "EMPTY="};
    o.cwd = dir;
    json rep = parse_probe_json(probe({"report"}, o).out);
    CHECK(rep["env"] == json::array({"FOO=bar", "EMPTY="}));
    CHECK(rep["cwd"] == dir);

    RunOptions in;
    in.stdin_data = "hello\nworld";
    RunResult r = probe({"cat", "/dev/stdin"}, in);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "hello\nworld");

    RunOptions bad;
    bad.cwd = dir + "/missing";
    RunResult nocwd = probe({}, bad);
    CHECK(nocwd.exit_code == 127);
    CHECK_THAT(nocwd.err, Catch::Contains("chdir"));
    RunResult noexe = run_command({dir + "/nothing"});
    CHECK(noexe.exit_code == 127);
    CHECK_THAT(noexe.err, Catch::Contains("No such file"));
}

TEST_CASE("run_command reports exit codes, signals and timeouts", "[harness]") {
    CHECK(probe({"exit", "7"}).exit_code == 7);
    RunResult killed = probe({"kill-self", "KILL"});
    CHECK(killed.signal == SIGKILL);
    CHECK(killed.exit_code == 137);
    RunResult term = probe({"kill-self", "SIGTERM"});
    CHECK(term.exit_code == 128 + SIGTERM);

    auto t0 = std::chrono::steady_clock::now();
    RunOptions o;
    o.timeout_s = 1;
    RunResult slow = probe({"sleep", "30"}, o);
    CHECK(slow.timed_out);
    CHECK(slow.exit_code == -1);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
}

TEST_CASE("stdout_file keeps a detached writer's output", "[harness]") {
    std::string dir = temp_dir();
    RunOptions o;
    o.stdout_file = dir + "/out";
    // The shell exits at once; its background child writes later into the same file.
    RunResult r =
        run_command({"/bin/busybox", "sh", "-c", "(sleep 0.2; echo later) & echo now"}, o);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "now\n");
    CHECK(wait_until([&] { return read_text(dir + "/out") == "now\nlater\n"; }, 5000));
}

TEST_CASE("probe subcommands", "[harness][probe]") {
    std::string dir = temp_dir();
    std::string f = dir + "/file";
    CHECK(probe({"write", f, "some text"}).exit_code == 0);
    CHECK(probe({"cat", f}).out == "some text");
    RunResult w = probe({"write", dir + "/no/such/file", "x"});
    CHECK(w.exit_code == 1);
    CHECK_THAT(w.out, Catch::Contains("No such file or directory"));

    CHECK(probe({"mkdir", dir + "/a/b/c"}).exit_code == 0);
    CHECK(fs::is_directory(dir + "/a/b/c"));
    CHECK(probe({"ls", dir}).out == "a\nfile\n");

    json null_dev = parse_probe_json(probe({"stat", "/dev/null"}).out);
    CHECK(null_dev["type"] == "char");
    CHECK(null_dev["major"] == 1);
    CHECK(null_dev["minor"] == 3);
    CHECK(null_dev["mode"] == 0666);

    fs::create_symlink("file", dir + "/link");
    json link = parse_probe_json(probe({"stat", dir + "/link"}).out);
    CHECK(link["type"] == "symlink");
    CHECK(link["target"] == "file");
    json followed = parse_probe_json(probe({"stat", "-L", dir + "/link"}).out);
    CHECK(followed["type"] == "file");
    CHECK(followed["size"] == 9);
    CHECK(probe({"readlink", dir + "/link"}).out == "file\n");

    CHECK(probe({"chown", f, "1234", "5678"}).exit_code == 0);
    struct stat st {};
    REQUIRE(::stat(f.c_str(), &st) == 0);
    CHECK(st.st_uid == 1234);
    CHECK(st.st_gid == 5678);

    CHECK(probe({"exec", "/bin/busybox", "echo", "hi"}).out == "hi\n");
    RunResult noexec = probe({"exec", dir + "/missing"});
    CHECK(noexec.exit_code == 127);
    CHECK(probe({"bogus"}).exit_code == 2);

    // wait-signal: prints "ready" once signals are blocked, then the first signal.
    std::string ready = dir + "/ready";
    RunResult ws = run_command({"/bin/busybox", "sh", "-c",
                                probe_binary() + " wait-signal " + ready + " & while [ ! -e " +
                                    ready + " ]; do sleep 0.05; done; kill -USR1 $!; wait"});
    CHECK(ws.out == "ready\nSIGUSR1\n");
}

TEST_CASE("parse_probe_json finds the report among other output", "[harness]") {
    CHECK(parse_probe_json("noise\n{\"pid\":1}\ntrailer\n")["pid"] == 1);
    CHECK(parse_probe_json("{\"a\":1}\n{\"b\":2}")["b"] == 2);
    CHECK_THROWS(parse_probe_json("no json here\n{broken"));
    CHECK_THROWS(parse_probe_json(""));
}

TEST_CASE("a Bundle holds a usable rootfs and a valid config", "[harness][bundle]") {
    std::string dir;
    {
        Bundle b;
        dir = b.dir;
        CHECK(fs::is_directory(b.dir));
        CHECK(b.rootfs == b.dir + "/rootfs");
        CHECK(fs::is_directory(b.state_root));
        CHECK(b.state_root.rfind("/run/hull", 0) != 0);
        CHECK((fs::status(b.rootfs + "/probe").permissions() & fs::perms::owner_exec) !=
              fs::perms::none);
        CHECK(fs::read_symlink(b.rootfs + "/bin/sh") == "busybox");
        CHECK(fs::is_regular_file(b.rootfs + "/bin/busybox"));
        CHECK_THAT(read_text(b.rootfs + "/etc/passwd"), Catch::StartsWith("root:x:0:0:"));
        CHECK(fs::exists(b.rootfs + "/etc/group"));
        for (const char* d : {"proc", "sys", "dev", "tmp"}) {
            CHECK(fs::is_directory(b.rootfs + "/" + d));
            CHECK(fs::is_empty(b.rootfs + "/" + d));
        }
        CHECK((fs::status(b.rootfs + "/tmp").permissions() & fs::perms::sticky_bit) !=
              fs::perms::none);
        CHECK(b.host_path("/etc/passwd") == b.rootfs + "/etc/passwd");
        CHECK(b.host_path("etc") == b.rootfs + "/etc");

        b.set_args({"/probe", "sleep", "1"});
        b.write();
        json cfg = json::parse(read_text(b.dir + "/config.json"));
        CHECK(cfg["ociVersion"] == "1.3.0");
        CHECK(cfg["process"]["args"] == json::array({"/probe", "sleep", "1"}));
        CHECK(cfg["process"]["cwd"] == "/");
        CHECK(cfg["root"]["path"] == "rootfs");
        CHECK(cfg["linux"]["namespaces"].size() == 5);
        std::vector<std::string> dests;
        for (const auto& m : cfg["mounts"])
            dests.push_back(m["destination"]);
        CHECK(dests == std::vector<std::string>{"/proc", "/dev", "/dev/pts", "/dev/shm", "/sys"});

        CHECK(b.hull_args({"state", b.id}) ==
              std::vector<std::string>{"--root", b.state_root, "state", b.id});

        b.chown_rootfs(100000, 100000);
        struct stat owned {};
        REQUIRE(::lstat((b.rootfs + "/bin/sh").c_str(), &owned) == 0);
        CHECK(owned.st_uid == 100000);
        REQUIRE(::stat((b.rootfs + "/tmp").c_str(), &owned) == 0);
        CHECK(owned.st_gid == 100000);
        CHECK((owned.st_mode & 07777) == 01777);

        Bundle other;
        CHECK(other.id != b.id);
        CHECK(other.dir != b.dir);
        // Copies, not hard links: changing one bundle's file leaves the other alone.
        fs::permissions(b.rootfs + "/probe", fs::perms(0700));
        CHECK((fs::status(other.rootfs + "/probe").permissions() & fs::perms::others_exec) !=
              fs::perms::none);
    }
    CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("the bundle rootfs works on its own (chroot)", "[harness][bundle]") {
    Bundle b;
    RunResult r = run_command({"/usr/sbin/chroot", b.rootfs, "/probe"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json rep = Bundle::probe_report(r);
    CHECK(rep["args"] == json::array({"/probe"}));
    CHECK(rep["cwd"] == "/");
    // No /proc in a bare chroot: what comes from /proc is null, the rest is there.
    CHECK(rep["uid"].is_null());
    CHECK(rep["rlimits"].size() == 16);
    RunResult sh = run_command({"/usr/sbin/chroot", b.rootfs, "/bin/sh", "-c", "id -u; echo ok"});
    CHECK(sh.out == "0\nok\n");
}

TEST_CASE("Bundle cleanup kills processes left in its rootfs", "[harness][bundle]") {
    pid_t pid;
    {
        Bundle b;
        pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            if (::chroot(b.rootfs.c_str()) != 0 || ::chdir("/") != 0) ::_exit(1);
            ::execl("/probe", "/probe", "sleep", "60", nullptr);
            ::_exit(2);
        }
        // Wait until the child runs the probe inside the rootfs.
        CHECK(wait_until([&] {
            std::error_code ec;
            return fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).string() ==
                   b.rootfs + "/probe";
        }));
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
}

TEST_CASE("remove_tree detaches mounts instead of emptying them", "[harness]") {
    std::string dir = temp_dir();
    fs::create_directories(dir + "/keep");
    write_text(dir + "/keep/precious", "x");
    fs::create_directories(dir + "/victim/sub/mnt");
    write_text(dir + "/victim/sub/file", "y");
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // In a private mount namespace, so nothing leaks onto the host if this goes wrong.
        if (::unshare(CLONE_NEWNS) != 0) ::_exit(1);
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(2);
        std::string mnt = dir + "/victim/sub/mnt";
        if (::mount((dir + "/keep").c_str(), mnt.c_str(), nullptr, MS_BIND, nullptr) != 0)
            ::_exit(3);
        if (!remove_tree(dir + "/victim")) ::_exit(4);
        if (fs::exists(dir + "/victim")) ::_exit(5);
        ::_exit(fs::exists(dir + "/keep/precious") ? 0 : 6);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK(read_text(dir + "/keep/precious") == "x");
    CHECK(remove_tree(dir));
    CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("ConsoleSocket receives a pty master and its name", "[harness][console]") {
    ConsoleSocket cs;
    auto pty = hull::pty::open_pty();
    REQUIRE(pty);
    auto conn = hull::fdpass::connect_unix(cs.path);
    REQUIRE(conn);
    REQUIRE(hull::fdpass::send_fd(conn->get(), pty->master.get(), pty->name));
    auto [master, name] = cs.receive(5000);
    CHECK(name == pty->name);
    REQUIRE(::write(pty->slave.get(), "through\n", 8) == 8);
    CHECK_THAT(read_until(master.get(), "through", 5000), Catch::Contains("through"));

    ConsoleSocket idle;
    CHECK_THROWS(idle.receive(100));
}

TEST_CASE("run_hull runs the hull binary", "[harness]") {
    RunResult r = run_hull({"--version"});
    INFO(describe(r));
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("hull"));
}
