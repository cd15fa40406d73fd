// hull::seccomp: compiling profiles, the ENOSYS stub, flags, the cache, features. Programs
// are loaded in forked children, which report what their syscalls returned.
#include "seccomp/seccomp.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

using namespace hull;

namespace {

SeccompSyscall rule(std::vector<std::string> names, SeccompAction a,
                    std::optional<uint32_t> errno_ret = std::nullopt,
                    std::vector<SeccompArg> args = {}) {
    SeccompSyscall s;
    s.names = std::move(names);
    s.action = a;
    s.errnoRet = errno_ret;
    s.args = std::move(args);
    return s;
}

SeccompArg arg(uint32_t index, SeccompOperator op, uint64_t value,
               std::optional<uint64_t> two = std::nullopt) {
    SeccompArg a;
    a.index = index;
    a.op = op;
    a.value = value;
    a.valueTwo = two;
    return a;
}

struct ChildResult {
    int exit_code = -1; // -1 when killed
    int signal = 0;
    std::vector<long> values; // what the child reported (errno, or 0 on success)
};

// Forks; the child sets no_new_privs, loads `prog`, runs `body` (which appends values) and
// writes them to a pipe. Everything the child does after loading must pass the filter:
// write(2) and exit_group(2) are assumed allowed.
ChildResult run_filtered(const seccomp::Program& prog,
                         const std::function<void(std::vector<long>&)>& body) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(90);
        std::vector<long> out;
        out.reserve(64);
        auto fd = seccomp::load(prog);
        if (!fd) ::_exit(91);
        body(out);
        (void)!::write(p[1], out.data(), out.size() * sizeof(long));
        ::_exit(0);
    }
    ::close(p[1]);
    ChildResult r;
    long buf[64];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < n / static_cast<ssize_t>(sizeof(long)); ++i)
            r.values.push_back(buf[i]);
    ::close(p[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    return r;
}

// errno of a raw syscall, 0 on success.
long err_of(long rc) {
    return rc < 0 ? errno : 0;
}

seccomp::Program program_of(const Seccomp& p) {
    auto bpf = seccomp::compile_bpf(p);
    INFO((bpf ? "" : bpf.error().message()));
    REQUIRE(bpf);
    auto flags = seccomp::filter_flags(p);
    REQUIRE(flags);
    return {*bpf, *flags, seccomp::uses_notify(p)};
}

// A pid that cannot exist (above any pid_max): getpgid(kNoPid + x) is ESRCH unless a rule
// matches, so rules on getpgid's argument can be probed without side effects.
constexpr uint64_t kNoPid = 0x40000000;

long getpgid_err(uint64_t v) {
    return err_of(::syscall(SYS_getpgid, v));
}

std::string temp_dir() {
    char tmpl[] = "/tmp/hull-seccomp-unit-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    return tmpl;
}

} // namespace

TEST_CASE("errno rules return errnoRet and the default applies elsewhere", "[seccomp]") {
    Seccomp p;
    p.defaultAction = SeccompAction::Allow;
    p.syscalls.push_back(rule({"getppid"}, SeccompAction::Errno, 77));
    p.syscalls.push_back(rule({"getpgid"}, SeccompAction::Errno)); // EPERM by default
    auto r = run_filtered(program_of(p), [](std::vector<long>& out) {
        out.push_back(err_of(::syscall(SYS_getppid)));
        out.push_back(err_of(::syscall(SYS_getpgid, 0)));
        out.push_back(err_of(::syscall(SYS_getpid)));
    });
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.values == std::vector<long>{77, EPERM, 0});
}

TEST_CASE("default errno action with defaultErrnoRet", "[seccomp]") {
    Seccomp p;
    p.defaultAction = SeccompAction::Errno;
    p.defaultErrnoRet = 55;
    p.syscalls.push_back(rule({"write", "exit_group", "exit", "getpid"}, SeccompAction::Allow));
    auto r = run_filtered(program_of(p), [](std::vector<long>& out) {
        out.push_back(err_of(::syscall(SYS_getppid)));
        out.push_back(err_of(::syscall(SYS_getpid)));
    });
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.values == std::vector<long>{55, 0});
}

