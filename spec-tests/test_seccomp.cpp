// Spec tests for linux.seccomp (config-linux.md "Seccomp"): actions, operators, the ENOSYS
// fallback, the podman/Docker default profile, SCMP_ACT_NOTIFY with a listener of our own,
// the compiled-program cache, invalid profiles and `hull features`. The probe's
// `syscall NR ARGS...` subcommand reports the errno the container saw.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>

using namespace spectest;
using nlohmann::json;

namespace {

// Debian's golang-github-containers-common (tools/setup.sh installs it): podman's default
// profile, the same format as Docker's (archMap, includes/excludes by caps, arches, kernel).
constexpr const char* kPodmanProfile = "/usr/share/containers/seccomp.json";

json syscall_rule(std::vector<std::string> names, const std::string& action,
                  json extra = json::object()) {
    json r = {{"names", names}, {"action", action}};
    for (auto& [k, v] : extra.items())
        r[k] = v;
    return r;
}

// "errno N" from the probe's syscall subcommand.
int probe_errno(const RunResult& r) {
    auto pos = r.out.rfind("errno ");
    if (pos == std::string::npos) throw std::runtime_error("no errno in: " + describe(r));
    return std::stoi(r.out.substr(pos + 6));
}

RunResult run_syscall(Bundle& b, std::vector<std::string> args) {
    std::vector<std::string> a{"/probe", "syscall"};
    a.insert(a.end(), args.begin(), args.end());
    b.set_args(a);
    return b.run();
}

// A pid above any pid_max: getpgid() of it fails with ESRCH unless a rule matches.
constexpr uint64_t kNoPid = 0x40000000;

std::string num(uint64_t v) {
    return std::to_string(v);
}

// Converts podman's profile to an OCI linux.seccomp for this machine's arch and the given
// capabilities, the way podman/Docker do it (includes: all caps, arch, minKernel; excludes).
json oci_from_podman(const json& prof, const std::set<std::string>& caps) {
    const std::string native = "SCMP_ARCH_X86_64";
    const std::set<std::string> native_names{"amd64", "x86_64"};
    json out;
    out["defaultAction"] = prof["defaultAction"];
    if (prof.contains("defaultErrnoRet")) out["defaultErrnoRet"] = prof["defaultErrnoRet"];
    json archs = json::array();
    for (const auto& m : prof["archMap"])
        if (m["architecture"] == native) {
            archs.push_back(native);
            for (const auto& s : m["subArchitectures"])
                archs.push_back(s);
        }
    out["architectures"] = archs;
    utsname u{};
    ::uname(&u);
    int kmaj = 0, kmin = 0;
    std::sscanf(u.release, "%d.%d", &kmaj, &kmin);
    auto has_native = [&](const json& arches) {
        for (const auto& a : arches)
            if (native_names.count(a.get<std::string>()) || a == "x32") return true;
        return false;
    };
    json rules = json::array();
    for (const auto& s : prof["syscalls"]) {
        const json inc = s.value("includes", json::object());
        const json exc = s.value("excludes", json::object());
        bool keep = true;
        if (inc.contains("caps"))
            for (const auto& c : inc["caps"])
                keep &= caps.count(c.get<std::string>()) > 0;
        if (inc.contains("arches")) keep &= has_native(inc["arches"]);
        if (inc.contains("minKernel")) {
            int maj = 0, min = 0;
            std::sscanf(inc["minKernel"].get<std::string>().c_str(), "%d.%d", &maj, &min);
            keep &= kmaj > maj || (kmaj == maj && kmin >= min);
        }
        if (exc.contains("caps"))
            for (const auto& c : exc["caps"])
                keep &= caps.count(c.get<std::string>()) == 0;
        if (exc.contains("arches")) keep &= !has_native(exc["arches"]);
        if (!keep) continue;
        json r = {{"names", s["names"]}, {"action", s["action"]}};
        if (s.contains("errnoRet")) r["errnoRet"] = s["errnoRet"];
        if (s.contains("args") && !s["args"].is_null()) {
            json args = json::array();
            for (const auto& a : s["args"]) {
                json x = {{"index", a["index"]}, {"value", a["value"]}, {"op", a["op"]}};
                if (a.value("valueTwo", 0) != 0) x["valueTwo"] = a["valueTwo"];
                args.push_back(x);
            }
            r["args"] = args;
        }
        rules.push_back(r);
    }
    out["syscalls"] = rules;
    return out;
}

// The listener of SCMP_ACT_NOTIFY, in a forked child: accepts one connection on `path`,
// receives the state message with the notify fd, writes the message to `msg_file`, answers
// the first notification with errno `answer` (and writes "nr pid" of it to `msg_file`.req),
// then exits 0. Exit codes above 0 name the step that failed.
pid_t start_listener(const std::string& path, const std::string& msg_file, int answer) {
    int ls = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(ls >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.size() < sizeof(addr.sun_path));
    std::strcpy(addr.sun_path, path.c_str());
    REQUIRE(::bind(ls, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(ls, 4) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid != 0) {
        ::close(ls);
        return pid;
    }
    ::alarm(60);
    int c = ::accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) ::_exit(10);
    std::string buf(65536, '\0');
    iovec iov{buf.data(), buf.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 4)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    ssize_t n = ::recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    if (n <= 0) ::_exit(11);
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int))) ::_exit(12);
    int nfd = -1;
    std::memcpy(&nfd, CMSG_DATA(cm), sizeof(int));
    write_text(msg_file, buf.substr(0, static_cast<size_t>(n)));
    seccomp_notif req{};
    if (::ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) ::_exit(13);
    write_text(msg_file + ".req", std::to_string(req.data.nr) + " " + std::to_string(req.pid));
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.error = -answer;
    resp.val = -1;
    if (::ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) != 0) ::_exit(14);
    ::_exit(0);
}

