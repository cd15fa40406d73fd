// The cgroup v2 device filter (src/cgroups/bpf_devices.cpp) on a real cgroup2 directory: a
// child moved into it tries opens and mknods, and the kernel's verdicts are checked. Needs
// root and a cgroup2 mount (/sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on v2).
#include "cgroups/bpf_insn.hpp"
#include "cgroups/devices.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

using namespace hull;
using hull::cgroups::apply_devices_v2;

namespace {

std::string cgroup2_root() {
    for (const char* p : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
        struct statfs st {};
        if (::statfs(p, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC) return p;
    }
    return "";
}

// A fresh cgroup2 directory, removed at the end (its processes have exited by then).
struct TestCgroup {
    std::string path;
    UniqueFd fd;
    TestCgroup() {
        static int n = 0;
        const std::string root = cgroup2_root();
        REQUIRE_FALSE(root.empty());
        path = root + "/hull-bpf-test-" + std::to_string(::getpid()) + "-" + std::to_string(++n);
        REQUIRE(::mkdir(path.c_str(), 0755) == 0);
        fd.reset(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(fd);
    }
    ~TestCgroup() {
        fd.reset();
        ::rmdir(path.c_str());
    }
    TestCgroup(const TestCgroup&) = delete;
    TestCgroup& operator=(const TestCgroup&) = delete;

    // Runs `fn` in a child moved into this cgroup; returns what it returned (an errno, 0 = ok).
    int run(const std::function<int()>& fn) const {
        int go[2];
        REQUIRE(::pipe2(go, O_CLOEXEC) == 0);
        const pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            ::close(go[1]);
            char c;
            if (::read(go[0], &c, 1) != 1) ::_exit(200);
            ::_exit(fn());
        }
        ::close(go[0]);
        const std::string procs = path + "/cgroup.procs";
        const std::string text = std::to_string(pid);
        const int pfd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
        const bool moved =
            pfd >= 0 && ::write(pfd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        if (pfd >= 0) ::close(pfd);
        if (moved) (void)!::write(go[1], "g", 1);
        ::close(go[1]);
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        REQUIRE(moved);
        REQUIRE(WIFEXITED(status));
        return WEXITSTATUS(status);
    }
};

int try_open(const char* path, int flags) {
    const int fd = ::open(path, flags | O_CLOEXEC);
    if (fd < 0) return errno;
    ::close(fd);
    return 0;
}

// A temp directory for mknod, removed with everything in it.
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/hull-bpf-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

// mknod of a new node in `dir`, as a job for TestCgroup::run (the name is chosen here, in the
// parent, so every call gets a fresh one).
std::function<int()> mknod_in(const TempDir& dir, mode_t type, unsigned major, unsigned minor) {
    static int n = 0;
    std::string p = dir.path + "/node" + std::to_string(++n);
    return [p, type, major, minor] {
        return ::mknod(p.c_str(), type | 0600, makedev(major, minor)) == 0 ? 0 : errno;
    };
}

// REQUIRE(r), showing the error when it fails.
#define REQUIRE_OK(expr)                                                                           \
    do {                                                                                           \
        auto require_ok_r_ = (expr);                                                               \
        INFO((require_ok_r_ ? std::string() : require_ok_r_.error().message()));                   \
        REQUIRE(require_ok_r_);                                                                    \
    } while (0)

DeviceRule rule(bool allow, std::optional<DeviceRuleType> type, std::optional<int64_t> major,
                std::optional<int64_t> minor, std::optional<std::string> access) {
    DeviceRule r;
    r.allow = allow;
    r.type = type;
    r.major = major;
    r.minor = minor;
    r.access = std::move(access);
    return r;
}
constexpr auto C = DeviceRuleType::Char;
constexpr auto B = DeviceRuleType::Block;
constexpr auto A = DeviceRuleType::All;

int sys_bpf(int cmd, bpf_attr& attr) {
    return static_cast<int>(::syscall(SYS_bpf, cmd, &attr, sizeof(attr)));
}

// Names of the device programs attached directly to the cgroup.
std::vector<std::string> attached(int dir_fd) {
    std::vector<uint32_t> ids(64);
    bpf_attr q{};
    q.query.target_fd = static_cast<uint32_t>(dir_fd);
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = reinterpret_cast<uintptr_t>(ids.data());
    q.query.prog_cnt = static_cast<uint32_t>(ids.size());
    REQUIRE(sys_bpf(BPF_PROG_QUERY, q) == 0);
    std::vector<std::string> names;
    for (uint32_t i = 0; i < q.query.prog_cnt; ++i) {
        bpf_attr get{};
        get.prog_id = ids[i];
        UniqueFd fd(sys_bpf(BPF_PROG_GET_FD_BY_ID, get));
        REQUIRE(fd);
        bpf_prog_info info{};
        bpf_attr ask{};
        ask.info.bpf_fd = static_cast<uint32_t>(fd.get());
        ask.info.info_len = sizeof(info);
        ask.info.info = reinterpret_cast<uintptr_t>(&info);
        REQUIRE(sys_bpf(BPF_OBJ_GET_INFO_BY_FD, ask) == 0);
        names.emplace_back(info.name);
    }
    return names;
}

} // namespace

TEST_CASE("device filter: default deny, one allowed device", "[cgroups][bpf]") {
    TestCgroup cg;
    auto r =
        apply_devices_v2(cg.fd.get(), {rule(false, A, {}, {}, "rwm"), rule(true, C, 1, 3, "rwm")});
    REQUIRE(r);
    CHECK(cg.run([] { return try_open("/dev/null", O_RDWR); }) == 0);
    CHECK(cg.run([] { return try_open("/dev/zero", O_RDONLY); }) == EPERM);
    CHECK(cg.run([] { return try_open("/dev/full", O_WRONLY); }) == EPERM);
    TempDir dir;
    CHECK(cg.run(mknod_in(dir, S_IFCHR, 1, 3)) == 0);
    CHECK(cg.run(mknod_in(dir, S_IFCHR, 1, 5)) == EPERM);
    // Outside the cgroup nothing changed.
    CHECK(try_open("/dev/zero", O_RDONLY) == 0);
}

TEST_CASE("device filter: rules that allow nothing deny every device", "[cgroups][bpf]") {
    TestCgroup cg;
    REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(false, A, {}, {}, "rwm")}));
    CHECK(cg.run([] { return try_open("/dev/null", O_RDONLY); }) == EPERM);
    // Files that are not devices are not filtered.
    CHECK(cg.run([] { return try_open("/proc/self/status", O_RDONLY); }) == 0);
}

