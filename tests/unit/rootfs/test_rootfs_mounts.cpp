// [rootfs] prepare(): config mounts (order, destinations inside the rootfs, binds, options,
// tmpcopyup, propagation, recursive attributes, idmap, cgroup, errors), and the flag change
// bind remounts make.
#include "rootfs/rootfs.hpp"
#include "rootfs/steps.hpp"
#include "rootfs_test_util.hpp"

#include <catch2/catch.hpp>

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

using namespace hull;
using namespace hull::rootfs_test;

namespace {

std::string owner_mode(const std::string& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) < 0) return std::strerror(errno);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%u:%u:%o", st.st_uid, st.st_gid, st.st_mode & 07777);
    return buf;
}

} // namespace

TEST_CASE("rootfs: mounts are made in the listed order with verbatim sources", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/a", "tmpfs", "src-a", {}),
                  make_mount("a/b/", "tmpfs", "src-b", {}), // relative, trailing slash
                  make_mount("/c//d/.", "tmpfs", "src-c", {"nosuid"})};
    auto r = in_child_ns([&](Report& rep) {
        if (!run_prepare(cfg, b, rep)) return;
        std::string seq;
        for (const auto& m : mounts_under(b.rootfs()))
            seq += m.mount_point == "/" ? "/ " : m.mount_point + ":" + m.source + " ";
        rep.set("seq", seq);
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("seq") == "/ /a:src-a /a/b:src-b /c/d:src-c ");
}

TEST_CASE("rootfs: symlinked destinations stay inside the rootfs", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    std::filesystem::create_directories(b.in_root("/etc"));
    std::filesystem::create_symlink("/etc", b.in_root("/link-etc"));
    std::filesystem::create_symlink("../../../..", b.in_root("/up"));
    std::string name = "hull-rootfs-test-" + std::to_string(::getpid());
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/link-etc/" + name, "tmpfs", "t1", {}),
                  make_mount("/up/" + name, "tmpfs", "t2", {})};
    auto r = in_child_ns([&](Report& rep) {
        if (!run_prepare(cfg, b, rep)) return;
        auto ms = mounts_under(b.rootfs());
        rep.set("etc", find_mount(ms, "/etc/" + name) ? "inside" : "missing");
        rep.set("up", find_mount(ms, "/" + name) ? "inside" : "missing");
        int outside = 0;
        for (const auto& m : read_mountinfo())
            if (m.source == "t1" || m.source == "t2")
                outside += !m.mount_point.starts_with(b.rootfs() + "/");
        rep.set("outside", outside);
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("etc") == "inside");
    CHECK(r.get("up") == "inside");
    CHECK(r.get("outside") == "0");
    CHECK_FALSE(std::filesystem::exists("/etc/" + name));
    CHECK_FALSE(std::filesystem::exists("/" + name));
}

TEST_CASE("rootfs: bind mounts of a file and a directory, relative to the bundle", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    b.write("data/hello.txt", "hello");
    b.write("dir/inner", "in");
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/etc/greeting", "", "data/hello.txt", {"bind"}),
                  make_mount("/mnt/dir", "none", b.dir() + "/dir", {"rbind"})};
    auto r = in_child_ns([&](Report& rep) {
        if (!run_prepare(cfg, b, rep)) return;
        rep.set("file", read_text(b.in_root("/etc/greeting")));
        rep.set("dir", read_text(b.in_root("/mnt/dir/inner")));
        auto ms = mounts_under(b.rootfs());
        const MountInfo* f = find_mount(ms, "/etc/greeting");
        rep.set("root", f ? f->root : "none");
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("file") == "hello");
    CHECK(r.get("dir") == "in");
    CHECK(r.get("root").ends_with("/data/hello.txt"));
    // The empty file made as the mount point stays behind; the host file is untouched.
    CHECK(std::filesystem::is_regular_file(b.in_root("/etc/greeting")));
    CHECK(read_text(b.dir() + "/data/hello.txt") == "hello");
}