int wait_exit(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

TEST_CASE("an errno rule reaches the container process, the default elsewhere", "[seccomp]") {
    Bundle b;
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", json::array({syscall_rule({"getppid"}, "SCMP_ACT_ERRNO", {{"errnoRet", 77}}),
                                  syscall_rule({"getpgid"}, "SCMP_ACT_ERRNO")})}};
    RunResult r = run_syscall(b, {num(SYS_getppid)});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(probe_errno(r) == 77);
    r = run_syscall(b, {num(SYS_getpgid), "0"});
    CHECK(probe_errno(r) == EPERM); // errnoRet unset: EPERM
    r = run_syscall(b, {num(SYS_getpid)});
    CHECK(probe_errno(r) == 0);
}

TEST_CASE("each action as seen by the container", "[seccomp]") {
    struct Case {
        const char* action;
        int exit_code; // of `hull run`
        int err;       // the probe's errno when it survives
    };
    auto c = GENERATE(
        Case{"SCMP_ACT_KILL", 128 + SIGSYS, -1}, Case{"SCMP_ACT_KILL_PROCESS", 128 + SIGSYS, -1},
        Case{"SCMP_ACT_KILL_THREAD", 128 + SIGSYS, -1}, Case{"SCMP_ACT_TRAP", 128 + SIGSYS, -1},
        Case{"SCMP_ACT_ERRNO", 0, EPERM}, Case{"SCMP_ACT_TRACE", 0, ENOSYS}, // no tracer attached
        Case{"SCMP_ACT_LOG", 0, 0}, Case{"SCMP_ACT_ALLOW", 0, 0});
    INFO(c.action);
    Bundle b;
    // ALLOW as the default cannot have an ALLOW rule that differs: use LOG then.
    const bool allow = std::string(c.action) == "SCMP_ACT_ALLOW";
    b.config["linux"]["seccomp"] = {
        {"defaultAction", allow ? "SCMP_ACT_LOG" : "SCMP_ACT_ALLOW"},
        {"syscalls", json::array({syscall_rule({"getppid"}, c.action)})}};
    RunResult r = run_syscall(b, {num(SYS_getppid)});
    INFO(describe(r));
    REQUIRE(r.exit_code == c.exit_code);
    if (c.err >= 0) CHECK(probe_errno(r) == c.err);
}

