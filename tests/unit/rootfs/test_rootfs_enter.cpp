// [rootfs] enter(), bind_console(), finalize() and validate().
#include "rootfs/rootfs.hpp"
#include "rootfs_test_util.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>

using namespace hull;
using namespace hull::rootfs_test;

namespace {

// prepare + enter in the child; "step" = "ok" or the first error.
bool prepare_and_enter(const Config& cfg, const Bundle& b, Report& rep,
                       rootfs::PivotMode mode = rootfs::PivotMode::PivotRoot) {
    auto fd = rootfs::prepare(cfg, prepare_options(b));
    if (!fd) {
        rep.set("step", "prepare: " + fd.error().message());
        return false;
    }
    if (auto r = rootfs::enter(cfg, fd->get(), mode); !r) {
        rep.set("step", "enter: " + r.error().message());
        return false;
    }
    rep.set("step", "ok");
    return true;
}

std::string points_of(const std::vector<MountInfo>& ms) {
    std::string s;
    for (const auto& m : ms)
        s += m.mount_point + " ";
    return s;
}

Config base(const Bundle& b) {
    Config cfg = make_config(b);
    cfg.mounts = {make_mount("/proc", "proc", "proc", {"nosuid", "noexec", "nodev"}),
                  make_mount("/dev", "tmpfs", "tmpfs", {"nosuid", "mode=755"})};
    return cfg;
}

} // namespace

TEST_CASE("rootfs: pivot_root leaves only the new root", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    b.write("rootfs/marker", "inside");
    Config cfg = base(b);
    for (auto mode : {rootfs::PivotMode::PivotRoot, rootfs::PivotMode::NoPivot}) {
        auto r = in_child_ns([&](Report& rep) {
            if (!prepare_and_enter(cfg, b, rep, mode)) return;
            rep.set("marker", read_text("/marker"));
            char cwd[256] = {};
            rep.set("cwd", ::getcwd(cwd, sizeof(cwd)) ? cwd : "?");
            auto ms = read_mountinfo();
            rep.set("points", points_of(ms));
            rep.set("root", ms.empty() ? "" : ms.front().root);
            rep.set("bundle_visible", std::filesystem::exists(b.dir()) ? "yes" : "no");
        });
        INFO("mode " << static_cast<int>(mode));
        REQUIRE(r.status == 0);
        REQUIRE(r.get("step") == "ok");
        CHECK(r.get("marker") == "inside");
        CHECK(r.get("cwd") == "/");
        CHECK(r.get("bundle_visible") == "no");
        if (mode == rootfs::PivotMode::PivotRoot) {
            CHECK(r.get("points") == "/ /proc /dev ");
            std::string tail = b.dir().substr(b.dir().rfind('/')) + "/rootfs";
            CHECK_THAT(r.get("root"), Catch::EndsWith(tail));
        } else {
            // The moved rootfs hides the old root; only mounts below it are reachable.
            CHECK_THAT(r.get("points"), Catch::EndsWith("/ /proc /dev "));
        }
    }
}

TEST_CASE("rootfs: rootfsPropagation applies to the new root", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = base(b);
    SECTION("shared") {
        cfg.linux->rootfsPropagation = RootfsPropagation::Shared;
        auto r = in_child_ns([&](Report& rep) {
            if (!prepare_and_enter(cfg, b, rep)) return;
            rep.set("root_opt", read_mountinfo().front().optional);
            // A mount made below shows up through an rbind alias of "/".
            ::mkdir("/alias", 0755);
            ::mkdir("/mnt", 0755);
            ::mount("/", "/alias", nullptr, MS_BIND | MS_REC, nullptr);
            ::mount("late", "/mnt", "tmpfs", 0, nullptr);
            bool seen = false;
            for (const auto& m : read_mountinfo())
                seen = seen || (m.mount_point == "/alias/mnt" && m.source == "late");
            rep.set("alias", seen ? "propagated" : "not propagated");
        });
        REQUIRE(r.get("step") == "ok");
        CHECK_THAT(r.get("root_opt"), Catch::Contains("shared:"));
        CHECK(r.get("alias") == "propagated");
    }
    SECTION("unbindable") {
        cfg.linux->rootfsPropagation = RootfsPropagation::Unbindable;
        auto r = in_child_ns([&](Report& rep) {
            if (!prepare_and_enter(cfg, b, rep)) return;
            ::mkdir("/alias", 0755);
            int rc = ::mount("/", "/alias", nullptr, MS_BIND | MS_REC, nullptr);
            rep.set("rbind", rc == 0 ? std::string("ok") : std::strerror(errno));
        });
        REQUIRE(r.get("step") == "ok");
        CHECK(r.get("rbind") == std::strerror(EINVAL));
    }
}

TEST_CASE("rootfs: bind_console puts the pty slave on /dev/console", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = base(b);
    auto r = in_child_ns([&](Report& rep) {
        int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0 || ::grantpt(master) < 0 || ::unlockpt(master) < 0) return;
        std::string slave = ::ptsname(master);
        struct stat want {};
        ::stat(slave.c_str(), &want);
        auto fd = rootfs::prepare(cfg, prepare_options(b));
        if (!fd) return rep.set("step", fd.error().message());
        auto c = rootfs::bind_console(fd->get(), slave);
        rep.set("step", c ? std::string("ok") : c.error().message());
        struct stat got {};
        ::stat(b.in_root("/dev/console").c_str(), &got);
        rep.set("same", got.st_rdev == want.st_rdev && S_ISCHR(got.st_mode) ? "yes" : "no");
    });
    REQUIRE(r.get("step") == "ok");
    CHECK(r.get("same") == "yes");
}

