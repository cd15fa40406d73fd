// [rootfs] prepare(): default devices, linux.devices, the /dev symlinks, user namespaces.
#include "rootfs/rootfs.hpp"
#include "rootfs_test_util.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

using namespace hull;
using namespace hull::rootfs_test;

namespace {

// "c 1:3 666 0:0", "p 640 5:6", "f ..." (not a device) or the stat error.
std::string node(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) return std::strerror(errno);
    char buf[96];
    char kind = S_ISCHR(st.st_mode)    ? 'c'
                : S_ISBLK(st.st_mode)  ? 'b'
                : S_ISFIFO(st.st_mode) ? 'p'
                                       : 'f';
    if (kind == 'c' || kind == 'b')
        std::snprintf(buf, sizeof(buf), "%c %u:%u %o %u:%u", kind, major(st.st_rdev),
                      minor(st.st_rdev), st.st_mode & 07777, st.st_uid, st.st_gid);
    else
        std::snprintf(buf, sizeof(buf), "%c %o %u:%u", kind, st.st_mode & 07777, st.st_uid,
                      st.st_gid);
    return buf;
}

std::string link_of(const std::string& path) {
    std::error_code ec;
    auto t = std::filesystem::read_symlink(path, ec);
    return ec ? "not a symlink" : t.string();
}

Device device(DeviceType t, std::string path, int64_t maj, int64_t min, uint32_t mode, uint32_t uid,
              uint32_t gid) {
    Device d;
    d.type = t;
    d.path = std::move(path);
    if (t != DeviceType::Fifo) {
        d.major = maj;
        d.minor = min;
    }
    d.fileMode = mode;
    d.uid = uid;
    d.gid = gid;
    return d;
}

} // namespace

