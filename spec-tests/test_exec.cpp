// `hull exec` driven through the binary: a new process in a created or running container
// joins the init's namespaces, root and cgroup; flags and --process JSON shape it; exit codes,
// failures (255), --detach/--pid-file, terminals, --preserve-fds, seccomp, paused containers,
// user namespaces. The protection of the hull binary is in test_exe_guard.cpp.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace spectest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNsNames[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};

std::string ns_link(long pid, const std::string& name) {
    std::error_code ec;
    return fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + name, ec).string();
}

// Creates and starts a container whose init sleeps; returns the init's host pid.
long start_sleeper(Bundle& b) {
    b.set_args({"/probe", "sleep", "120"});
    return require_create_start(b);
}

RunResult exec_in(const Bundle& b, std::vector<std::string> args, const RunOptions& o = {}) {
    args.insert(args.begin(), "exec");
    return b.hull(args, o);
}

json exec_report(const Bundle& b, std::vector<std::string> flags) {
    flags.push_back(b.id);
    flags.push_back("/probe");
    RunResult r = exec_in(b, flags);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return Bundle::probe_report(r);
}

struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const FileId&) const = default;
};
FileId file_id(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return {};
    return {st.st_dev, st.st_ino};
}

json plain_caps(const Bundle& b) {
    return exec_report(b, {})["capabilities"]["names"]["effective"];
}

json user_map() {
    return json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
}

} // namespace

