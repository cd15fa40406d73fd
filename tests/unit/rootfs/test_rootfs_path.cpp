#include "rootfs/path.hpp"

#include "sys/sys_test_util.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

using namespace hull;
using namespace hull::rootfs;
namespace fs = std::filesystem;

namespace {

// A small rootfs with symlinks that try to leave it:
//   etc/            a directory
//   link_etc -> /etc        (absolute: must mean <root>/etc)
//   up -> ../../..          (relative, climbing out)
//   dangling -> /made/here  (target missing)
//   file                    (a regular file)
//   loop_a -> loop_b, loop_b -> loop_a
struct Root {
    testutil::TempDir tmp;
    std::string root;
    UniqueFd fd;
    Root() {
        root = tmp / "rootfs";
        fs::create_directories(root + "/etc");
        fs::create_symlink("/etc", root + "/link_etc");
        fs::create_symlink("../../..", root + "/up");
        fs::create_symlink("/made/here", root + "/dangling");
        fs::create_symlink("loop_b", root + "/loop_a");
        fs::create_symlink("loop_a", root + "/loop_b");
        { UniqueFd f(::open((root + "/file").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644)); }
        fd.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        REQUIRE(fd.valid());
    }
    std::string where(const Result<UniqueFd>& r) const {
        REQUIRE(r);
        auto p = fd_path(r->get());
        REQUIRE(p);
        return *p;
    }
};

} // namespace

TEST_CASE("open_in_root resolves symlinks inside the root", "[linux][rootfs]") {
    Root r;
    CHECK(r.where(open_in_root(r.fd.get(), "/link_etc", O_PATH | O_DIRECTORY)) == r.root + "/etc");
    CHECK(r.where(open_in_root(r.fd.get(), "link_etc", O_PATH)) == r.root + "/etc");
    CHECK(r.where(open_in_root(r.fd.get(), "../../..", O_PATH)) == r.root);
    CHECK(r.where(open_in_root(r.fd.get(), "up", O_PATH)) == r.root);
    CHECK(r.where(open_in_root(r.fd.get(), "up/etc", O_PATH)) == r.root + "/etc");
    CHECK(r.where(open_in_root(r.fd.get(), "", O_PATH)) == r.root);
    CHECK(r.where(open_in_root(r.fd.get(), "/", O_PATH)) == r.root);

    auto nosym = open_in_root(r.fd.get(), "link_etc", O_PATH, ResolveMode::NoSymlinks);
    REQUIRE_FALSE(nosym);
    CHECK(nosym.error().err() == ELOOP);
    CHECK(nosym.error().message() == "open /link_etc in rootfs: " + std::string(strerror(ELOOP)));

    auto loop = open_in_root(r.fd.get(), "loop_a", O_PATH);
    REQUIRE_FALSE(loop);
    CHECK(loop.error().err() == ELOOP);

    auto missing = open_in_root(r.fd.get(), "dangling", O_PATH);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().err() == ENOENT);
}

