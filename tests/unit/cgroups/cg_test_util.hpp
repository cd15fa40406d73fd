// Helpers for the [cgroups] unit tests: a unique test cgroup under /hull-unit-<pid> that is
// always destroyed, forked sleeping children, and reading files back from the kernel.
#pragma once

#include "cgroups/cgroups.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cgtest {

inline std::string top() {
    return "/hull-unit-" + std::to_string(::getpid());
}

inline std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline std::string trimmed(const std::string& path) {
    auto s = slurp(path);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

inline bool path_exists(const std::string& p) {
    return ::access(p.c_str(), F_OK) == 0;
}

// Children forked by a test; whatever a failed test left running is killed and reaped by
// the TestTree destructor.
inline std::vector<pid_t>& children() {
    static std::vector<pid_t> v;
    return v;
}

// Kills (unless sig is 0) and reaps; returns the wait status.
inline int reap(pid_t p, int sig = SIGKILL) {
    if (sig) ::kill(p, sig);
    int st = 0;
    ::waitpid(p, &st, 0);
    auto& c = children();
    c.erase(std::remove(c.begin(), c.end(), p), c.end());
    return st;
}

// Removes the whole test tree in every hierarchy when it goes out of scope.
struct TestTree {
    hull::cgroups::Host host;
    explicit TestTree(hull::cgroups::Host h) : host(std::move(h)) {}
    TestTree(const TestTree&) = delete;
    TestTree& operator=(const TestTree&) = delete;
    ~TestTree() {
        while (!children().empty())
            reap(children().back());
        (void)hull::cgroups::Cgroup::attach(host, top()).destroy();
    }
    std::string path(const std::string& name) const { return top() + "/" + name; }
};

// Forks a child that runs `body` and then sleeps until killed (it never returns into the
// test framework). Returns its pid.
template <class F> inline pid_t spawn(F body) {
    int ready[2];
    if (::pipe(ready) != 0) return -1;
    pid_t p = ::fork();
    if (p == 0) {
        for (int s = 1; s < NSIG; s++) // no test-framework handlers in the child
            ::signal(s, SIG_DFL);
        (void)!::write(ready[1], "r", 1);
        body();
        for (;;)
            ::pause();
    }
    ::close(ready[1]);
    if (p > 0) {
        char c;
        (void)!::read(ready[0], &c, 1); // the child's handlers are reset
        children().push_back(p);
    }
    ::close(ready[0]);
    return p;
}

inline pid_t spawn_sleeper() {
    return spawn([] {});
}

// The host's cgroup layout; the test fails at once if it cannot be detected.
inline hull::cgroups::Host must_detect() {
    auto h = hull::cgroups::detect();
    REQUIRE(h);
    return *h;
}

// Cgroup::create(<top>/<name>), failing the test at once on an error.
inline hull::cgroups::Cgroup must_create(const hull::cgroups::Host& h, const std::string& name) {
    auto cg = hull::cgroups::Cgroup::create(h, top() + "/" + name);
    REQUIRE(cg);
    return *cg;
}

// A test's own cgroup <top>/<name>, created on the detected host; the whole test tree is
// removed (and its children reaped) when it goes out of scope.
struct TestCgroup {
    hull::cgroups::Host host;
    TestTree tree;
    hull::cgroups::Cgroup cg;
    explicit TestCgroup(const std::string& name)
        : host(must_detect()), tree(host), cg(must_create(host, name)) {}
    TestCgroup(const TestCgroup&) = delete;
    TestCgroup& operator=(const TestCgroup&) = delete;

    // A sleeping child (spawn_sleeper) moved into the cgroup.
    pid_t sleeper_inside() const {
        pid_t p = spawn_sleeper();
        REQUIRE(p > 0);
        REQUIRE(cg.add(p));
        return p;
    }
};

} // namespace cgtest

// Skips the rest of a test case with a visible message when the condition is false.
#define CG_REQUIRE_HOST(cond, why)                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            WARN("skipped: " << why);                                                              \
            return;                                                                                \
        }                                                                                          \
    } while (0)