TEST_CASE("each operator compares the syscall argument", "[seccomp]") {
    struct Case {
        const char* op;
        std::vector<int> match; // for v - 1, v, v + 1 (1 = the rule's errno)
    };
    const uint64_t v = kNoPid + 0x10;
    auto c = GENERATE(Case{"SCMP_CMP_NE", {1, 0, 1}}, Case{"SCMP_CMP_LT", {1, 0, 0}},
                      Case{"SCMP_CMP_LE", {1, 1, 0}}, Case{"SCMP_CMP_EQ", {0, 1, 0}},
                      Case{"SCMP_CMP_GE", {0, 1, 1}}, Case{"SCMP_CMP_GT", {0, 0, 1}},
                      // (arg & 0x3) == 0x0: only v (…10) matches among …0f, …10, …11
                      Case{"SCMP_CMP_MASKED_EQ", {0, 1, 0}});
    INFO(c.op);
    Bundle b;
    json a = {{"index", 0}, {"op", c.op}, {"value", v}};
    if (std::string(c.op) == "SCMP_CMP_MASKED_EQ")
        a = {{"index", 0}, {"op", c.op}, {"value", 3}, {"valueTwo", 0}};
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", json::array({syscall_rule({"getpgid"}, "SCMP_ACT_ERRNO",
                                               {{"errnoRet", 99}, {"args", json::array({a})}})})}};
    std::string script;
    for (uint64_t x : {v - 1, v, v + 1})
        script += "/probe syscall " + num(SYS_getpgid) + " " + num(x) + "; ";
    b.set_args({"/bin/sh", "-c", script});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() == 3);
    for (size_t i = 0; i < 3; ++i)
        CHECK(lines[i] == (c.match[i] ? "errno 99" : "errno " + num(ESRCH)));
}

TEST_CASE("syscalls newer than any the profile names return ENOSYS", "[seccomp]") {
    // Allow every x86_64 syscall below clone3 (435) except getppid; EPERM by default.
    json names = json::array();
    for (int nr = 0; nr < 435; ++nr) {
        if (nr == SYS_getppid) continue;
        char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
        if (name) names.push_back(name);
        std::free(name);
    }
    Bundle b;
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ERRNO"},
        {"syscalls", json::array({{{"names", names}, {"action", "SCMP_ACT_ALLOW"}}})}};
    RunResult r = run_syscall(b, {"435"}); // clone3: newer than the profile's newest
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(probe_errno(r) == ENOSYS);
    r = run_syscall(b, {num(SYS_getppid)}); // older: the default action
    CHECK(probe_errno(r) == EPERM);
    r = run_syscall(b, {"1000"}); // not a syscall at all
    CHECK(probe_errno(r) == ENOSYS);
    r = run_syscall(b, {num(SYS_getpid)});
    CHECK(probe_errno(r) == 0);
}

TEST_CASE("podman's default profile runs a shell and refuses what it lists", "[seccomp]") {
    std::string text = read_text(kPodmanProfile);
    INFO("tools/setup.sh installs golang-github-containers-common for " << kPodmanProfile);
    REQUIRE(!text.empty());
    json prof = json::parse(text);
    Bundle b;
    std::set<std::string> caps;
    for (const auto& c : b.config["process"]["capabilities"]["bounding"])
        caps.insert(c.get<std::string>());
    b.config["linux"]["seccomp"] = oci_from_podman(prof, caps);
    REQUIRE(b.config["linux"]["seccomp"]["syscalls"].size() > 10);

    // A shell that forks and execs under the filter.
    std::string script = "/probe syscall " + num(SYS_getpid) + "; /probe syscall " +
                         num(SYS_kexec_load) + " 0 0 0 0; /probe syscall " + num(SYS_add_key) +
                         "; /probe syscall " + num(SYS_bpf) + " 0 0 0; /probe report";
    b.set_args({"/bin/sh", "-c", script});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto lines = lines_of(r.out);
    REQUIRE(lines.size() >= 5);
    CHECK(lines[0] == "errno 0");              // getpid: allowed
    CHECK(lines[1] == "errno " + num(EPERM));  // kexec_load: ERRNO rule
    CHECK(lines[2] == "errno " + num(ENOSYS)); // add_key: not listed, defaultErrnoRet 38
    CHECK(lines[3] == "errno " + num(EPERM));  // bpf: needs CAP_SYS_ADMIN
    json rep = Bundle::probe_report(r);
    CHECK(rep["seccomp"] == 2);
    CHECK(rep["seccomp_filters"] == 1);
}

