#include "sys/mount_api.hpp"

#include "sys_test_util.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

using namespace hull;
namespace sys = hull::sys;

TEST_CASE("open_tree + move_mount + mount_setattr make a read-only bind", "[linux][mount]") {
    testutil::TempDir tmp;
    std::string src = tmp / "src", dst = tmp / "dst";
    REQUIRE(::mkdir(src.c_str(), 0755) == 0);
    REQUIRE(::mkdir(dst.c_str(), 0755) == 0);
    int code = testutil::in_child([&] {
        if (::unshare(CLONE_NEWNS) != 0) return 1;
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 2;
        if (::mount("tmpfs", src.c_str(), "tmpfs", 0, nullptr) != 0) return 3;
        { std::ofstream(src + "/file") << "hello"; }
        auto tree = sys::open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | AT_RECURSIVE);
        if (!tree) return 4;
        sys::MountAttrChange ro;
        ro.set = MOUNT_ATTR_RDONLY;
        if (!sys::mount_setattr(tree->get(), "", AT_EMPTY_PATH | AT_RECURSIVE, ro)) return 5;
        if (!sys::move_mount(tree->get(), "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH)) return 6;
        std::ifstream in(dst + "/file");
        std::string s;
        in >> s;
        if (s != "hello") return 7;
        // Read-only at dst, still writable at src.
        int fd = ::open((dst + "/new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0 || errno != EROFS) return 8;
        fd = ::open((src + "/new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return 9;
        ::close(fd);
        // Clearing the flag again makes dst writable.
        sys::MountAttrChange rw;
        rw.clear = MOUNT_ATTR_RDONLY;
        if (!sys::mount_setattr(AT_FDCWD, dst, 0, rw)) return 10;
        fd = ::open((dst + "/new2").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return 11;
        ::close(fd);
        return 0;
    });
    CHECK(code == 0);
}

TEST_CASE("mount API errors carry errno and the path", "[linux][mount]") {
    auto t = sys::open_tree(AT_FDCWD, "/nonexistent-hull-path", OPEN_TREE_CLONE);
    REQUIRE_FALSE(t);
    CHECK(t.error().err() == ENOENT);
    CHECK_THAT(t.error().message(), Catch::Contains("/nonexistent-hull-path"));
    auto m = sys::move_mount(-1, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH);
    CHECK_FALSE(m);
}