TEST_CASE("kill, kill_process, kill_thread and trap end the process with SIGSYS", "[seccomp]") {
    auto action = GENERATE(SeccompAction::Kill, SeccompAction::KillProcess,
                           SeccompAction::KillThread, SeccompAction::Trap);
    INFO(std::string(to_string(action)));
    Seccomp p;
    p.defaultAction = SeccompAction::Allow;
    p.syscalls.push_back(rule({"getppid"}, action));
    auto r = run_filtered(program_of(p), [](std::vector<long>& out) {
        out.push_back(err_of(::syscall(SYS_getpid)));
        (void)::syscall(SYS_getppid);
        out.push_back(12345); // not reached
    });
    REQUIRE(r.signal == SIGSYS);
    REQUIRE(r.values.empty()); // the write after the syscall never happened
}

TEST_CASE("log allows the syscall; trace without a tracer gives ENOSYS", "[seccomp]") {
    Seccomp p;
    p.defaultAction = SeccompAction::Allow;
    p.syscalls.push_back(rule({"getppid"}, SeccompAction::Log));
    p.syscalls.push_back(rule({"getpgid"}, SeccompAction::Trace, 9));
    auto r = run_filtered(program_of(p), [](std::vector<long>& out) {
        out.push_back(err_of(::syscall(SYS_getppid)));
        out.push_back(err_of(::syscall(SYS_getpgid, 0)));
    });
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.values == std::vector<long>{0, ENOSYS});
}

TEST_CASE("each of the seven operators compares the argument", "[seccomp]") {
    const uint64_t v = kNoPid + 10;
    struct Case {
        SeccompOperator op;
        std::vector<bool> match; // for v - 1, v, v + 1
    };
    auto c = GENERATE_COPY(Case{SeccompOperator::Ne, {true, false, true}},
                           Case{SeccompOperator::Lt, {true, false, false}},
                           Case{SeccompOperator::Le, {true, true, false}},
                           Case{SeccompOperator::Eq, {false, true, false}},
                           Case{SeccompOperator::Ge, {false, true, true}},
                           Case{SeccompOperator::Gt, {false, false, true}});
    INFO(std::string(to_string(c.op)));
    Seccomp p;
    p.defaultAction = SeccompAction::Allow;
    p.syscalls.push_back(rule({"getpgid"}, SeccompAction::Errno, 101, {arg(0, c.op, v)}));
    auto r = run_filtered(program_of(p), [v](std::vector<long>& out) {
        for (uint64_t x : {v - 1, v, v + 1})
            out.push_back(getpgid_err(x));
    });
    REQUIRE(r.exit_code == 0);
    std::vector<long> want;
    for (bool m : c.match)
        want.push_back(m ? 101 : ESRCH);
    REQUIRE(r.values == want);
}

TEST_CASE("SCMP_CMP_MASKED_EQ: (arg & value) == valueTwo", "[seccomp]") {
    Seccomp p;
    p.defaultAction = SeccompAction::Allow;
    p.syscalls.push_back(rule({"getpgid"}, SeccompAction::Errno, 102,
                              {arg(0, SeccompOperator::MaskedEq, 0xff, 0x42)}));
    auto r = run_filtered(program_of(p), [](std::vector<long>& out) {
        out.push_back(getpgid_err(kNoPid + 0x142)); // low byte 0x42: match
        out.push_back(getpgid_err(kNoPid + 0x143));
    });
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.values == std::vector<long>{102, ESRCH});
}

TEST_CASE("args on different indexes are ANDed, repeated indexes are ORed", "[seccomp]") {
    SECTION("AND") {
        Seccomp p;
        p.defaultAction = SeccompAction::Allow;
        // getpriority(which, who): which == PRIO_PROCESS (0) && who == kNoPid
        p.syscalls.push_back(
            rule({"getpriority"}, SeccompAction::Errno, 103,
                 {arg(0, SeccompOperator::Eq, 0), arg(1, SeccompOperator::Eq, 7)}));
        auto r = run_filtered(program_of(p), [](std::vector<long>& out) {
            out.push_back(err_of(::syscall(SYS_getpriority, 0, 7)));
            out.push_back(err_of(::syscall(SYS_getpriority, 0, 8)));
            out.push_back(err_of(::syscall(SYS_getpriority, 1, 7)));
        });
        REQUIRE(r.exit_code == 0);
        REQUIRE(r.values[0] == 103);
        REQUIRE(r.values[1] != 103);
        REQUIRE(r.values[2] != 103);
    }
    SECTION("OR") {
        Seccomp p;
        p.defaultAction = SeccompAction::Allow;
        p.syscalls.push_back(rule(
            {"getpgid"}, SeccompAction::Errno, 104,
            {arg(0, SeccompOperator::Eq, kNoPid + 1), arg(0, SeccompOperator::Eq, kNoPid + 2)}));
        auto r = run_filtered(program_of(p), [](std::vector<long>& out) {
            for (uint64_t x : {kNoPid + 1, kNoPid + 2, kNoPid + 3})
                out.push_back(getpgid_err(x));
        });
        REQUIRE(r.exit_code == 0);
        REQUIRE(r.values == std::vector<long>{104, 104, ESRCH});
    }
}