TEST_CASE("hull makes no syscall the profile may deny once the filter is loaded", "[seccomp]") {
    const bool nnp = GENERATE(false, true);
    INFO("noNewPrivileges " << nnp);
    Bundle b;
    b.config["process"]["noNewPrivileges"] = nnp;
    b.config["process"]["env"] = json::array({"PATH=/nothing:/"}); // a PATH search for "probe"
    // Deny what hull uses to set the process up (and the probe's syscall subcommand does
    // not need): only execve and, without no_new_privs, capget/capset/prctl may follow the
    // filter (docs/seccomp.md).
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls",
         json::array({syscall_rule(
             {"open",       "openat",  "openat2",     "close",     "close_range", "fcntl",
              "chdir",      "fchdir",  "getcwd",      "stat",      "statx",       "faccessat",
              "faccessat2", "access",  "setresuid",   "setresgid", "setgroups",   "readlink",
              "readlinkat", "sendmsg", "umask",       "mount",     "umount2",     "pivot_root",
              "setns",      "unshare", "sethostname", "dup2",      "dup3"},
             "SCMP_ACT_ERRNO", {{"errnoRet", 71}})})}};
    b.set_args({"probe", "syscall", num(SYS_getpid)});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(probe_errno(r) == 0);
    r = run_syscall(b, {num(SYS_getcwd), "0", "0"});
    CHECK(probe_errno(r) == 71); // the filter is in force
}

TEST_CASE("the filter does not set no_new_privs", "[seccomp]") {
    const bool nnp = GENERATE(false, true);
    INFO("noNewPrivileges " << nnp);
    Bundle b;
    b.config["process"]["noNewPrivileges"] = nnp;
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"syscalls", json::array({syscall_rule({"getppid"}, "SCMP_ACT_ERRNO")})}};
    json rep = run_report(b);
    CHECK(rep["seccomp"] == 2);
    CHECK(rep["seccomp_filters"] == 1);
    CHECK(rep["no_new_privs"] == (nnp ? 1 : 0));
}

TEST_CASE("SCMP_ACT_NOTIFY: the listener gets the state and the fd and answers", "[seccomp]") {
    Bundle b;
    std::string sock = temp_dir() + "/listener.sock";
    std::string msg_file = temp_dir() + "/msg.json";
    pid_t listener = start_listener(sock, msg_file, EXDEV);
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"listenerPath", sock},
        {"listenerMetadata", "meta-1"},
        {"syscalls", json::array({syscall_rule({"getppid"}, "SCMP_ACT_NOTIFY")})}};
    RunResult r = run_syscall(b, {num(SYS_getppid)});
    int lexit = wait_exit(listener);
    INFO(describe(r));
    INFO("listener exit " << lexit);
    REQUIRE(r.exit_code == 0);
    REQUIRE(lexit == 0);
    CHECK(probe_errno(r) == EXDEV); // the listener's answer

    json m = json::parse(read_text(msg_file));
    CHECK(m["ociVersion"] == "1.3.0");
    CHECK(m["fds"] == json::array({"seccompFd"}));
    CHECK(m["metadata"] == "meta-1");
    CHECK(m["state"]["id"] == b.id);
    CHECK(m["state"]["status"] == "created");
    CHECK(m["state"]["bundle"] == b.dir);
    CHECK(m["pid"].get<long>() > 1);
    CHECK(m["state"]["pid"] == m["pid"]);
    // The notification came from that process (the init execs the probe: same pid).
    std::string req = read_text(msg_file + ".req");
    CHECK(req == num(SYS_getppid) + " " + std::to_string(m["pid"].get<long>()));
}

TEST_CASE("SCMP_ACT_NOTIFY needs a reachable listener", "[seccomp]") {
    Bundle b;
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ALLOW"},
        {"listenerPath", temp_dir() + "/nobody.sock"},
        {"syscalls", json::array({syscall_rule({"getppid"}, "SCMP_ACT_NOTIFY")})}};
    RunResult r = b.create();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains("linux.seccomp.listenerPath: connect to"));
    CHECK(b.state().is_null());
}

