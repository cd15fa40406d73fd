#include "sys/clone.hpp"
#include "sys/pidfd.hpp"

#include "sys_test_util.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace hull;
using namespace hull::sys;

namespace {

ExitInfo wait_child(const CloneResult& r) {
    REQUIRE(r.pidfd.valid());
    auto ex = pidfd_wait(r.pidfd.get());
    REQUIRE(ex);
    return *ex;
}

// The cgroup v2 mount of this host: /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified
// (hybrid), or "" when there is none.
std::string cgroup2_root() {
    for (const char* p : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"})
        if (std::filesystem::exists(std::string(p) + "/cgroup.procs") &&
            std::filesystem::exists(std::string(p) + "/cgroup.subtree_control"))
            return p;
    return "";
}

} // namespace

TEST_CASE("clone_process behaves like fork and returns a pidfd", "[linux][clone]") {
    CloneRequest req;
    req.pidfd = WantPidFd::Yes;
    auto r = clone_process(req);
    REQUIRE(r);
    if (r->pid == 0) ::_exit(7);
    CHECK(r->pid > 0);
    CHECK(r->used_clone3);
    CHECK_FALSE(r->in_cgroup);
    auto ex = wait_child(*r);
    CHECK_FALSE(ex.signaled);
    CHECK(ex.code == 7);
    CHECK(ex.shell_code() == 7);
}

TEST_CASE("clone_process creates new namespaces", "[linux][clone]") {
    char host_name[256] = {};
    REQUIRE(::gethostname(host_name, sizeof(host_name)) == 0);
    CloneRequest req;
    req.flags = CLONE_NEWPID | CLONE_NEWUTS;
    req.pidfd = WantPidFd::Yes;
    auto r = clone_process(req);
    REQUIRE(r);
    if (r->pid == 0) {
        // In the new pid namespace we are pid 1; the hostname change stays in our uts ns.
        if (::getpid() != 1) ::_exit(1);
        if (::sethostname("hull-clone-test", 15) != 0) ::_exit(2);
        ::_exit(0);
    }
    CHECK(wait_child(*r).code == 0);
    char after[256] = {};
    REQUIRE(::gethostname(after, sizeof(after)) == 0);
    CHECK(std::string(after) == host_name);
}

TEST_CASE("clone_process can create a time namespace", "[linux][clone]") {
    std::string host_ns = std::filesystem::read_symlink("/proc/self/ns/time").string();
    testutil::TempDir tmp;
    std::string out = tmp / "ns";
    CloneRequest req;
    req.flags = CLONE_NEWTIME | CLONE_NEWPID;
    req.pidfd = WantPidFd::Yes;
    auto r = clone_process(req);
    REQUIRE(r);
    if (r->pid == 0) {
        // The new time namespace is for children; ours shows in time_for_children.
        std::ofstream o(out);
        o << std::filesystem::read_symlink("/proc/self/ns/time_for_children").string();
        o.close();
        ::_exit(o.good() ? 0 : 1);
    }
    CHECK(wait_child(*r).code == 0);
    std::ifstream in(out);
    std::string child_ns;
    in >> child_ns;
    CHECK(child_ns.starts_with("time:["));
    CHECK(child_ns != host_ns);

    // The raw clone(2) cannot express CLONE_NEWTIME.
    auto legacy = clone_process_legacy(req);
    REQUIRE_FALSE(legacy);
    CHECK(legacy.error().err() == EINVAL);
}

TEST_CASE("clone_process reports death by signal", "[linux][clone]") {
    CloneRequest req;
    req.pidfd = WantPidFd::Yes;
    auto r = clone_process(req);
    REQUIRE(r);
    if (r->pid == 0) {
        ::kill(::getpid(), SIGKILL);
        ::_exit(0);
    }
    auto ex = wait_child(*r);
    CHECK(ex.signaled);
    CHECK(ex.signal == SIGKILL);
    CHECK(ex.shell_code() == 137);
}

TEST_CASE("the raw clone fallback behaves like fork", "[linux][clone]") {
    CloneRequest req;
    req.flags = CLONE_NEWPID;
    req.pidfd = WantPidFd::Yes;
    auto r = clone_process_legacy(req);
    REQUIRE(r);
    if (r->pid == 0) ::_exit(::getpid() == 1 ? 5 : 6);
    CHECK_FALSE(r->used_clone3);
    CHECK(wait_child(*r).code == 5);
}

TEST_CASE("clone_process without a pidfd can be reaped with waitpid", "[linux][clone]") {
    auto r = clone_process({});
    REQUIRE(r);
    if (r->pid == 0) ::_exit(3);
    CHECK_FALSE(r->pidfd.valid());
    int status = 0;
    REQUIRE(::waitpid(r->pid, &status, 0) == r->pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 3);
}

TEST_CASE("clone_process refuses flags that are not a fork", "[linux][clone]") {
    CloneRequest req;
    req.flags = CLONE_VM;
    auto r = clone_process(req);
    REQUIRE_FALSE(r);
    CHECK(r.error().err() == EINVAL);
    CloneRequest req2;
    req2.flags = 0x200000000ULL; // CLONE_INTO_CGROUP without a cgroup fd
    CHECK_FALSE(clone_process(req2));
}

TEST_CASE("clone_process starts the child in the given cgroup", "[linux][clone]") {
    std::string root = cgroup2_root();
    if (root.empty()) {
        WARN("no cgroup v2 hierarchy mounted; CLONE_INTO_CGROUP not tested");
        return;
    }
    std::string name = "hull-unit-clone-" + std::to_string(::getpid());
    std::string dir = root + "/" + name;
    REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    UniqueFd cg(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(cg.valid());
    testutil::TempDir tmp;
    std::string out = tmp / "cgroup";
    CloneRequest req;
    req.pidfd = WantPidFd::Yes;
    req.cgroup_fd = cg.get();
    auto r = clone_process(req);
    REQUIRE(r);
    if (r->pid == 0) {
        // Copy /proc/self/cgroup for the parent to look at.
        std::ifstream in("/proc/self/cgroup");
        std::ofstream o(out);
        o << in.rdbuf();
        o.close(); // _exit does not flush
        ::_exit(o.good() ? 0 : 1);
    }
    CHECK(r->in_cgroup);
    CHECK(wait_child(*r).code == 0);
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    CHECK_THAT(ss.str(), Catch::Contains("0::/" + name + "\n"));
    ::rmdir(dir.c_str());
}

namespace {

// A middle child clones a grandchild with CLONE_PARENT (through `clone`) and exits; the
// grandchild must be our child: we reap it, and it saw us as its parent.
void check_clone_parent(Result<CloneResult> (*clone)(const CloneRequest&)) {
    int ppid_pipe[2], pid_pipe[2];
    REQUIRE(::pipe2(ppid_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(pid_pipe, O_CLOEXEC) == 0);
    const pid_t self = ::getpid();
    auto middle = clone_process({});
    REQUIRE(middle);
    if (middle->pid == 0) {
        CloneRequest req;
        req.flags = CLONE_PARENT;
        req.exit_signal = 0;
        auto r = clone(req);
        if (!r) ::_exit(1);
        if (r->pid == 0) {
            const pid_t parent = ::getppid();
            (void)!::write(ppid_pipe[1], &parent, sizeof parent);
            ::_exit(9);
        }
        (void)!::write(pid_pipe[1], &r->pid, sizeof r->pid);
        ::_exit(0);
    }
    ::close(ppid_pipe[1]);
    ::close(pid_pipe[1]);
    int status = 0;
    REQUIRE(::waitpid(middle->pid, &status, 0) == middle->pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    pid_t grandchild = -1, seen_parent = -1;
    CHECK(::read(pid_pipe[0], &grandchild, sizeof grandchild) == sizeof grandchild);
    CHECK(::read(ppid_pipe[0], &seen_parent, sizeof seen_parent) == sizeof seen_parent);
    ::close(pid_pipe[0]);
    ::close(ppid_pipe[0]);
    REQUIRE(grandchild > 0);
    CHECK(seen_parent == self);
    status = 0;
    REQUIRE(::waitpid(grandchild, &status, 0) == grandchild);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 9);
}

} // namespace

TEST_CASE("clone_process with CLONE_PARENT makes a sibling", "[linux][clone]") {
    SECTION("clone3") {
        check_clone_parent(clone_process);
    }
    SECTION("raw clone") {
        check_clone_parent(clone_process_legacy);
    }
    SECTION("an exit signal other than 0 is refused") {
        CloneRequest req;
        req.flags = CLONE_PARENT; // exit_signal stays SIGCHLD
        auto r = clone_process(req);
        REQUIRE_FALSE(r);
        CHECK(r.error().err() == EINVAL);
        CHECK_FALSE(clone_process_legacy(req));
    }
}
