// [state][sweep] a `create` SIGKILLed between its mkdir and its rename leaves a fresh, unlocked
// ".tmp~XXXXXXXX" directory: create, list and delete must sweep it at once, not a minute later,
// and never touch one whose create still holds the lock.
#include "state/store.hpp"
#include "util/fs.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace {

struct SweepRoot {
    std::string path;
    SweepRoot() {
        char t[] = "/tmp/hull-sweep-test-XXXXXX";
        REQUIRE(::mkdtemp(t) != nullptr);
        path = t;
    }
    ~SweepRoot() { (void)hull::fs::remove_tree(AT_FDCWD, path); }
};

std::vector<std::string> entries(const hull::Store& s) {
    auto names = hull::fs::list_dir(s.rootfd()).value();
    std::ranges::sort(names);
    return names;
}

// What a killed create leaves: a fresh temp dir with a state file, nobody holding its lock.
void leave_dead_reservation(const hull::Store& s, const std::string& name) {
    REQUIRE(::mkdirat(s.rootfd(), name.c_str(), 0700) == 0);
    REQUIRE(hull::fs::write_file_atomic(s.rootfd(), name + "/state.json", "{}"));
}

} // namespace

TEST_CASE("list sweeps a fresh temp directory whose create died", "[state][sweep]") {
    SweepRoot t;
    auto s = hull::Store::open_root(t.path).value();
    leave_dead_reservation(s, ".tmp~dead0001");
    CHECK(s.list().value().empty());
    CHECK(entries(s).empty());
}

TEST_CASE("create sweeps a fresh temp directory whose create died", "[state][sweep]") {
    SweepRoot t;
    auto s = hull::Store::open_root(t.path).value();
    leave_dead_reservation(s, ".tmp~dead0002");
    REQUIRE(s.create("fresh"));
    CHECK(entries(s) == std::vector<std::string>{"fresh"});
}

TEST_CASE("the sweep keeps a temp directory whose create holds the lock", "[state][sweep]") {
    SweepRoot t;
    auto s = hull::Store::open_root(t.path).value();
    leave_dead_reservation(s, ".tmp~a11ve001");
    auto held = hull::fs::open_dir(s.rootfd(), ".tmp~a11ve001").value();
    REQUIRE(::flock(held.get(), LOCK_EX) == 0);
    CHECK(s.list().value().empty());
    REQUIRE(s.create("other"));
    CHECK(entries(s) == std::vector<std::string>{".tmp~a11ve001", "other"});
}

TEST_CASE("creates racing with sweeps all succeed", "[state][sweep]") {
    SweepRoot t;
    auto s = hull::Store::open_root(t.path).value();
    int made = 0;
    for (int i = 0; i < 50; i++) {
        pid_t p = ::fork();
        if (p == 0) {
            auto s2 = hull::Store::open_root(t.path).value();
            for (int k = 0; k < 20; k++)
                (void)s2.list();
            ::_exit(0);
        }
        auto c = s.create("c" + std::to_string(i));
        if (c)
            made++;
        else
            WARN(c.error().message());
        int status = 0;
        ::waitpid(p, &status, 0);
    }
    CHECK(made == 50);
    CHECK(s.list().value().size() == 50);
}