TEST_CASE("rootfs: bind,ro is really read-only and leaves the source writable", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    b.write("src/f", "x");
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/ro", "bind", b.dir() + "/src", {"bind", "ro", "nosuid"})};
    auto r = in_child_ns([&](Report& rep) {
        if (!run_prepare(cfg, b, rep)) return;
        rep.set("write", try_create(b.in_root("/ro/new")));
        rep.set("source", try_create(b.dir() + "/src/new2"));
        auto ms = mounts_under(b.rootfs());
        const MountInfo* m = find_mount(ms, "/ro");
        rep.set("opts", m ? m->mount_opts : "none");
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("write") == std::strerror(EROFS));
    CHECK(r.get("source") == "ok");
    CHECK(has_opt(r.get("opts"), "ro"));
    CHECK(has_opt(r.get("opts"), "nosuid"));
}

TEST_CASE("rootfs: a bind keeps flags of the source mount it does not change", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    std::filesystem::create_directories(b.dir() + "/src");
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/x", "bind", b.dir() + "/src", {"bind", "ro"})};
    auto r = in_child_ns([&](Report& rep) {
        // The source is a nodev,noexec mount: "bind,ro" must not clear those.
        std::string src = b.dir() + "/src";
        ::mount("srcfs", src.c_str(), "tmpfs", MS_NODEV | MS_NOEXEC | MS_NOATIME, nullptr);
        if (!run_prepare(cfg, b, rep)) return;
        auto ms = mounts_under(b.rootfs());
        const MountInfo* m = find_mount(ms, "/x");
        rep.set("opts", m ? m->mount_opts : "none");
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(has_opt(r.get("opts"), "ro"));
    CHECK(has_opt(r.get("opts"), "nodev"));
    CHECK(has_opt(r.get("opts"), "noexec"));
    CHECK(has_opt(r.get("opts"), "noatime"));
}

TEST_CASE("rootfs: tmpfs flags and data show in mountinfo", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = make_config(b);
    cfg.mounts = {
        make_mount("/run", "tmpfs", "tmpfs", {"nosuid", "nodev", "mode=750", "size=64k"})};
    auto r = in_child_ns([&](Report& rep) {
        if (!run_prepare(cfg, b, rep)) return;
        auto ms = mounts_under(b.rootfs());
        const MountInfo* m = find_mount(ms, "/run");
        rep.set("opts", m ? m->mount_opts : "none");
        rep.set("super", m ? m->super_opts : "none");
        rep.set("type", m ? m->fstype : "none");
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    INFO(r.get("opts") << " - " << r.get("super"));
    CHECK(r.get("type") == "tmpfs");
    CHECK(has_opt(r.get("opts"), "nosuid"));
    CHECK(has_opt(r.get("opts"), "nodev"));
    CHECK(has_opt(r.get("super"), "size=64k"));
    CHECK(has_opt(r.get("super"), "mode=750"));
}

TEST_CASE("rootfs: tmpcopyup copies content with modes and owners", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    b.write("rootfs/data/f", "content");
    b.write("rootfs/data/sub/g", "deep");
    std::filesystem::create_symlink("f", b.in_root("/data/l"));
    REQUIRE(::chown(b.in_root("/data/f").c_str(), 123, 456) == 0);
    REQUIRE(::chmod(b.in_root("/data/f").c_str(), 0640) == 0);
    REQUIRE(::chmod(b.in_root("/data").c_str(), 0710) == 0);
    REQUIRE(::chown(b.in_root("/data").c_str(), 7, 8) == 0);
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/data", "tmpfs", "tmpfs", {"tmpcopyup", "ro"})};
    auto r = in_child_ns([&](Report& rep) {
        if (!run_prepare(cfg, b, rep)) return;
        auto ms = mounts_under(b.rootfs());
        const MountInfo* m = find_mount(ms, "/data");
        rep.set("type", m ? m->fstype : "none");
        rep.set("opts", m ? m->mount_opts : "none");
        rep.set("f", read_text(b.in_root("/data/f")));
        rep.set("f_meta", owner_mode(b.in_root("/data/f")));
        rep.set("g", read_text(b.in_root("/data/sub/g")));
        rep.set("dir_meta", owner_mode(b.in_root("/data")));
        std::error_code ec;
        rep.set("l", std::filesystem::read_symlink(b.in_root("/data/l"), ec).string());
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("type") == "tmpfs");
    CHECK(has_opt(r.get("opts"), "ro"));
    CHECK(r.get("f") == "content");
    CHECK(r.get("f_meta") == "123:456:640");
    CHECK(r.get("g") == "deep");
    CHECK(r.get("l") == "f");
    CHECK(r.get("dir_meta") == "7:8:710");
}

TEST_CASE("rootfs: propagation options", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/shared", "tmpfs", "t", {"rshared"}),
                  make_mount("/unbindable", "tmpfs", "t", {"unbindable"}),
                  make_mount("/private", "tmpfs", "t", {"private"})};
    auto r = in_child_ns([&](Report& rep) {
        if (!run_prepare(cfg, b, rep)) return;
        auto ms = mounts_under(b.rootfs());
        for (const char* p : {"/shared", "/unbindable", "/private"}) {
            const MountInfo* m = find_mount(ms, p);
            rep.set(p, m ? (m->optional.empty() ? "-" : m->optional) : "none");
        }
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("/shared").starts_with("shared:"));
    CHECK(r.get("/unbindable") == "unbindable");
    CHECK(r.get("/private") == "-");
}

TEST_CASE("rootfs: rro makes the whole bound tree read-only", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    std::filesystem::create_directories(b.dir() + "/src/sub");
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/tree", "", b.dir() + "/src", {"rbind", "rro"}),
                  make_mount("/plain", "", b.dir() + "/src", {"rbind", "ro"})};
    auto r = in_child_ns([&](Report& rep) {
        std::string sub = b.dir() + "/src/sub";
        ::mount("subfs", sub.c_str(), "tmpfs", 0, nullptr);
        if (!run_prepare(cfg, b, rep)) return;
        rep.set("top", try_create(b.in_root("/tree/f")));
        rep.set("sub", try_create(b.in_root("/tree/sub/f")));
        rep.set("plain_sub", try_create(b.in_root("/plain/sub/f")));
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(r.get("top") == std::strerror(EROFS));
    CHECK(r.get("sub") == std::strerror(EROFS));
    // Plain "ro" only applies to the top mount, as with runc.
    CHECK(r.get("plain_sub") == "ok");
}

TEST_CASE("rootfs: idmap mounts", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    b.write("src/owned", "x");
    REQUIRE(::chown((b.dir() + "/src/owned").c_str(), 0, 0) == 0);

    SECTION("with mappings the files show the mapped owner") {
        Config cfg = make_config(b);
        Mount m = make_mount("/idm", "", b.dir() + "/src", {"bind", "idmap"});
        m.uidMappings = {{0, 1000, 10}};
        m.gidMappings = {{0, 2000, 10}};
        cfg.mounts = {m};
        auto r = in_child_ns([&](Report& rep) {
            if (!run_prepare(cfg, b, rep)) return;
            rep.set("owner", owner_mode(b.in_root("/idm/owned")));
            rep.set("host", owner_mode(b.dir() + "/src/owned"));
        });
        REQUIRE(r.status == 0);
        REQUIRE(r.get("prepare") == "ok");
        CHECK(r.get("owner").starts_with("1000:2000:"));
        CHECK(r.get("host").starts_with("0:0:"));
    }
    SECTION("without mappings or a user namespace it is an error") {
        Config cfg = make_config(b);
        cfg.mounts = {make_mount("/idm", "", b.dir() + "/src", {"bind", "idmap"})};
        auto v = rootfs::validate(cfg);
        REQUIRE_FALSE(v);
        CHECK_THAT(v.error().message(), Catch::Contains("needs uidMappings and gidMappings"));
        auto r = in_child_ns([&](Report& rep) { run_prepare(cfg, b, rep); });
        CHECK(r.get("prepare") == v.error().message());
    }
}

TEST_CASE("rootfs: a cgroup mount gives a read-only cgroup tree", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/sys/fs/cgroup", "cgroup", "cgroup",
                             {"nosuid", "noexec", "nodev", "relatime", "ro"})};
    auto r = in_child_ns([&](Report& rep) {
        if (!run_prepare(cfg, b, rep)) return;
        auto ms = mounts_under(b.rootfs());
        const MountInfo* top = find_mount(ms, "/sys/fs/cgroup");
        rep.set("top_opts", top ? top->mount_opts : "none");
        int hierarchies = 0;
        for (const auto& m : ms)
            if (m.mount_point.starts_with("/sys/fs/cgroup/")) ++hierarchies;
        rep.set("hierarchies", hierarchies);
        rep.set("write", try_create(b.in_root("/sys/fs/cgroup/x")));
    });
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    CHECK(has_opt(r.get("top_opts"), "ro"));
    CHECK(r.get("write") == std::strerror(EROFS));
    struct statfs sf {};
    REQUIRE(::statfs("/sys/fs/cgroup", &sf) == 0);
    if (sf.f_type != CGROUP2_SUPER_MAGIC) CHECK(std::stoi(r.get("hierarchies")) > 0);
}

TEST_CASE("rootfs: mount errors name the mount", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = make_config(b);
    SECTION("missing bind source") {
        cfg.mounts = {make_mount("/x", "", "/nonexistent-hull-src", {"bind"})};
        auto r = in_child_ns([&](Report& rep) { run_prepare(cfg, b, rep); });
        CHECK(r.get("prepare") ==
              "mount /nonexistent-hull-src on /x: " + std::string(std::strerror(ENOENT)));
    }
    SECTION("unknown filesystem type") {
        cfg.mounts = {make_mount("proc", "hullnosuchfs", "proc", {})};
        auto r = in_child_ns([&](Report& rep) { run_prepare(cfg, b, rep); });
        CHECK(r.get("prepare") == "mount proc on /proc: " + std::string(std::strerror(ENODEV)));
    }
    SECTION("a later mount failing leaves the earlier ones made") {
        cfg.mounts = {make_mount("/ok", "tmpfs", "tmpfs", {}),
                      make_mount("/bad", "tmpfs", "tmpfs", {"size=notanumber"})};
        auto r = in_child_ns([&](Report& rep) {
            run_prepare(cfg, b, rep);
            auto ms = mounts_under(b.rootfs());
            rep.set("ok", find_mount(ms, "/ok") ? "yes" : "no");
        });
        CHECK(r.get("prepare") == "mount tmpfs on /bad: " + std::string(std::strerror(EINVAL)));
        CHECK(r.get("ok") == "yes");
    }
}

TEST_CASE("rootfs: per-mount flags as one mount_setattr change", "[rootfs]") {
    using rootfs::detail::attr_change;
    auto c = attr_change(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0);
    REQUIRE(c);
    CHECK(c->set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
    CHECK(c->clear == 0); // the atime mode and every other flag stay as they are
    // "rw,suid" clear what they name; flags that are not per-mount flags are ignored.
    c = attr_change(MS_BIND | MS_REC | MS_NODIRATIME, MS_RDONLY | MS_NOSUID);
    REQUIRE(c);
    CHECK(c->set == MOUNT_ATTR_NODIRATIME);
    CHECK(c->clear == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID));
    // An atime mode replaces the mode the mount has.
    c = attr_change(MS_NOATIME, 0);
    REQUIRE(c);
    CHECK(c->set == MOUNT_ATTR_NOATIME);
    CHECK(c->clear == MOUNT_ATTR__ATIME);
    c = attr_change(MS_RELATIME | MS_NOSYMFOLLOW, 0);
    REQUIRE(c);
    CHECK(c->set == (MOUNT_ATTR_RELATIME | MOUNT_ATTR_NOSYMFOLLOW));
    CHECK(c->clear == MOUNT_ATTR__ATIME);
    // Clearing an atime mode ("atime", "norelatime") depends on the mode the mount has now:
    // that is left to the MS_REMOUNT path, which reads it first.
    CHECK_FALSE(attr_change(MS_RDONLY, MS_NOATIME));
    CHECK(attr_change(MS_STRICTATIME, MS_NOATIME));
}