TEST_CASE("device filter: no rules remove hull's filter", "[cgroups][bpf]") {
    TestCgroup cg;
    REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 3, "rwm")}));
    REQUIRE(cg.run([] { return try_open("/dev/zero", O_RDONLY); }) == EPERM);
    REQUIRE_OK(apply_devices_v2(cg.fd.get(), {}));
    CHECK(attached(cg.fd.get()).empty());
    CHECK(cg.run([] { return try_open("/dev/zero", O_RDONLY); }) == 0);
}

TEST_CASE("device filter: wildcard majors and minors, types", "[cgroups][bpf]") {
    TestCgroup cg;
    TempDir dir;
    SECTION("any minor") {
        REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, C, 1, {}, "rw")}));
        CHECK(cg.run([] { return try_open("/dev/zero", O_RDWR); }) == 0);
        CHECK(cg.run([] { return try_open("/dev/null", O_RDWR); }) == 0);
        CHECK(cg.run([] { return try_open("/dev/tty", O_RDWR); }) == EPERM); // 5:0
    }
    SECTION("any major (unset or -1), char only") {
        REQUIRE(
            apply_devices_v2(cg.fd.get(), {rule(true, C, {}, 3, "m"), rule(true, C, -1, 4, "m")}));
        CHECK(cg.run(mknod_in(dir, S_IFCHR, 7, 3)) == 0);
        CHECK(cg.run(mknod_in(dir, S_IFCHR, 250, 4)) == 0);
        CHECK(cg.run(mknod_in(dir, S_IFCHR, 7, 5)) == EPERM);
        CHECK(cg.run(mknod_in(dir, S_IFBLK, 7, 3)) == EPERM);
    }
    SECTION("block only") {
        REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, B, 7, {}, "m")}));
        CHECK(cg.run(mknod_in(dir, S_IFBLK, 7, 0)) == 0);
        CHECK(cg.run(mknod_in(dir, S_IFCHR, 7, 0)) == EPERM);
    }
    SECTION("type a (and unset type) matches char and block") {
        REQUIRE(
            apply_devices_v2(cg.fd.get(), {rule(true, A, 1, 3, "m"), rule(true, {}, 8, 1, "m")}));
        CHECK(cg.run(mknod_in(dir, S_IFCHR, 1, 3)) == 0);
        CHECK(cg.run(mknod_in(dir, S_IFBLK, 1, 3)) == 0);
        CHECK(cg.run(mknod_in(dir, S_IFBLK, 8, 1)) == 0);
        CHECK(cg.run(mknod_in(dir, S_IFCHR, 1, 4)) == EPERM);
    }
    SECTION("everything") {
        REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, {}, {}, {}, {})}));
        CHECK(cg.run(mknod_in(dir, S_IFBLK, 259, 77)) == 0);
        CHECK(cg.run([] { return try_open("/dev/zero", O_RDWR); }) == 0);
    }
}