TEST_CASE("open_in_root can create files inside the root", "[linux][rootfs]") {
    Root r;
    auto f = open_in_root(r.fd.get(), "/link_etc/created", O_WRONLY | O_CREAT | O_EXCL,
                          ResolveMode::InRoot, 0600);
    REQUIRE(f);
    struct stat st {};
    REQUIRE(::stat((r.root + "/etc/created").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK((::fcntl(f->get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("mkdir_all_in_root never creates outside the root", "[linux][rootfs]") {
    Root r;
    std::string unique = "hull-unit-" + std::to_string(::getpid());
    REQUIRE_FALSE(fs::exists("/etc/" + unique));

    auto a = mkdir_all_in_root(r.fd.get(), "/link_etc/" + unique + "/b", 0755);
    CHECK(r.where(a) == r.root + "/etc/" + unique + "/b");
    CHECK(fs::is_directory(r.root + "/etc/" + unique + "/b"));
    CHECK_FALSE(fs::exists("/etc/" + unique));

    auto b = mkdir_all_in_root(r.fd.get(), "up/../../x/./y//z", 0755);
    CHECK(r.where(b) == r.root + "/x/y/z");

    // Through a dangling symlink: its target is created inside the root.
    auto c = mkdir_all_in_root(r.fd.get(), "dangling/sub", 0755);
    CHECK(r.where(c) == r.root + "/made/here/sub");
    CHECK(fs::is_symlink(r.root + "/dangling"));
    CHECK_FALSE(fs::exists("/made/here"));

    // Existing path: returns it.
    CHECK(r.where(mkdir_all_in_root(r.fd.get(), "etc", 0755)) == r.root + "/etc");
    CHECK(r.where(mkdir_all_in_root(r.fd.get(), "/", 0755)) == r.root);

    auto through_file = mkdir_all_in_root(r.fd.get(), "file/sub", 0755);
    REQUIRE_FALSE(through_file);
    CHECK(through_file.error().err() == ENOTDIR);

    auto loop = mkdir_all_in_root(r.fd.get(), "loop_a/x", 0755);
    REQUIRE_FALSE(loop);
    CHECK(loop.error().err() == ELOOP);
}

TEST_CASE("create_mountpoint_in_root makes files and dirs inside the root", "[linux][rootfs]") {
    Root r;
    auto f = create_mountpoint_in_root(r.fd.get(), "/link_etc/resolv.conf", EntryKind::File);
    CHECK(r.where(f) == r.root + "/etc/resolv.conf");
    CHECK(fs::is_regular_file(r.root + "/etc/resolv.conf"));
    CHECK((::fcntl(f->get(), F_GETFL) & O_PATH) == O_PATH);

    auto d = create_mountpoint_in_root(r.fd.get(), "/up/new/dir", EntryKind::Dir);
    CHECK(r.where(d) == r.root + "/new/dir");
    CHECK(fs::is_directory(r.root + "/new/dir"));

    // A dangling symlink as the last component: the target is created in the root.
    fs::create_symlink("../run/hn", r.root + "/etc/hostname");
    auto h = create_mountpoint_in_root(r.fd.get(), "/etc/hostname", EntryKind::File);
    CHECK(r.where(h) == r.root + "/run/hn");
    CHECK(fs::is_regular_file(r.root + "/run/hn"));
    fs::create_symlink("/../../outside", r.root + "/escape");
    auto e = create_mountpoint_in_root(r.fd.get(), "escape", EntryKind::Dir);
    CHECK(r.where(e) == r.root + "/outside");

    // Existing entries are used as they are, whatever the kind asked for.
    CHECK(r.where(create_mountpoint_in_root(r.fd.get(), "etc", EntryKind::File)) ==
          r.root + "/etc");
    CHECK_FALSE(create_mountpoint_in_root(r.fd.get(), "loop_a", EntryKind::File));
    CHECK_FALSE(create_mountpoint_in_root(r.fd.get(), "file/x", EntryKind::File));
}

TEST_CASE("a mountpoint fd is a usable mount target", "[linux][rootfs]") {
    Root r;
    std::string expect = r.root + "/etc/mnt";
    int code = testutil::in_child([&] {
        if (::unshare(CLONE_NEWNS) != 0) return 1;
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 2;
        // Opened after entering the mount namespace: an fd from the old namespace's mounts
        // is refused as a mount target (EINVAL).
        UniqueFd root(::open(r.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        auto d = create_mountpoint_in_root(root.get(), "/link_etc/mnt", EntryKind::Dir);
        if (!d) return 3;
        std::string target = proc_fd_path(d->get());
        if (target != "/proc/self/fd/" + std::to_string(d->get())) return 4;
        if (::mount("tmpfs", target.c_str(), "tmpfs", 0, nullptr) != 0) return 5;
        struct statfs sfs {};
        if (::statfs(expect.c_str(), &sfs) != 0) return 6;
        return sfs.f_type == 0x01021994 /* TMPFS_MAGIC */ ? 0 : 7;
    });
    CHECK(code == 0);
    CHECK(fs::is_directory(expect));
}