TEST_CASE("syscalls newer than the profile's newest return ENOSYS", "[seccomp]") {
    Seccomp p;
    p.defaultAction = SeccompAction::Errno; // EPERM
    // Newest named on x86_64: exit_group (231).
    p.syscalls.push_back(rule({"write", "exit", "exit_group", "getpid"}, SeccompAction::Allow));
    SECTION("native only") {}
    SECTION("with x86 and x32 in the filter") {
        p.architectures = {SeccompArch::X86_64, SeccompArch::X86, SeccompArch::X32};
    }
    auto r = run_filtered(program_of(p), [](std::vector<long>& out) {
        out.push_back(err_of(::syscall(SYS_getppid))); // 110: older, default applies
        out.push_back(err_of(::syscall(SYS_epoll_wait, -1, nullptr, 0, 0))); // 232
        out.push_back(err_of(::syscall(435, nullptr, 0)));                   // clone3
        out.push_back(err_of(::syscall(SYS_getpid)));
    });
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.values == std::vector<long>{EPERM, ENOSYS, ENOSYS, 0});
}

TEST_CASE("no ENOSYS stub with a permissive default or a default of ENOSYS", "[seccomp]") {
    Seccomp p;
    p.syscalls.push_back(rule({"write", "exit", "exit_group", "getpid"}, SeccompAction::Allow));
    p.syscalls.push_back(rule({"getppid"}, SeccompAction::Errno, 33));
    SECTION("errno ENOSYS by default") {
        p.defaultAction = SeccompAction::Errno;
        p.defaultErrnoRet = ENOSYS;
        auto bpf = seccomp::compile_bpf(p);
        REQUIRE(bpf);
        Seccomp q = p;
        q.defaultErrnoRet = EPERM;
        auto bpf2 = seccomp::compile_bpf(q);
        REQUIRE(bpf2);
        REQUIRE(bpf2->size() > bpf->size()); // only the EPERM one has the stub
    }
    SECTION("allow by default: new syscalls run") {
        p.defaultAction = SeccompAction::Allow;
        p.syscalls.erase(p.syscalls.begin());
        auto r = run_filtered(program_of(p), [](std::vector<long>& out) {
            out.push_back(err_of(::syscall(SYS_getppid)));
            out.push_back(err_of(::syscall(SYS_gettid))); // 186 > 110, not ENOSYS
        });
        REQUIRE(r.exit_code == 0);
        REQUIRE(r.values == std::vector<long>{33, 0});
    }
}

TEST_CASE("invalid profiles give errors naming the field", "[seccomp]") {
    Seccomp p;
    p.defaultAction = SeccompAction::Errno;
    SECTION("unknown syscall") {
        p.syscalls.push_back(rule({"read", "opne"}, SeccompAction::Allow));
        auto r = seccomp::compile_bpf(p);
        REQUIRE(!r);
        REQUIRE(r.error().message() ==
                "linux.seccomp.syscalls[0].names[1]: unknown syscall \"opne\"");
    }
    SECTION("argument index out of range") {
        p.syscalls.push_back(
            rule({"read"}, SeccompAction::Allow, {}, {arg(6, SeccompOperator::Eq, 1)}));
        auto r = seccomp::compile_bpf(p);
        REQUIRE(!r);
        REQUIRE_THAT(r.error().message(),
                     Catch::StartsWith("linux.seccomp.syscalls[0].args[0].index: 6"));
    }
    SECTION("notify as the default action") {
        p.defaultAction = SeccompAction::Notify;
        auto r = seccomp::compile_bpf(p);
        REQUIRE(!r);
        REQUIRE_THAT(r.error().message(), Catch::StartsWith("linux.seccomp.defaultAction:"));
    }
    SECTION("notify on sendmsg") {
        p.syscalls.push_back(rule({"sendmsg"}, SeccompAction::Notify));
        auto r = seccomp::compile_bpf(p);
        REQUIRE(!r);
        REQUIRE_THAT(r.error().message(), Catch::Contains("sendmsg"));
    }
    SECTION("errnoRet beyond 16 bits") {
        p.syscalls.push_back(rule({"read"}, SeccompAction::Errno, 70000));
        auto r = seccomp::compile_bpf(p);
        REQUIRE(!r);
        REQUIRE_THAT(r.error().message(),
                     Catch::StartsWith("linux.seccomp.syscalls[0].errnoRet: 70000"));
    }
}