TEST_CASE("device filter: access subsets", "[cgroups][bpf]") {
    TestCgroup cg;
    TempDir dir;
    REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 3, "r"), rule(true, C, 1, 5, "w"),
                                              rule(true, C, 1, 7, "m")}));
    CHECK(cg.run([] { return try_open("/dev/null", O_RDONLY); }) == 0);
    CHECK(cg.run([] { return try_open("/dev/null", O_WRONLY); }) == EPERM);
    CHECK(cg.run([] { return try_open("/dev/null", O_RDWR); }) == EPERM);
    CHECK(cg.run(mknod_in(dir, S_IFCHR, 1, 3)) == EPERM);
    CHECK(cg.run([] { return try_open("/dev/zero", O_WRONLY); }) == 0);
    CHECK(cg.run([] { return try_open("/dev/zero", O_RDONLY); }) == EPERM);
    CHECK(cg.run(mknod_in(dir, S_IFCHR, 1, 7)) == 0);
    CHECK(cg.run([] { return try_open("/dev/full", O_RDONLY); }) == EPERM);
}

TEST_CASE("device filter: later rules override earlier ones", "[cgroups][bpf]") {
    TestCgroup cg;
    SECTION("deny after allow takes access away") {
        REQUIRE(
            apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 3, "rwm"), rule(false, C, 1, 3, "w")}));
        CHECK(cg.run([] { return try_open("/dev/null", O_RDONLY); }) == 0);
        CHECK(cg.run([] { return try_open("/dev/null", O_WRONLY); }) == EPERM);
        CHECK(cg.run([] { return try_open("/dev/null", O_RDWR); }) == EPERM);
    }
    SECTION("allow after deny gives it back") {
        REQUIRE(
            apply_devices_v2(cg.fd.get(), {rule(false, C, 1, 3, "w"), rule(true, C, 1, 3, "rwm")}));
        CHECK(cg.run([] { return try_open("/dev/null", O_RDWR); }) == 0);
    }
    SECTION("allow everything, then deny one device") {
        REQUIRE_OK(apply_devices_v2(cg.fd.get(),
                                    {rule(true, A, {}, {}, "rwm"), rule(false, C, 1, 5, "rwm")}));
        CHECK(cg.run([] { return try_open("/dev/zero", O_RDONLY); }) == EPERM);
        CHECK(cg.run([] { return try_open("/dev/null", O_RDWR); }) == 0);
        CHECK(cg.run([] { return try_open("/dev/full", O_RDWR); }) == 0);
    }
    SECTION("a deny-all at the end wins over everything before it") {
        REQUIRE_OK(apply_devices_v2(cg.fd.get(),
                                    {rule(true, C, 1, 3, "rwm"), rule(false, {}, {}, {}, "rwm")}));
        CHECK(cg.run([] { return try_open("/dev/null", O_RDONLY); }) == EPERM);
    }
    SECTION("access from several allow rules adds up") {
        REQUIRE(
            apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 3, "r"), rule(true, C, 1, 3, "w")}));
        CHECK(cg.run([] { return try_open("/dev/null", O_RDWR); }) == 0);
    }
}