TEST_CASE("rootfs: masked and read-only paths", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    b.write("rootfs/secret", "s3cret");
    b.write("rootfs/secretdir/x", "x");
    b.write("rootfs/ro/file", "r");
    b.write("rootfs/ro/inner/file", "r");
    REQUIRE(::mkfifo(b.in_root("/fifo").c_str(), 0600) == 0);
    Config cfg = base(b);
    cfg.linux->maskedPaths = {"/secret", "/secretdir", "/fifo", "/nope", "/proc/keys"};
    cfg.linux->readonlyPaths = {"/ro", "/ro/inner", "/nope2"};
    auto r = in_child_ns([&](Report& rep) {
        if (!prepare_and_enter(cfg, b, rep)) return;
        auto f = rootfs::finalize(cfg);
        rep.set("finalize", f ? std::string("ok") : f.error().message());
        rep.set("secret", read_text("/secret"));
        rep.set("secretdir_empty", std::filesystem::is_empty("/secretdir") ? "yes" : "no");
        rep.set("secretdir_write", try_create("/secretdir/y"));
        auto is_null = [](const char* p) {
            struct stat st {};
            return ::stat(p, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
        };
        rep.set("fifo_is_null", is_null("/fifo") ? "yes" : "no");
        rep.set("keys_is_null", is_null("/proc/keys") ? "yes" : "no");
        rep.set("ro_write", try_create("/ro/new"));
        rep.set("ro_inner_write", try_create("/ro/inner/new"));
        rep.set("root_write", try_create("/new"));
    });
    REQUIRE(r.get("step") == "ok");
    REQUIRE(r.get("finalize") == "ok");
    CHECK(r.get("secret") == "");
    CHECK(r.get("secretdir_empty") == "yes");
    CHECK(r.get("secretdir_write") == std::strerror(EROFS));
    CHECK(r.get("fifo_is_null") == "yes");
    CHECK(r.get("keys_is_null") == "yes");
    CHECK(r.get("ro_write") == std::strerror(EROFS));
    CHECK(r.get("ro_inner_write") == std::strerror(EROFS));
    CHECK(r.get("root_write") == "ok");
    // Nothing leaked to the host side.
    CHECK(read_text(b.in_root("/secret")) == "s3cret");
}

TEST_CASE("rootfs: root.readonly makes / read-only and nothing else", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = base(b);
    cfg.root.readonly = true;
    auto r = in_child_ns([&](Report& rep) {
        if (!prepare_and_enter(cfg, b, rep)) return;
        auto f = rootfs::finalize(cfg);
        rep.set("finalize", f ? std::string("ok") : f.error().message());
        rep.set("root_write", try_create("/new"));
        rep.set("dev_write", try_create("/dev/new"));
        rep.set("root_opts", read_mountinfo().front().mount_opts);
    });
    REQUIRE(r.get("step") == "ok");
    REQUIRE(r.get("finalize") == "ok");
    CHECK(r.get("root_write") == std::strerror(EROFS));
    CHECK(r.get("dev_write") == "ok");
    CHECK(has_opt(r.get("root_opts"), "ro"));
}

TEST_CASE("rootfs: linux.sysctl is written in the container's namespaces", "[rootfs]") {
    if (!is_root()) return;
    Bundle b;
    Config cfg = base(b);
    cfg.linux->namespaces = {{NamespaceType::Mount, {}},
                             {NamespaceType::Uts, {}},
                             {NamespaceType::Ipc, {}},
                             {NamespaceType::Network, {}}};
    cfg.linux->sysctl = {{"kernel.hostname", "hull-sysctl"},
                         {"net.ipv4.ip_forward", "1"},
                         {"kernel/shmmni", "1234"}};
    auto r = in_child_ns(
        [&](Report& rep) {
            if (!prepare_and_enter(cfg, b, rep)) return;
            auto f = rootfs::finalize(cfg);
            rep.set("finalize", f ? std::string("ok") : f.error().message());
            char host[64] = {};
            ::gethostname(host, sizeof(host));
            rep.set("hostname", host);
            rep.set("ip_forward", read_text("/proc/sys/net/ipv4/ip_forward"));
            rep.set("shmmni", read_text("/proc/sys/kernel/shmmni"));
        },
        CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET);
    REQUIRE(r.get("step") == "ok");
    REQUIRE(r.get("finalize") == "ok");
    CHECK(r.get("hostname") == "hull-sysctl");
    CHECK(r.get("ip_forward") == "1");
    CHECK(r.get("shmmni") == "1234");
}

TEST_CASE("rootfs: validate checks sysctl keys and paths", "[rootfs]") {
    Bundle b;
    Config cfg = make_config(b);
    auto msg = [&] {
        auto v = rootfs::validate(cfg);
        return v ? std::string("ok") : v.error().message();
    };
    cfg.linux->sysctl = {{"vm.swappiness", "10"}};
    CHECK(msg() == "sysctl \"vm.swappiness\" is not in a separate kernel namespace");
    cfg.linux->sysctl = {{"net.ipv4.ip_forward", "1"}};
    CHECK(msg() == "sysctl \"net.ipv4.ip_forward\" is not allowed in the host's network namespace");
    cfg.linux->namespaces = {{NamespaceType::Network, {}}};
    CHECK(msg() == "ok");
    cfg.linux->sysctl = {{"fs.mqueue.queues_max", "10"}};
    CHECK_THAT(msg(), Catch::Contains("ipc namespace"));
    cfg.linux->sysctl = {{"kernel.domainname", "x"}};
    CHECK_THAT(msg(), Catch::Contains("uts namespace"));
    cfg.linux->sysctl.clear();
    cfg.linux->maskedPaths = {"relative/path"};
    CHECK(msg() == "linux.maskedPaths: \"relative/path\" is not an absolute path");
}