TEST_CASE("a second container with the same profile does not compile it again", "[seccomp]") {
    Bundle b;
    b.config["linux"]["seccomp"] = {
        {"defaultAction", "SCMP_ACT_ERRNO"},
        {"syscalls", json::array({syscall_rule({"getppid"}, "SCMP_ACT_ALLOW")})}};
    b.config["linux"]["seccomp"]["syscalls"][0]["names"] = json::array();
    // Enough for the probe: allow everything below 435 (the ENOSYS stub covers the rest).
    for (int nr = 0; nr < 435; ++nr) {
        char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
        if (name) b.config["linux"]["seccomp"]["syscalls"][0]["names"].push_back(name);
        std::free(name);
    }
    b.set_args({"/probe", "syscall", num(SYS_getpid)});
    b.write();
    std::vector<std::string> create{"--debug", "create", "--bundle", b.dir, b.id};
    RunResult r1 = b.hull(create);
    INFO(describe(r1));
    REQUIRE(r1.exit_code == 0);
    CHECK_THAT(r1.err, Catch::Contains("seccomp: compiled the profile with libseccomp"));
    std::string cache = b.state_root + "/seccomp-cache";
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(cache))
        files.push_back(e.path());
    REQUIRE(files.size() == 1);
    struct stat st1 {};
    REQUIRE(::stat(files[0].c_str(), &st1) == 0);
    REQUIRE(b.remove(true).exit_code == 0);

    RunResult r2 = b.hull(create);
    INFO(describe(r2));
    REQUIRE(r2.exit_code == 0);
    CHECK_THAT(r2.err, Catch::Contains("seccomp: program from cache"));
    CHECK_THAT(r2.err, !Catch::Contains("compiled the profile"));
    struct stat st2 {};
    REQUIRE(::stat(files[0].c_str(), &st2) == 0);
    CHECK(st2.st_ino == st1.st_ino);
    // And the cached program works.
    RunResult s = b.start();
    REQUIRE(s.exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
}

TEST_CASE("invalid profiles are refused with a clear error", "[seccomp]") {
    struct Case {
        json seccomp;
        const char* error;
    };
    auto c = GENERATE(
        Case{{{"defaultAction", "SCMP_ACT_ALLOW"},
              {"syscalls",
               json::array({{{"names", {"read", "opne"}}, {"action", "SCMP_ACT_ERRNO"}}})}},
             "linux.seccomp.syscalls[0].names[1]: unknown syscall \"opne\""},
        Case{{{"defaultAction", "SCMP_ACT_ALLOW"},
              {"syscalls", json::array({{{"names", {"read"}}, {"action", "SCMP_ACT_EXPLODE"}}})}},
             "linux.seccomp.syscalls[0].action"},
        Case{{{"defaultAction", "SCMP_ACT_NOPE"}}, "linux.seccomp.defaultAction"},
        Case{{{"defaultAction", "SCMP_ACT_ALLOW"}, {"architectures", {"SCMP_ARCH_VAX"}}},
             "linux.seccomp.architectures[0]"},
        Case{{{"defaultAction", "SCMP_ACT_ALLOW"},
              {"syscalls",
               json::array(
                   {{{"names", {"read"}},
                     {"action", "SCMP_ACT_ERRNO"},
                     {"args",
                      json::array({{{"index", 0}, {"value", 1}, {"op", "SCMP_CMP_ALMOST"}}})}}})}},
             "linux.seccomp.syscalls[0].args[0].op"});
    INFO(c.seccomp.dump());
    Bundle b;
    b.config["linux"]["seccomp"] = c.seccomp;
    RunResult r = b.create();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains(c.error));
    CHECK(b.state().is_null());
}

TEST_CASE("features reports seccomp truthfully", "[seccomp]") {
    RunResult r = run_hull({"features"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json f = json::parse(r.out);
    json s = f["linux"]["seccomp"];
    CHECK(s["enabled"] == true);
    std::string avail = read_text("/proc/sys/kernel/seccomp/actions_avail");
    auto has = [](const json& a, const char* x) {
        return std::find(a.begin(), a.end(), x) != a.end();
    };
    CHECK(has(s["actions"], "SCMP_ACT_ERRNO"));
    CHECK(has(s["actions"], "SCMP_ACT_NOTIFY") == (avail.find("user_notif") != std::string::npos));
    CHECK(has(s["actions"], "SCMP_ACT_KILL_PROCESS") ==
          (avail.find("kill_process") != std::string::npos));
    CHECK(s["operators"].size() == 7);
    CHECK(has(s["archs"], "SCMP_ARCH_X86_64"));
    CHECK(has(s["archs"], "SCMP_ARCH_X32"));
    CHECK(s["knownFlags"].size() == 4);
    CHECK(has(s["supportedFlags"], "SECCOMP_FILTER_FLAG_LOG"));
    CHECK(has(s["supportedFlags"], "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
    const scmp_version* v = seccomp_version();
    CHECK(f["annotations"]["io.github.seccomp.libseccomp.version"] ==
          std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
              std::to_string(v->micro));
}
