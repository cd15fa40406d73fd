// [rootfs] The whole sequence (prepare, enter, finalize) on the starter config of `hull spec`,
// as real root and inside a user namespace, plus locked flags in a user namespace.
#include "hull/config_parse.hpp"
#include "hull/spec_default.hpp"
#include "rootfs/rootfs.hpp"
#include "rootfs_test_util.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

using namespace hull;
using namespace hull::rootfs_test;

namespace {

Config default_config(const Bundle& b, SpecMode mode) {
    auto cfg = parse_config(default_spec(mode).dump());
    if (!cfg) FAIL(cfg.error().message());
    cfg->root.path = b.rootfs();
    return *cfg;
}

// The checks made inside the container after the three steps.
void run_all(const Config& cfg, const Bundle& b, Report& rep) {
    auto fd = rootfs::prepare(cfg, prepare_options(b));
    if (!fd) return rep.set("step", "prepare: " + fd.error().message());
    if (auto r = rootfs::enter(cfg, fd->get(), rootfs::PivotMode::PivotRoot); !r)
        return rep.set("step", "enter: " + r.error().message());
    if (auto r = rootfs::finalize(cfg); !r)
        return rep.set("step", "finalize: " + r.error().message());
    rep.set("step", "ok");
    std::string points;
    for (const auto& m : read_mountinfo())
        if (m.mount_point.find("/sys/fs/cgroup/") == std::string::npos)
            points += m.mount_point + " ";
    rep.set("points", points);
    rep.set("root_write", try_create("/new"));
    rep.set("shm_write", try_create("/dev/shm/new"));
    rep.set("proc_sys_write", try_create("/proc/sys/kernel/hostname"));
    rep.set("sys_write", try_create("/sys/kernel/x"));
    struct stat st {};
    // /proc/keys exists on every kernel with keys support; kcore may be missing.
    bool ok = ::stat("/proc/keys", &st) == 0;
    rep.set("keys_masked", ok && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) ? "yes" : "no");
    st = {};
    ::stat("/dev/null", &st);
    rep.set("null", S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) ? "yes" : "no");
    std::error_code ec;
    rep.set("ptmx", std::filesystem::read_symlink("/dev/ptmx", ec).string());
    rep.set("pts_ptmx", std::filesystem::exists("/dev/pts/ptmx") ? "yes" : "no");
}

void check_common(const ChildResult& r) {
    REQUIRE(r.status == 0);
    REQUIRE(r.get("step") == "ok");
    CHECK(r.get("root_write") == std::strerror(EROFS));
    CHECK(r.get("shm_write") == "ok");
    CHECK(r.get("proc_sys_write") == std::strerror(EROFS));
    CHECK(r.get("sys_write") == std::strerror(EROFS));
    CHECK(r.get("keys_masked") == "yes");
    CHECK(r.get("null") == "yes");
    CHECK(r.get("ptmx") == "pts/ptmx");
    CHECK(r.get("pts_ptmx") == "yes");
}

} // namespace

TEST_CASE("rootfs: the default config as root", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = default_config(b, SpecMode::Root);
    auto r =
        in_child_ns([&](Report& rep) { run_all(cfg, b, rep); },
                    CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP);
    check_common(r);
    CHECK_THAT(r.get("points"), Catch::StartsWith("/ /proc /dev /dev/pts /dev/shm /dev/mqueue "
                                                  "/sys /sys/fs/cgroup /proc/bus /proc/fs "
                                                  "/proc/irq /proc/sys "));
    CHECK_THAT(r.get("points"), Catch::Contains(" /proc/keys "));
}

TEST_CASE("rootfs: the default config's mounts in a user namespace", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    // The root-mode mounts (sysfs, cgroup) but no network namespace of our own: sysfs falls
    // back to a bind of the host's /sys, and the cgroup mount must still work.
    Config cfg = default_config(b, SpecMode::Root);
    cfg.linux->namespaces = {{NamespaceType::Pid, {}},  {NamespaceType::Ipc, {}},
                             {NamespaceType::Uts, {}},  {NamespaceType::Mount, {}},
                             {NamespaceType::User, {}}, {NamespaceType::Cgroup, {}}};
    auto r = in_child_ns([&](Report& rep) { run_all(cfg, b, rep); },
                         CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP, UserNs::Yes);
    check_common(r);
    CHECK_THAT(r.get("points"), Catch::StartsWith("/ /proc /dev /dev/pts /dev/shm /dev/mqueue "
                                                  "/sys "));
    CHECK_THAT(r.get("points"), Catch::Contains(" /sys/fs/cgroup "));
}

TEST_CASE("rootfs: binds keep locked flags in a user namespace", "[rootfs]") {
    if (!is_root()) return;
    struct statvfs sv {};
    if (::statvfs("/dev/shm", &sv) != 0 || !(sv.f_flag & ST_NOSUID) || !(sv.f_flag & ST_NODEV))
        return; // needs a nosuid,nodev mount to bind
    Bundle b;
    Config cfg = make_config(b);
    cfg.linux->namespaces = {{NamespaceType::User, {}}, {NamespaceType::Mount, {}}};
    // "suid" and "dev" cannot be granted on a locked nosuid,nodev mount: kept, with ro added.
    cfg.mounts = {make_mount("/shm", "", "/dev/shm", {"bind", "ro", "suid", "dev"})};
    auto r = in_child_ns(
        [&](Report& rep) {
            auto fd = rootfs::prepare(cfg, prepare_options(b));
            rep.set("prepare", fd ? std::string("ok") : fd.error().message());
            auto ms = mounts_under(b.rootfs());
            const MountInfo* m = find_mount(ms, "/shm");
            rep.set("opts", m ? m->mount_opts : "none");
            rep.set("write", try_create(b.in_root("/shm/hull-test")));
        },
        0, UserNs::Yes);
    REQUIRE(r.status == 0);
    REQUIRE(r.get("prepare") == "ok");
    INFO(r.get("opts"));
    CHECK(has_opt(r.get("opts"), "ro"));
    CHECK(has_opt(r.get("opts"), "nosuid"));
    CHECK(has_opt(r.get("opts"), "nodev"));
    CHECK(r.get("write") == std::strerror(EROFS));
}