TEST_CASE("rootfs: default devices and /dev symlinks on a fresh /dev", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755"})};
    auto r = in_child_ns([&](Report& rep) {
        ::umask(077); // modes must not depend on the umask
        if (!run_prepare(cfg, b, rep)) return;
        for (const char* d : {"null", "zero", "full", "random", "urandom", "tty"})
            rep.set(d, node(b.in_root(std::string("/dev/") + d)));
        for (const char* l : {"fd", "stdin", "stdout", "stderr", "ptmx"})
            rep.set(std::string("link_") + l, link_of(b.in_root(std::string("/dev/") + l)));
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("null") == "c 1:3 666 0:0");
    CHECK(r.get("zero") == "c 1:5 666 0:0");
    CHECK(r.get("full") == "c 1:7 666 0:0");
    CHECK(r.get("random") == "c 1:8 666 0:0");
    CHECK(r.get("urandom") == "c 1:9 666 0:0");
    CHECK(r.get("tty") == "c 5:0 666 0:0");
    CHECK(r.get("link_fd") == "/proc/self/fd");
    CHECK(r.get("link_stdin") == "/proc/self/fd/0");
    CHECK(r.get("link_stdout") == "/proc/self/fd/1");
    CHECK(r.get("link_stderr") == "/proc/self/fd/2");
    CHECK(r.get("link_ptmx") == "pts/ptmx");
}

TEST_CASE("rootfs: linux.devices get their type, numbers, mode and owner", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/dev", "tmpfs", "tmpfs", {})};
    cfg.linux->devices = {
        device(DeviceType::Char, "/dev/custom/mynull", 1, 3, 0600, 1000, 1001),
        device(DeviceType::Unbuffered, "/dev/myzero", 1, 5, 0640, 0, 5),
        device(DeviceType::Block, "/dev/myloop", 7, 0, 0660, 0, 6),
        device(DeviceType::Fifo, "/dev/myfifo", 0, 0, 0620, 12, 13),
        // Overrides the default /dev/null's mode.
        device(DeviceType::Char, "/dev/null", 1, 3, 0644, 0, 0),
    };
    auto r = in_child_ns([&](Report& rep) {
        ::umask(077);
        if (!run_prepare(cfg, b, rep)) return;
        for (const char* p :
             {"/dev/custom/mynull", "/dev/myzero", "/dev/myloop", "/dev/myfifo", "/dev/null"})
            rep.set(p, node(b.in_root(p)));
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("/dev/custom/mynull") == "c 1:3 600 1000:1001");
    CHECK(r.get("/dev/myzero") == "c 1:5 640 0:5");
    CHECK(r.get("/dev/myloop") == "b 7:0 660 0:6");
    CHECK(r.get("/dev/myfifo") == "p 620 12:13");
    CHECK(r.get("/dev/null") == "c 1:3 644 0:0");
}

TEST_CASE("rootfs: an existing file at a device path", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    std::filesystem::create_directories(b.in_root("/dev"));
    Config cfg = make_config(b); // no /dev mount: the rootfs's own /dev

    SECTION("that does not match is an error") {
        b.write("rootfs/dev/mydev", "plain file");
        cfg.linux->devices = {device(DeviceType::Char, "/dev/mydev", 1, 3, 0666, 0, 0)};
        auto r = in_child_ns([&](Report& rep) { run_prepare(cfg, b, rep); });
        REQUIRE(r.status == 0);
        CHECK_THAT(r.get("prepare"), Catch::StartsWith("create device /dev/mydev: a regular file "
                                                       "is already there, not a char device 1:3"));
    }
    SECTION("with other device numbers is an error") {
        REQUIRE(::mknod(b.in_root("/dev/mydev").c_str(), S_IFCHR | 0600, makedev(1, 5)) == 0);
        cfg.linux->devices = {device(DeviceType::Char, "/dev/mydev", 1, 3, 0666, 0, 0)};
        auto r = in_child_ns([&](Report& rep) { run_prepare(cfg, b, rep); });
        CHECK_THAT(r.get("prepare"), Catch::Contains("char device 1:5 is already there"));
    }
    SECTION("that matches gets the configured mode and owner") {
        REQUIRE(::mknod(b.in_root("/dev/mydev").c_str(), S_IFCHR | 0600, makedev(1, 3)) == 0);
        cfg.linux->devices = {device(DeviceType::Char, "/dev/mydev", 1, 3, 0664, 3, 4)};
        auto r = in_child_ns([&](Report& rep) {
            if (run_prepare(cfg, b, rep)) rep.set("node", node(b.in_root("/dev/mydev")));
        });
        REQUIRE(r.get("prepare") == "ok");
        CHECK(r.get("node") == "c 1:3 664 3:4");
    }
    SECTION("default devices and symlinks keep what the rootfs has") {
        b.write("rootfs/dev/tty", "not a tty");
        std::filesystem::create_symlink("/somewhere", b.in_root("/dev/fd"));
        auto r = in_child_ns([&](Report& rep) {
            if (!run_prepare(cfg, b, rep)) return;
            rep.set("tty", node(b.in_root("/dev/tty")));
            rep.set("fd", link_of(b.in_root("/dev/fd")));
            rep.set("null", node(b.in_root("/dev/null")));
        });
        REQUIRE(r.get("prepare") == "ok");
        CHECK(r.get("tty").starts_with("f "));
        CHECK(r.get("fd") == "/somewhere");
        CHECK(r.get("null") == "c 1:3 666 0:0");
    }
}

TEST_CASE("rootfs: in a user namespace devices are bind-mounted from the host", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = make_config(b);
    cfg.linux->namespaces = {{NamespaceType::User, {}}, {NamespaceType::Mount, {}}};
    cfg.mounts = {make_mount("/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755"})};
    cfg.linux->devices = {device(DeviceType::Fifo, "/dev/pipe", 0, 0, 0600, 0, 0)};
    auto r = in_child_ns(
        [&](Report& rep) {
            if (!run_prepare(cfg, b, rep)) return;
            auto ms = mounts_under(b.rootfs());
            rep.set("null_mounted", find_mount(ms, "/dev/null") ? "yes" : "no");
            rep.set("null", node(b.in_root("/dev/null")).substr(0, 6));
            rep.set("pipe", node(b.in_root("/dev/pipe")));
            rep.set("ptmx", link_of(b.in_root("/dev/ptmx")));
        },
        0, UserNs::Yes);
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("null_mounted") == "yes");
    CHECK(r.get("null") == "c 1:3 ");
    CHECK(r.get("pipe") == "p 600 0:0");
    CHECK(r.get("ptmx") == "pts/ptmx");
}