TEST_CASE("device filter: a second apply replaces the first", "[cgroups][bpf]") {
    TestCgroup cg;
    REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 3, "rwm")}));
    CHECK(attached(cg.fd.get()) == std::vector<std::string>{"hull_devices"});
    REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 5, "rwm")}));
    CHECK(attached(cg.fd.get()) == std::vector<std::string>{"hull_devices"});
    CHECK(cg.run([] { return try_open("/dev/null", O_RDONLY); }) == EPERM);
    CHECK(cg.run([] { return try_open("/dev/zero", O_RDONLY); }) == 0);

    SECTION("several earlier filters are all detached") {
        // A second hull filter attached beside the first (as after a crash mid-update).
        const bpf_insn deny[] = {cgroups::bpf::mov32_imm(0, 0), cgroups::bpf::exit_insn()};
        auto prog = cgroups::bpf::load_device_program(deny);
        REQUIRE(prog);
        bpf_attr at{};
        at.target_fd = static_cast<uint32_t>(cg.fd.get());
        at.attach_bpf_fd = static_cast<uint32_t>(prog->get());
        at.attach_type = BPF_CGROUP_DEVICE;
        at.attach_flags = BPF_F_ALLOW_MULTI;
        REQUIRE(sys_bpf(BPF_PROG_ATTACH, at) == 0);
        CHECK(attached(cg.fd.get()).size() == 2);
        REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 3, "rwm")}));
        CHECK(attached(cg.fd.get()) == std::vector<std::string>{"hull_devices"});
        CHECK(cg.run([] { return try_open("/dev/null", O_RDONLY); }) == 0);
    }
    SECTION("an O_PATH fd of the directory works too") {
        UniqueFd path_fd(::open(cg.path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(path_fd);
        REQUIRE_OK(apply_devices_v2(path_fd.get(), {rule(true, C, 1, 7, "rwm")}));
        CHECK(attached(cg.fd.get()) == std::vector<std::string>{"hull_devices"});
        CHECK(cg.run([] { return try_open("/dev/full", O_RDONLY); }) == 0);
        CHECK(cg.run([] { return try_open("/dev/zero", O_RDONLY); }) == EPERM);
    }
}

TEST_CASE("device filter: programs hull did not attach stay", "[cgroups][bpf]") {
    TestCgroup cg;
    // Someone else's filter (allow all), under another name.
    const bpf_insn allow[] = {cgroups::bpf::mov32_imm(0, 1), cgroups::bpf::exit_insn()};
    bpf_attr load{};
    static const char license[] = "GPL";
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = reinterpret_cast<uintptr_t>(allow);
    load.insn_cnt = 2;
    load.license = reinterpret_cast<uintptr_t>(license);
    std::strcpy(load.prog_name, "other_filter");
    UniqueFd other(sys_bpf(BPF_PROG_LOAD, load));
    REQUIRE(other);
    bpf_attr at{};
    at.target_fd = static_cast<uint32_t>(cg.fd.get());
    at.attach_bpf_fd = static_cast<uint32_t>(other.get());
    at.attach_type = BPF_CGROUP_DEVICE;
    at.attach_flags = BPF_F_ALLOW_MULTI;
    REQUIRE(sys_bpf(BPF_PROG_ATTACH, at) == 0);

    REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 3, "rwm")}));
    REQUIRE_OK(apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 5, "rwm")}));
    auto names = attached(cg.fd.get());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"hull_devices", "other_filter"});
    CHECK(cg.run([] { return try_open("/dev/zero", O_RDONLY); }) == 0);
    CHECK(cg.run([] { return try_open("/dev/null", O_RDONLY); }) == EPERM);
}

TEST_CASE("device filter: errors", "[cgroups][bpf]") {
    TestCgroup cg;
    SECTION("bad rules are refused before anything is attached") {
        auto bad =
            apply_devices_v2(cg.fd.get(), {rule(true, C, 1, 3, "rwm"), rule(true, C, 1, 5, "rx")});
        REQUIRE_FALSE(bad);
        CHECK(bad.error().message() == "device filter: rule 1: invalid access \"rx\" "
                                       "(a mix of r, w, m)");
        auto big = apply_devices_v2(cg.fd.get(), {rule(true, C, int64_t{1} << 32, 3, "r")});
        REQUIRE_FALSE(big);
        CHECK(big.error().message() == "device filter: rule 0: invalid major 4294967296");
        auto neg = apply_devices_v2(cg.fd.get(), {rule(true, C, 1, -2, "r")});
        REQUIRE_FALSE(neg);
        CHECK(neg.error().message() == "device filter: rule 0: invalid minor -2");
        CHECK(attached(cg.fd.get()).empty());
    }
    SECTION("a program the verifier refuses comes back with its log") {
        const bpf_insn no_r0[] = {cgroups::bpf::exit_insn()}; // returns an unset register
        auto r = cgroups::bpf::load_device_program(no_r0);
        REQUIRE_FALSE(r);
        CHECK(r.error().err() == EACCES);
        CHECK_THAT(r.error().message(), Catch::StartsWith("load device filter: Permission "
                                                          "denied; verifier log: "));
        CHECK_THAT(r.error().message(), Catch::Contains("R0"));
    }
    SECTION("not a cgroup directory") {
        UniqueFd tmp(::open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        auto r = apply_devices_v2(tmp.get(), {});
        REQUIRE_FALSE(r);
        CHECK_THAT(r.error().message(), Catch::StartsWith("query device filters: "));
    }
}