TEST_CASE("seccomp(2) flags follow the profile", "[seccomp]") {
    Seccomp p;
    p.defaultAction = SeccompAction::Allow;
    p.flags = {SeccompFlag::Log, SeccompFlag::SpecAllow};
    REQUIRE(seccomp::filter_flags(p).value() ==
            (SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW));
    p.flags = {SeccompFlag::Tsync, SeccompFlag::WaitKillableRecv};
    REQUIRE(seccomp::filter_flags(p).value() == SECCOMP_FILTER_FLAG_TSYNC); // no listener
    p.syscalls.push_back(rule({"getppid"}, SeccompAction::Notify));
    REQUIRE(seccomp::filter_flags(p).value() ==
            (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER |
             SECCOMP_FILTER_FLAG_TSYNC_ESRCH | (1U << 5)));
}

TEST_CASE("a notify filter hands out a listener fd that answers", "[seccomp]") {
    Seccomp p;
    p.defaultAction = SeccompAction::Allow;
    p.syscalls.push_back(rule({"getppid"}, SeccompAction::Notify));
    seccomp::Program prog = program_of(p);
    REQUIRE((prog.flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) != 0);
    int sv[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(sv[0]);
        seccomp::Launch l;
        l.program = prog;
        l.listener.reset(sv[1]);
        if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(90);
        if (!seccomp::install(l, "{\"hello\":1}")) ::_exit(91);
        long rc = ::syscall(SYS_getppid);
        ::_exit(rc == 4242 ? 0 : 92);
    }
    ::close(sv[1]);
    // Receive the fd with its message, answer one notification with 4242.
    char buf[256] = {};
    iovec iov{buf, sizeof(buf) - 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    REQUIRE(::recvmsg(sv[0], &msg, 0) > 0);
    REQUIRE(std::string(buf) == "{\"hello\":1}");
    int nfd = -1;
    std::memcpy(&nfd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
    seccomp_notif req{};
    REQUIRE(::ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0);
    REQUIRE(req.data.nr == SYS_getppid);
    seccomp_notif_resp resp{};
    resp.id = req.id;
    resp.val = 4242;
    REQUIRE(::ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    ::close(nfd);
    ::close(sv[0]);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
}

TEST_CASE("the cache returns what was stored, for the same identity only", "[seccomp]") {
    std::string dir = temp_dir() + "/seccomp-cache";
    Seccomp p;
    p.defaultAction = SeccompAction::Errno;
    p.syscalls.push_back(rule({"read", "write"}, SeccompAction::Allow));
    std::string id = seccomp::cache_identity(p);
    auto miss = seccomp::cache_lookup(dir, id);
    REQUIRE(miss);
    REQUIRE(miss->first == seccomp::CacheResult::Miss);

    auto bpf = seccomp::compile_bpf(p).value();
    REQUIRE(seccomp::cache_store(dir, id, bpf));
    auto hit = seccomp::cache_lookup(dir, id).value();
    REQUIRE(hit.first == seccomp::CacheResult::Hit);
    REQUIRE(hit.second.size() == bpf.size());
    REQUIRE(std::memcmp(hit.second.data(), bpf.data(), bpf.size() * sizeof(sock_filter)) == 0);

    Seccomp q = p;
    q.syscalls[0].names.push_back("close");
    REQUIRE(seccomp::cache_identity(q) != id);
    REQUIRE(seccomp::cache_lookup(dir, seccomp::cache_identity(q))->first ==
            seccomp::CacheResult::Miss);
    q.syscalls[0].names.pop_back();
    REQUIRE(seccomp::cache_identity(q) == id);

    // listenerPath does not change the program.
    q.listenerPath = "/x";
    REQUIRE(seccomp::cache_identity(q) == id);
    std::filesystem::remove_all(std::filesystem::path(dir).parent_path());
}

TEST_CASE("compile_cached compiles once and then reads the cache file", "[seccomp]") {
    std::string root = temp_dir();
    Seccomp p;
    p.defaultAction = SeccompAction::Errno;
    p.syscalls.push_back(rule({"read", "write", "getpid"}, SeccompAction::Allow));
    auto first = seccomp::compile_cached(p, root).value();
    std::string cdir = root + "/seccomp-cache";
    std::vector<std::filesystem::path> files;
    for (auto& e : std::filesystem::directory_iterator(cdir))
        files.push_back(e.path());
    REQUIRE(files.size() == 1);
    struct stat st1 {};
    REQUIRE(::stat(files[0].c_str(), &st1) == 0);
    auto second = seccomp::compile_cached(p, root).value();
    struct stat st2 {};
    REQUIRE(::stat(files[0].c_str(), &st2) == 0);
    REQUIRE(st1.st_ino == st2.st_ino); // not rewritten
    REQUIRE(second.size() == first.size());
    std::filesystem::remove_all(root);
}

TEST_CASE("the cache keeps at most kCacheMaxEntries programs", "[seccomp]") {
    std::string root = temp_dir();
    std::string dir = root + "/seccomp-cache";
    std::vector<sock_filter> prog{BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    for (std::size_t i = 0; i < seccomp::kCacheMaxEntries + 6; ++i)
        REQUIRE(seccomp::cache_store(dir, "identity " + std::to_string(i), prog));
    std::size_t n = 0;
    for (auto& e : std::filesystem::directory_iterator(dir)) {
        (void)e;
        ++n;
    }
    REQUIRE(n == seccomp::kCacheMaxEntries);
    // The newest survives.
    auto last =
        seccomp::cache_lookup(dir, "identity " + std::to_string(seccomp::kCacheMaxEntries + 5));
    REQUIRE(last->first == seccomp::CacheResult::Hit);
    std::filesystem::remove_all(root);
}

TEST_CASE("a damaged cache file is a miss", "[seccomp]") {
    std::string root = temp_dir();
    std::string dir = root + "/seccomp-cache";
    std::vector<sock_filter> prog{BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
    REQUIRE(seccomp::cache_store(dir, "id", prog));
    for (auto& e : std::filesystem::directory_iterator(dir)) {
        int fd = ::open(e.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, "HULLBPF1\n", 9) == 9);
        ::close(fd);
    }
    REQUIRE(seccomp::cache_lookup(dir, "id")->first == seccomp::CacheResult::Miss);
    std::filesystem::remove_all(root);
}

TEST_CASE("probe_support reports this libseccomp and kernel", "[seccomp]") {
    auto s = seccomp::probe_support();
    auto has = [](const std::vector<std::string>& v, const char* x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    REQUIRE(has(s.actions, "SCMP_ACT_ALLOW"));
    REQUIRE(has(s.actions, "SCMP_ACT_ERRNO"));
    REQUIRE(s.operators.size() == 7);
    REQUIRE(has(s.archs, "SCMP_ARCH_X86_64"));
    REQUIRE(s.known_flags.size() == 4);
    REQUIRE(has(s.supported_flags, "SECCOMP_FILTER_FLAG_LOG")); // Linux 4.14
    REQUIRE(s.libseccomp_version.find('.') != std::string::npos);
    // The kernel's own list of actions agrees.
    std::string avail;
    if (FILE* f = std::fopen("/proc/sys/kernel/seccomp/actions_avail", "r")) {
        char b[512] = {};
        if (std::fgets(b, sizeof(b), f)) avail = b;
        std::fclose(f);
    }
    REQUIRE(has(s.actions, "SCMP_ACT_NOTIFY") == (avail.find("user_notif") != std::string::npos));
    REQUIRE(has(s.actions, "SCMP_ACT_LOG") == (avail.find("log") != std::string::npos));
}
