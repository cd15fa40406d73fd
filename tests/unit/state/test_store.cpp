#include "state/store.hpp"
#include "util/fs.hpp"
#include "util/proc.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <set>

using hull::Container;
using hull::LockMode;
using hull::Store;

namespace {

struct TempRoot {
    std::string path;
    TempRoot() {
        char t[] = "/tmp/hull-store-test-XXXXXX";
        REQUIRE(::mkdtemp(t) != nullptr);
        path = t;
    }
    ~TempRoot() { (void)hull::fs::remove_tree(AT_FDCWD, path); }
    Store store() const { return Store::open_root(path).value(); }
};

std::vector<std::string> raw_entries(const Store& s) {
    auto names = hull::fs::list_dir(s.rootfd()).value();
    std::ranges::sort(names);
    return names;
}

hull::ContainerState state_for(std::string id) {
    hull::ContainerState st;
    st.id = std::move(id);
    st.status = hull::Status::Created;
    st.pid = 1234;
    st.pid_start_time = 99;
    st.bundle = "/bundle";
    st.created = hull::proc::rfc3339_now();
    return st;
}

// Runs fn in a forked child and returns its exit code (or -1). The child never returns into
// Catch2.
pid_t fork_child(const std::function<int()>& fn) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) _exit(fn());
    return pid;
}
int wait_exit(pid_t pid) {
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
}

// Pipe helpers: a child blocks on wait_go() until the parent calls go().
struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int p[2];
        REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
        r = p[0];
        w = p[1];
    }
    ~Pipe() {
        if (r >= 0) ::close(r);
        if (w >= 0) ::close(w);
    }
    void close_write() {
        ::close(w);
        w = -1;
    }
    // True when a byte arrives within ms.
    bool readable_within(int ms) const {
        struct pollfd p {
            r, POLLIN, 0
        };
        return ::poll(&p, 1, ms) == 1;
    }
};

} // namespace

TEST_CASE("validate_id", "[state]") {
    for (const char* ok : {"a", "web-1", "A_b.c+d", "0123456789", ".hidden", "..x", "x..", "-"})
        CHECK(hull::validate_id(ok));
    CHECK(hull::validate_id(std::string(255, 'x')));

    const std::vector<std::string> bads = {"",
                                           ".",
                                           "..",
                                           "../x",
                                           "a/b",
                                           "a b",
                                           "a,b",
                                           "tab\t",
                                           "a~b",
                                           "é",
                                           std::string(256, 'x'),
                                           std::string("nul\0x", 5)};
    for (const auto& bad : bads) {
        INFO("id: " << bad);
        auto r = hull::validate_id(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().err() == EINVAL);
        CHECK_THAT(r.error().message(), Catch::StartsWith("invalid container id \""));
    }
}