TEST_CASE("exec: the process joins the init's namespaces, root and cgroup; --detach writes "
          "the pid file",
          "[exec]") {
    Bundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "cgroup"}});
    long init = start_sleeper(b);
    const std::string pid_file = temp_dir() + "/exec.pid";
    RunResult r = exec_in(b, {"--detach", "--pid-file", pid_file, b.id, "/probe", "sleep", "30"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const std::string text = read_text(pid_file);
    REQUIRE_FALSE(text.empty());
    long pid = std::stol(text);
    CHECK(pid != init);
    CHECK(pid_alive(pid)); // --detach returns once the process runs
    std::error_code ec;
    CHECK(fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", ec).filename() == "probe");
    for (const char* ns : kNsNames) {
        INFO(ns);
        CHECK(ns_link(pid, ns) == ns_link(init, ns));
    }
    CHECK(ns_link(pid, "pid") != ns_link(getpid(), "pid"));
    CHECK(file_id("/proc/" + std::to_string(pid) + "/root") ==
          file_id("/proc/" + std::to_string(init) + "/root"));
    CHECK(read_text("/proc/" + std::to_string(pid) + "/cgroup") ==
          read_text("/proc/" + std::to_string(init) + "/cgroup"));
    // Inside, it sees the container's view: its cgroup namespace root, a small pid.
    json rep = exec_report(b, {});
    CHECK(rep["pid"].get<long>() < 100);
    CHECK(rep["ppid"] == 0);
    CHECK(rep["cgroup"][0]["path"] == "/");
    CHECK(rep["namespaces"]["mnt"] == ns_link(init, "mnt"));
}

TEST_CASE("exec: flags set args, env, cwd, user, groups, caps and no_new_privs", "[exec]") {
    Bundle b;
    b.config["process"]["env"] = json::array({"PATH=/bin", "KEEP=1", "OVER=old"});
    start_sleeper(b);
    json rep = exec_report(b, {"--env", "OVER=new", "-e", "ADDED=yes", "--cwd", "/tmp", "--user",
                               "1000:1001", "--additional-gids", "5", "-g", "6", "--cap",
                               "CAP_SYS_TIME", "--no-new-privs"});
    CHECK(rep["env"] == json::array({"PATH=/bin", "KEEP=1", "OVER=new", "ADDED=yes"}));
    CHECK(rep["cwd"] == "/tmp");
    CHECK(rep["uid"]["effective"] == 1000);
    CHECK(rep["gid"]["effective"] == 1001);
    CHECK(rep["groups"] == json::array({5, 6}));
    auto has = [](const json& names, const std::string& cap) {
        for (const auto& n : names)
            if (n == cap) return true;
        return false;
    };
    // A non-root user keeps only the bounding set (no inheritable, so no ambient: as runc).
    CHECK(has(rep["capabilities"]["names"]["bounding"], "CAP_SYS_TIME"));
    CHECK(has(rep["capabilities"]["names"]["bounding"], "CAP_KILL")); // the config's stay
    CHECK(rep["no_new_privs"] == 1);
    json root = exec_report(b, {"--cap", "sys_time"});
    CHECK(has(root["capabilities"]["names"]["effective"], "CAP_SYS_TIME"));
    CHECK(has(root["capabilities"]["names"]["permitted"], "CAP_SYS_TIME"));
    CHECK_FALSE(has(plain_caps(b), "CAP_SYS_TIME"));
    CHECK(rep["args"] == json::array({"/probe"}));
    CHECK(rep["rlimits"]["RLIMIT_NOFILE"]["soft"] == 1024); // the config's rlimits

    // Without flags: the config's process (uid 0, cwd /), no terminal.
    json plain = exec_report(b, {});
    CHECK(plain["uid"]["effective"] == 0);
    CHECK(plain["cwd"] == "/");
    CHECK(plain["no_new_privs"] == 1); // the base config sets it
    CHECK(plain["tty"]["stdout"] == false);
}

TEST_CASE("exec: --process reads a runtime-spec Process", "[exec]") {
    Bundle b;
    start_sleeper(b);
    const std::string file = temp_dir() + "/process.json";
    json p = {{"args", json::array({"/probe", "report"})},
              {"env", json::array({"FROM=json"})},
              {"cwd", "/root"},
              {"user", {{"uid", 7}, {"gid", 8}, {"additionalGids", json::array({9})}}},
              {"noNewPrivileges", true},
              {"rlimits", json::array({{{"type", "RLIMIT_NOFILE"}, {"soft", 77}, {"hard", 88}}})},
              {"capabilities",
               {{"bounding", json::array({"CAP_CHOWN"})},
                {"effective", json::array({"CAP_CHOWN"})},
                {"permitted", json::array({"CAP_CHOWN"})}}}};
    write_text(file, p.dump());
    RunResult r = exec_in(b, {"--process", file, b.id});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json rep = Bundle::probe_report(r);
    CHECK(rep["env"] == json::array({"FROM=json"}));
    CHECK(rep["cwd"] == "/root");
    CHECK(rep["uid"]["effective"] == 7);
    CHECK(rep["gid"]["effective"] == 8);
    CHECK(rep["groups"] == json::array({9}));
    CHECK(rep["no_new_privs"] == 1);
    CHECK(rep["rlimits"]["RLIMIT_NOFILE"]["soft"] == 77);
    CHECK(rep["rlimits"]["RLIMIT_NOFILE"]["hard"] == 88);
    CHECK(rep["capabilities"]["names"]["bounding"] == json::array({"CAP_CHOWN"}));

    write_text(file, R"({"args":["/probe"],"cwd":"relative","user":{"uid":0,"gid":0}})");
    RunResult bad = exec_in(b, {"--process", file, b.id});
    CHECK(bad.exit_code == 255);
    CHECK(bad.err.find("exec failed") != std::string::npos);
    CHECK(bad.err.find("cwd") != std::string::npos);
}

TEST_CASE("exec: exit codes pass through; failures before the process runs exit 255", "[exec]") {
    Bundle b;
    start_sleeper(b);
    CHECK(exec_in(b, {b.id, "/probe", "exit", "7"}).exit_code == 7);
    CHECK(exec_in(b, {b.id, "/probe", "kill-self", "KILL"}).exit_code == 128 + 9);

    RunResult missing = exec_in(b, {b.id, "/nonexistent"});
    INFO(describe(missing));
    CHECK(missing.exit_code == 255);
    CHECK(missing.err.find("exec failed: ") != std::string::npos);
    CHECK(missing.err.find("no such file or directory") != std::string::npos);

    RunResult nopath = exec_in(b, {b.id, "nosuchcommand"});
    CHECK(nopath.exit_code == 255);
    CHECK(nopath.err.find("executable file not found in $PATH") != std::string::npos);

    RunResult badcwd = exec_in(b, {"--cwd", "/does/not/exist", b.id, "/probe"});
    CHECK(badcwd.exit_code == 255);
    CHECK(badcwd.err.find("chdir") != std::string::npos);

    RunResult noargs = exec_in(b, {b.id});
    CHECK(noargs.exit_code == 255);
    CHECK(noargs.err.find("process args cannot be empty") != std::string::npos);

    RunResult noid = b.hull({"exec", "no-such-container", "/probe"});
    CHECK(noid.exit_code == 255);
    CHECK(noid.err.find("does not exist") != std::string::npos);

    REQUIRE(b.kill("KILL").exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    RunResult stopped = exec_in(b, {b.id, "/probe"});
    INFO(describe(stopped));
    CHECK(stopped.exit_code == 255);
    CHECK(stopped.err == "hull: exec failed: cannot exec in a stopped container\n");
}

TEST_CASE("exec: works in a created container", "[exec]") {
    Bundle b;
    b.set_args({"/probe", "sleep", "60"});
    REQUIRE(b.create().exit_code == 0);
    json rep = exec_report(b, {});
    CHECK(rep["pid"].get<long>() > 1);
    CHECK(b.state()["status"] == "created");
}

TEST_CASE("exec: a paused container needs --ignore-paused", "[exec]") {
    Bundle b;
    start_sleeper(b);
    RunResult p = b.hull("pause", b.id);
    INFO(describe(p));
    REQUIRE(p.exit_code == 0);
    RunResult refused = exec_in(b, {b.id, "/probe", "exit", "3"});
    CHECK(refused.exit_code == 255);
    CHECK(refused.err.find("cannot exec in a paused container") != std::string::npos);
    const std::string pid_file = temp_dir() + "/p.pid";
    // Allowed, but the process starts frozen with the rest of the container: it runs once the
    // container is resumed.
    int pid = spawn_command({hull_binary(), "--root", b.state_root, "exec", "--ignore-paused", "-d",
                             "--pid-file", pid_file, b.id, "/probe", "exit", "3"},
                            SpawnOptions{});
    ::usleep(500 * 1000);
    CHECK(pid_alive(pid));
    REQUIRE(b.hull("resume", b.id).exit_code == 0);
    CHECK(wait_command(pid, 20) == 0);
    CHECK_FALSE(read_text(pid_file).empty());
}

TEST_CASE("exec: -t sends the pty master to --console-socket", "[exec][terminal]") {
    Bundle b;
    start_sleeper(b);
    ConsoleSocket cs;
    RunResult r = exec_in(b, {"-t", "-d", "--console-socket", cs.path, b.id, "/bin/sh", "-c",
                              "/probe; /probe sleep 5"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto [master, name] = cs.receive(10000);
    CHECK(name.starts_with("/dev/pts/"));
    std::string out = read_until(master.get(), "\"umask\"", 10000);
    CHECK(out.find("\"stdout\":true") != std::string::npos);
    CHECK(out.find("\"controlling\":true") != std::string::npos);

    RunResult no_socket = exec_in(b, {"-t", "-d", b.id, "/probe"});
    CHECK(no_socket.exit_code == 255);
    CHECK(no_socket.err.find("console socket") != std::string::npos);
}

TEST_CASE("exec: --preserve-fds passes fds 3.. on, others are closed", "[exec]") {
    Bundle b;
    start_sleeper(b);
    int p1[2], p2[2];
    REQUIRE(::pipe2(p1, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(p2, O_CLOEXEC) == 0);
    const std::string out = temp_dir() + "/out";
    SpawnOptions so;
    so.extra_fds = {p1[1], p2[1]};
    so.stdout_file = out;
    int pid = spawn_command(
        {hull_binary(), "--root", b.state_root, "exec", "--preserve-fds", "1", b.id, "/probe"}, so);
    int code = wait_command(pid, 60);
    for (int fd : {p1[0], p1[1], p2[0], p2[1]})
        ::close(fd);
    INFO(read_text(out));
    REQUIRE(code == 0);
    json rep = parse_probe_json(read_text(out));
    CHECK(rep["fds"].contains("3"));
    CHECK_FALSE(rep["fds"].contains("4"));
}

TEST_CASE("exec: the config's seccomp profile applies to the exec'd process", "[exec][seccomp]") {
    Bundle b;
    b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                    {"syscalls", json::array({{{"names", json::array({"getppid"})},
                                                               {"action", "SCMP_ACT_ERRNO"},
                                                               {"errnoRet", 1}}})}};
    start_sleeper(b);
    RunResult r = exec_in(b, {b.id, "/probe", "syscall", "110"}); // getppid on x86_64
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "errno 1\n");
    json rep = exec_report(b, {});
    CHECK(rep["seccomp"] == 2);
}

TEST_CASE("exec: a container with its own user namespace", "[exec][userns]") {
    Bundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = user_map();
    b.config["linux"]["gidMappings"] = user_map();
    b.chown_rootfs(100000, 100000);
    long init = start_sleeper(b);
    json rep = exec_report(b, {"--user", "0:0"});
    CHECK(rep["namespaces"]["user"] == ns_link(init, "user"));
    CHECK(rep["namespaces"]["mnt"] == ns_link(init, "mnt"));
    CHECK(rep["namespaces"]["pid"] == ns_link(init, "pid"));
    CHECK(rep["uid_map"] == user_map());
    CHECK(rep["uid"]["effective"] == 0);
    // Files it makes belong to the mapped host ids.
    RunResult w = exec_in(b, {"--user", "5:5", b.id, "/probe", "write", "/tmp/by5", "x"});
    INFO(describe(w));
    REQUIRE(w.exit_code == 0);
    struct stat st {};
    REQUIRE(::stat(b.host_path("/tmp/by5").c_str(), &st) == 0);
    CHECK(st.st_uid == 100005u);
}
