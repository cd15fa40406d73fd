#include "util/fs.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace fs = hull::fs;

namespace {

struct TempDir {
    std::string path;
    hull::UniqueFd fd;
    TempDir() {
        char t[] = "/tmp/hull-fs-test-XXXXXX";
        REQUIRE(::mkdtemp(t) != nullptr);
        path = t;
        fd = fs::open_dir(AT_FDCWD, path).value();
    }
    ~TempDir() { (void)fs::remove_tree(AT_FDCWD, path); }
    std::string at(std::string_view n) const { return path + "/" + std::string(n); }
};

std::vector<std::string> sorted_names(int dirfd) {
    auto names = fs::list_dir(dirfd).value();
    std::ranges::sort(names);
    return names;
}

mode_t mode_of(const std::string& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

void touch(int dirfd, const char* name, const char* data = "x") {
    REQUIRE(fs::write_file_atomic(dirfd, name, data));
}

} // namespace

TEST_CASE("write_file_atomic writes, replaces and sets the exact mode", "[fs]") {
    TempDir d;
    REQUIRE(fs::write_file_atomic(d.fd.get(), "f", "hello"));
    CHECK(fs::read_file(d.fd.get(), "f").value() == "hello");
    CHECK(mode_of(d.at("f")) == 0644);

    mode_t old = ::umask(077);
    REQUIRE(fs::write_file_atomic(d.fd.get(), "f", "second", 0664));
    ::umask(old);
    CHECK(fs::read_file(d.at("f")).value() == "second");
    CHECK(mode_of(d.at("f")) == 0664); // umask does not apply

    REQUIRE(fs::write_file_atomic(d.fd.get(), "empty", ""));
    CHECK(fs::read_file(d.fd.get(), "empty").value().empty());
    CHECK(sorted_names(d.fd.get()) == std::vector<std::string>{"empty", "f"});
}

TEST_CASE("write_file_atomic leaves no temp file behind", "[fs]") {
    TempDir d;
    for (int i = 0; i < 50; i++)
        REQUIRE(fs::write_file_atomic(d.fd.get(), "state.json", std::to_string(i)));
    CHECK(sorted_names(d.fd.get()) == std::vector<std::string>{"state.json"});
    CHECK(fs::read_file(d.fd.get(), "state.json").value() == "49");

    SECTION("also when the rename fails") {
        REQUIRE(::mkdirat(d.fd.get(), "adir", 0700) == 0);
        REQUIRE(::mkdirat(d.fd.get(), "adir/sub", 0700) == 0);
        auto r = fs::write_file_atomic(d.fd.get(), "adir", "data");
        REQUIRE_FALSE(r);
        CHECK(r.error().err() == EISDIR);
        CHECK(sorted_names(d.fd.get()) == std::vector<std::string>{"adir", "state.json"});
    }
    SECTION("a long name still fits the temp name") {
        std::string longname(255, 'n');
        REQUIRE(fs::write_file_atomic(d.fd.get(), longname, "x"));
        CHECK(sorted_names(d.fd.get()) == std::vector<std::string>{longname, "state.json"});
    }
    SECTION("into a subdirectory") {
        REQUIRE(::mkdirat(d.fd.get(), "sub", 0700) == 0);
        REQUIRE(fs::write_file_atomic(d.fd.get(), "sub/f", "in sub"));
        auto sub = fs::open_dir(d.fd.get(), "sub").value();
        CHECK(sorted_names(sub.get()) == std::vector<std::string>{"f"});
    }
}

TEST_CASE("write_file_atomic by path, as for --pid-file", "[fs]") {
    TempDir d;
    REQUIRE(fs::write_file_atomic(d.at("pid"), "4242"));
    CHECK(fs::read_file(d.at("pid")).value() == "4242");
    auto r = fs::write_file_atomic(d.at("missing/pid"), "1");
    REQUIRE_FALSE(r);
    CHECK(r.error().err() == ENOENT);
    CHECK_FALSE(fs::write_file_atomic(d.at("") + "/", "1"));
}

TEST_CASE("read_file does not follow a final symlink and reads /proc files", "[fs]") {
    TempDir d;
    touch(d.fd.get(), "target", "secret");
    REQUIRE(::symlinkat("target", d.fd.get(), "link") == 0);
    auto r = fs::read_file(d.fd.get(), "link");
    REQUIRE_FALSE(r);
    CHECK(r.error().err() == ELOOP);
    CHECK(r.error().message().find("link") != std::string::npos);

    auto stat = fs::read_file("/proc/self/stat");
    REQUIRE(stat);
    CHECK(stat->find(')') != std::string::npos);
    CHECK(fs::read_file(d.fd.get(), "nope").error().err() == ENOENT);
}

TEST_CASE("open_dir access and symlink modes", "[fs]") {
    TempDir d;
    REQUIRE(::mkdirat(d.fd.get(), "dir", 0755) == 0);
    touch(d.fd.get(), "file");
    REQUIRE(::symlinkat("dir", d.fd.get(), "dirlink") == 0);

    CHECK(fs::open_dir(d.fd.get(), "dir"));
    CHECK(fs::open_dir(d.fd.get(), "file").error().err() == ENOTDIR);
    CHECK_FALSE(fs::open_dir(d.fd.get(), "dirlink"));
    auto followed = fs::open_dir(d.fd.get(), "dirlink", fs::DirAccess::Read, fs::Symlinks::Follow);
    REQUIRE(followed);
    touch(followed->get(), "via-link");
    CHECK(fs::exists(d.fd.get(), "dir/via-link").value());

    auto path = fs::open_dir(d.fd.get(), "dir", fs::DirAccess::Path);
    REQUIRE(path);
    CHECK(fs::exists(path->get(), "via-link").value());
    CHECK(fs::list_dir(path->get()).value() == std::vector<std::string>{"via-link"});
}

TEST_CASE("mkdir_all and exists", "[fs]") {
    TempDir d;
    REQUIRE(fs::mkdir_all(d.at("a/b//c/"), 0700));
    CHECK(fs::exists(d.fd.get(), "a/b/c").value());
    CHECK(mode_of(d.at("a/b/c")) == 0700);
    REQUIRE(fs::mkdir_all(d.at("a/b/c"))); // existing is fine
    touch(d.fd.get(), "a/file");
    CHECK(fs::mkdir_all(d.at("a/file")).error().err() == ENOTDIR);
    CHECK(fs::mkdir_all(d.at("a/file/x")).error().err() == ENOTDIR);

    REQUIRE(::symlinkat("nowhere", d.fd.get(), "dangling") == 0);
    CHECK(fs::exists(d.fd.get(), "dangling").value()); // the link itself exists
    CHECK_FALSE(fs::exists(d.fd.get(), "nope").value());
    CHECK(fs::exists(d.fd.get(), "a/file/x").error().err() == ENOTDIR);
}

TEST_CASE("remove_tree removes a tree without following symlinks", "[fs]") {
    TempDir d;
    TempDir outside;
    touch(outside.fd.get(), "keep", "precious");

    REQUIRE(fs::mkdir_all(d.at("t/a/b/c")));
    touch(d.fd.get(), "t/f1");
    touch(d.fd.get(), "t/a/b/c/deep");
    REQUIRE(::mkfifoat(d.fd.get(), "t/a/fifo", 0600) == 0);
    REQUIRE(::symlinkat(outside.path.c_str(), d.fd.get(), "t/a/to-outside") == 0);
    REQUIRE(::symlinkat(outside.at("keep").c_str(), d.fd.get(), "t/to-file") == 0);
    REQUIRE(::fchmodat(d.fd.get(), "t/a/b", 0500, 0) == 0); // read-only dir: root still removes

    REQUIRE(fs::remove_tree(d.fd.get(), "t"));
    CHECK_FALSE(fs::exists(d.fd.get(), "t").value());
    CHECK(fs::read_file(outside.fd.get(), "keep").value() == "precious");

    SECTION("a symlink at the top is removed, not its target") {
        REQUIRE(::symlinkat(outside.path.c_str(), d.fd.get(), "toplink") == 0);
        REQUIRE(fs::remove_tree(d.fd.get(), "toplink"));
        CHECK_FALSE(fs::exists(d.fd.get(), "toplink").value());
        CHECK(fs::read_file(outside.fd.get(), "keep").value() == "precious");
    }
    SECTION("a plain file") {
        touch(d.fd.get(), "plain");
        REQUIRE(fs::remove_tree(d.fd.get(), "plain"));
        CHECK(sorted_names(d.fd.get()).empty());
    }
    SECTION("a missing name is ENOENT; . and .. are refused") {
        CHECK(fs::remove_tree(d.fd.get(), "missing").error().err() == ENOENT);
        CHECK(fs::remove_tree(d.fd.get(), ".").error().err() == EINVAL);
        CHECK(fs::remove_tree(d.fd.get(), "..").error().err() == EINVAL);
        CHECK(fs::remove_tree(d.fd.get(), "x/..").error().err() == EINVAL);
    }
}

TEST_CASE("remove_contents empties a directory and keeps it", "[fs]") {
    TempDir d;
    REQUIRE(fs::mkdir_all(d.at("c/sub/sub")));
    touch(d.fd.get(), "c/a");
    touch(d.fd.get(), "c/sub/b");
    auto c = fs::open_dir(d.fd.get(), "c").value();
    REQUIRE(fs::remove_contents(c.get()));
    CHECK(sorted_names(c.get()).empty());
    CHECK(fs::exists(d.fd.get(), "c").value());
}

TEST_CASE("remove_tree refuses to cross a mount point", "[fs]") {
    if (::geteuid() != 0) {
        WARN("needs root for a private mount namespace: skipped");
        return;
    }
    TempDir d;
    REQUIRE(fs::mkdir_all(d.at("t/sub/mnt")));
    touch(d.fd.get(), "t/before");
    // The mount lives in a child's private mount namespace, so nothing leaks to the host.
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (::unshare(CLONE_NEWNS) < 0) _exit(10);
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) _exit(11);
        if (::mount("tmpfs", d.at("t/sub/mnt").c_str(), "tmpfs", 0, nullptr) < 0) _exit(12);
        if (!fs::write_file_atomic(d.at("t/sub/mnt/inside"), "on tmpfs")) _exit(13);
        auto r = fs::remove_tree(d.fd.get(), "t");
        if (r || r.error().err() != EBUSY) _exit(14);
        if (r.error().message().find("t/sub/mnt") == std::string::npos) _exit(15);
        // Nothing on the mounted filesystem was touched.
        if (!fs::read_file(d.at("t/sub/mnt/inside"))) _exit(16);
        // The rest of the tree went anyway.
        if (fs::exists(d.fd.get(), "t/before").value_or(true)) _exit(19);
        if (::umount(d.at("t/sub/mnt").c_str()) < 0) _exit(17);
        if (!fs::remove_tree(d.fd.get(), "t")) _exit(18);
        _exit(0);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    CHECK_FALSE(fs::exists(d.fd.get(), "t").value());
}