TEST_CASE("Store::open_root makes the root 0700", "[state]") {
    TempRoot t;
    auto s = Store::open_root(t.path + "/a/b/root");
    REQUIRE(s);
    struct stat st {};
    REQUIRE(::stat((t.path + "/a/b/root").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(s->root() == t.path + "/a/b/root");
    CHECK(s->list().value().empty());
    REQUIRE(hull::fs::write_file_atomic(t.path + "/file", "x"));
    CHECK_FALSE(Store::open_root(t.path + "/file"));
    CHECK_FALSE(Store::open_root(""));
}

TEST_CASE("create, save, load, list, destroy", "[state]") {
    TempRoot t;
    auto s = t.store();
    {
        auto c = s.create("c1");
        REQUIRE(c);
        CHECK(c->id() == "c1");
        CHECK(c->path() == t.path + "/c1");
        CHECK(c->lock_mode() == LockMode::Exclusive);
        CHECK(c->dirfd() >= 0);
        // No record yet: reads as not existing.
        CHECK_THAT(c->load().error().message(), Catch::Contains("does not exist"));
        REQUIRE(c->save(state_for("c1")));
        auto back = c->load();
        REQUIRE(back);
        CHECK(back->pid == 1234);
        CHECK(back->bundle == "/bundle");
        REQUIRE(c->write_file("config.json", "{}"));
        CHECK(c->read_file("config.json").value() == "{}");
        CHECK(c->has_file("config.json").value());
        CHECK_FALSE(c->has_file("exec.fifo").value());
    }
    CHECK(raw_entries(s) == std::vector<std::string>{"c1"}); // no temp dir left
    CHECK(s.list().value() == std::vector<std::string>{"c1"});

    auto c = s.open("c1");
    REQUIRE(c);
    CHECK(c->load()->id == "c1");
    REQUIRE(c->destroy());
    CHECK(c->dirfd() == -1);
    CHECK(raw_entries(s).empty());
    CHECK_FALSE(c->save(state_for("c1")));
    CHECK_THAT(c->load().error().message(), Catch::Contains("does not exist"));

    auto again = s.open("c1");
    REQUIRE_FALSE(again);
    CHECK(again.error().err() == ENOENT);
    CHECK(again.error().message() == "container c1 does not exist");
    CHECK(s.create("c1")); // the id is free again
}

TEST_CASE("create with an initial state never shows a container without a record", "[state]") {
    TempRoot t;
    auto s = t.store();
    auto c = s.create("c2", state_for("c2"));
    REQUIRE(c);
    auto reader = s.open("c2", LockMode::None);
    REQUIRE(reader);
    CHECK(reader->load()->status == hull::Status::Created);
}

TEST_CASE("create of an existing id fails and changes nothing", "[state]") {
    TempRoot t;
    auto s = t.store();
    auto first = s.create("dup", state_for("dup"));
    REQUIRE(first);
    auto second = s.create("dup"); // while the first is still locked
    REQUIRE_FALSE(second);
    CHECK(second.error().err() == EEXIST);
    CHECK(second.error().message() == "container with given ID already exists: dup");
    first = std::unexpected(hull::Error::msg("released")); // closes the directory: unlocks
    CHECK_FALSE(s.create("dup"));                          // and after it is released
    CHECK(raw_entries(s) == std::vector<std::string>{"dup"});
    CHECK(s.open("dup")->load()->id == "dup");
}

TEST_CASE("invalid ids are refused before touching the root", "[state]") {
    TempRoot t;
    auto s = t.store();
    for (const char* bad : {"", "..", "../escape", "a/b", "a b"}) {
        CHECK(s.create(bad).error().err() == EINVAL);
        CHECK(s.open(bad).error().err() == EINVAL);
    }
    CHECK(raw_entries(s).empty());
    CHECK_FALSE(hull::fs::exists(AT_FDCWD, t.path + "/../escape").value());
}

TEST_CASE("open and list skip what is not a container", "[state]") {
    TempRoot t;
    auto s = t.store();
    REQUIRE(s.create("real"));
    REQUIRE(::symlinkat("real", s.rootfd(), "alias") == 0);
    REQUIRE(hull::fs::write_file_atomic(s.rootfd(), "plainfile", "x"));
    REQUIRE(::mkdirat(s.rootfd(), ".tmp~0badf00d", 0700) == 0);
    CHECK(s.list().value() == std::vector<std::string>{"real"});
    CHECK(s.open("alias").error().message() == "container alias does not exist");
    CHECK(s.open("plainfile").error().err() == ENOENT);
}

TEST_CASE("the exclusive lock excludes another process", "[state]") {
    TempRoot t;
    auto s = t.store();
    REQUIRE(s.create("locked", state_for("locked")));

    Pipe go, acquired;
    pid_t child = fork_child([&] {
        char b;
        if (::read(go.r, &b, 1) != 1) return 10;
        auto c = s.open("locked");
        if (!c) return 11;
        if (::write(acquired.w, "C", 1) != 1) return 12;
        return 0;
    });
    {
        auto held = s.open("locked");
        REQUIRE(held);
        REQUIRE(::write(go.w, "g", 1) == 1);
        // The child is now waiting in flock: nothing may arrive while we hold the lock.
        CHECK_FALSE(acquired.readable_within(300));
    }
    CHECK(acquired.readable_within(5000));
    CHECK(wait_exit(child) == 0);
}

TEST_CASE("shared and lock-free opens", "[state]") {
    TempRoot t;
    auto s = t.store();
    REQUIRE(s.create("sh", state_for("sh")));

    SECTION("two shared locks coexist; an exclusive one waits for them") {
        auto reader = s.open("sh", LockMode::Shared);
        REQUIRE(reader);
        CHECK_FALSE(reader->save(state_for("sh"))); // readers cannot write
        Pipe go, done;
        pid_t shared_child = fork_child([&] {
            auto c = s.open("sh", LockMode::Shared);
            return c && ::write(done.w, "S", 1) == 1 ? 0 : 1;
        });
        CHECK(done.readable_within(5000));
        CHECK(wait_exit(shared_child) == 0);
        char b;
        REQUIRE(::read(done.r, &b, 1) == 1);

        pid_t writer = fork_child([&] {
            auto c = s.open("sh", LockMode::Exclusive);
            return c && ::write(done.w, "X", 1) == 1 ? 0 : 1;
        });
        CHECK_FALSE(done.readable_within(300));
        reader->unlock();
        CHECK(done.readable_within(5000));
        CHECK(wait_exit(writer) == 0);
    }
    SECTION("LockMode::None reads while a writer holds the lock") {
        auto writer = s.open("sh");
        REQUIRE(writer);
        auto st = state_for("sh");
        st.status = hull::Status::Running;
        REQUIRE(writer->save(st));
        auto reader = s.open("sh", LockMode::None);
        REQUIRE(reader);
        CHECK(reader->load()->status == hull::Status::Running);
        CHECK(reader->save(st).error().err() == EPERM);
        CHECK_FALSE(reader->destroy());
    }
}

TEST_CASE("unlock and lock again notice a destroy in between", "[state]") {
    TempRoot t;
    auto s = t.store();
    REQUIRE(s.create("ul", state_for("ul")));
    auto c = s.open("ul");
    REQUIRE(c);
    c->unlock();
    CHECK(c->lock_mode() == LockMode::None);
    pid_t child = fork_child([&] {
        auto other = s.open("ul");
        return other && other->destroy() ? 0 : 1;
    });
    CHECK(wait_exit(child) == 0);
    auto r = c->lock(LockMode::Exclusive);
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "container ul does not exist");
    CHECK(c->dirfd() == -1);

    REQUIRE(s.create("ul2", state_for("ul2")));
    auto c2 = s.open("ul2");
    c2->unlock();
    REQUIRE(c2->lock(LockMode::Exclusive));
    CHECK(c2->save(state_for("ul2")));
}

TEST_CASE("two racing deletes: one wins, the other finds nothing", "[state]") {
    TempRoot t;
    auto s = t.store();
    for (int round = 0; round < 20; round++) {
        INFO("round " << round);
        REQUIRE(s.create("race", state_for("race")));
        Pipe go;
        auto deleter = [&] {
            ::close(go.w); // or the read below never sees EOF
            char b;
            (void)::read(go.r, &b, 1); // returns 0 when the parent closes the write end
            auto c = s.open("race");
            if (!c) {
                return c.error().err() == ENOENT &&
                               c.error().message() == "container race does not exist"
                           ? 2
                           : 3;
            }
            if (!c->load()) return 4;
            ::usleep(10000); // let the other one queue up on the lock
            return c->destroy() ? 0 : 5;
        };
        pid_t a = fork_child(deleter);
        pid_t b = fork_child(deleter);
        go.close_write();
        std::multiset<int> codes{wait_exit(a), wait_exit(b)};
        CHECK(codes == std::multiset<int>{0, 2});
        CHECK(raw_entries(s).empty());
    }
}

TEST_CASE("two racing creates: exactly one gets the id", "[state]") {
    TempRoot t;
    auto s = t.store();
    for (int round = 0; round < 20; round++) {
        Pipe go;
        auto creator = [&] {
            ::close(go.w); // or the read below never sees EOF
            char b;
            (void)::read(go.r, &b, 1);
            auto c = s.create("same", state_for("same"));
            if (c) return 0;
            return c.error().err() == EEXIST ? 2 : 3;
        };
        pid_t a = fork_child(creator);
        pid_t b = fork_child(creator);
        go.close_write();
        std::multiset<int> codes{wait_exit(a), wait_exit(b)};
        CHECK(codes == std::multiset<int>{0, 2});
        CHECK(raw_entries(s) == std::vector<std::string>{"same"});
        REQUIRE(s.open("same")->destroy());
    }
}

TEST_CASE("stale temp directories are cleaned, live ones kept", "[state]") {
    TempRoot t;
    auto s = t.store();
    auto make = [&](const char* name, bool old) {
        REQUIRE(::mkdirat(s.rootfd(), name, 0700) == 0);
        REQUIRE(hull::fs::write_file_atomic(s.rootfd(), std::string(name) + "/f", "x"));
        if (old) {
            struct timespec times[2] = {{1000, 0}, {1000, 0}};
            REQUIRE(::utimensat(s.rootfd(), name, times, AT_SYMLINK_NOFOLLOW) == 0);
        }
    };
    make(".tmp~00000001", true);  // dead create: removed
    make(".tmp~00000002", false); // recent: kept
    make(".tmp~00000003", true);  // old but locked (its create still runs): kept
    make("keep-me", true);        // not a temp name: kept
    auto locked = hull::fs::open_dir(s.rootfd(), ".tmp~00000003").value();
    REQUIRE(::flock(locked.get(), LOCK_EX) == 0);

    REQUIRE(s.remove_stale_temps(std::chrono::seconds(60)));
    CHECK(raw_entries(s) == std::vector<std::string>{".tmp~00000002", ".tmp~00000003", "keep-me"});
    CHECK(s.list().value() == std::vector<std::string>{"keep-me"});
}

TEST_CASE("destroy keeps the record when something inside is busy", "[state]") {
    if (::geteuid() != 0) {
        WARN("needs root for a private mount namespace: skipped");
        return;
    }
    TempRoot t;
    auto s = t.store();
    REQUIRE(s.create("busy", state_for("busy")));
    pid_t child = fork_child([&] {
        if (::unshare(CLONE_NEWNS) < 0) return 10;
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) return 11;
        auto c = s.open("busy");
        if (!c) return 12;
        if (!c->write_file("exec.fifo", "")) return 13;
        if (::mkdirat(c->dirfd(), "mnt", 0700) < 0) return 14;
        std::string mnt = c->path() + "/mnt";
        if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, nullptr) < 0) return 15;
        auto r = c->destroy();
        if (r || r.error().err() != EBUSY) return 16;
        if (c->dirfd() < 0) return 17;                          // still alive
        if (!c->load()) return 18;                              // record kept
        if (c->has_file("exec.fifo").value_or(true)) return 19; // the rest went
        if (::umount(mnt.c_str()) < 0) return 20;
        if (!c->destroy()) return 21;
        return 0;
    });
    CHECK(wait_exit(child) == 0);
    CHECK(raw_entries(s).empty());
}
