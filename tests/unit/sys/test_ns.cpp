#include "sys/ns.hpp"

#include "sys_test_util.hpp"

#include <catch2/catch.hpp>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

using namespace hull;
using namespace hull::sys;

TEST_CASE("namespace type names round-trip", "[linux][ns]") {
    for (const char* n : {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time"}) {
        auto flag = namespace_type_flag(n);
        REQUIRE(flag);
        CHECK(namespace_type_name(*flag) == n);
    }
    CHECK(namespace_type_flag("net") == std::nullopt);
    CHECK(namespace_type_name(CLONE_NEWNET) == "network");
    CHECK(namespace_type_name(0) == "unknown");
}

TEST_CASE("the namespace table names each type once, user first and pid last", "[linux][ns]") {
    int all = 0;
    for (const auto& k : kNamespaceKinds) {
        CHECK((all & k.flag) == 0);
        all |= k.flag;
        CHECK(&ns_kind(k.type) == &k);
        CHECK(ns_flag(k.type) == k.flag);
        // The /proc name is the kernel's: opening it gives a namespace of that flag.
        auto fd = open_namespace("/proc/self/ns/" + std::string(k.proc_name), k.flag);
        CHECK(fd);
        CHECK(namespace_type_flag(k.oci_name) == k.flag);
    }
    CHECK(kNamespaceKinds.front().type == NsType::User);
    CHECK(kNamespaceKinds.back().type == NsType::Pid);
    CHECK(ns_kind(NsType::Mount).proc_name == "mnt");
    CHECK(ns_kind(NsType::Network).oci_name == "network");
}

TEST_CASE("open_namespace checks the namespace type", "[linux][ns]") {
    CHECK(open_namespace("/proc/self/ns/net", CLONE_NEWNET));
    CHECK(open_namespace("/proc/self/ns/pid", CLONE_NEWPID));

    auto wrong = open_namespace("/proc/self/ns/net", CLONE_NEWPID);
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().message() == "/proc/self/ns/net is not a pid namespace");

    auto not_ns = open_namespace("/dev/null", CLONE_NEWUTS);
    REQUIRE_FALSE(not_ns);
    CHECK(not_ns.error().message() == "/dev/null is not a uts namespace");

    auto missing = open_namespace("/nonexistent/ns", CLONE_NEWUTS);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().err() == ENOENT);

    // A wrong type is refused before any setns happens.
    CHECK_FALSE(join_namespace(std::string("/proc/self/ns/uts"), CLONE_NEWIPC));
}

TEST_CASE("join_namespace enters another process's namespace", "[linux][ns]") {
    int ready[2], done[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(done) == 0);
    pid_t holder = ::fork();
    REQUIRE(holder >= 0);
    if (holder == 0) {
        // Holds a uts namespace with a known hostname until told to go.
        if (::unshare(CLONE_NEWUTS) != 0 || ::sethostname("hull-ns-test", 12) != 0) ::_exit(1);
        char c = 'r';
        (void)!::write(ready[1], &c, 1);
        (void)!::read(done[0], &c, 1);
        ::_exit(0);
    }
    char c;
    REQUIRE(::read(ready[0], &c, 1) == 1);
    std::string path = "/proc/" + std::to_string(holder) + "/ns/uts";

    int code = testutil::in_child([&] {
        if (!join_namespace(path, CLONE_NEWUTS)) return 1;
        char name[64] = {};
        ::gethostname(name, sizeof(name));
        return std::strcmp(name, "hull-ns-test") == 0 ? 0 : 2;
    });
    CHECK(code == 0);

    // The same through an fd opened first.
    code = testutil::in_child([&] {
        auto fd = open_namespace(path, CLONE_NEWUTS);
        if (!fd || !join_namespace(fd->get(), CLONE_NEWUTS)) return 1;
        char name[64] = {};
        ::gethostname(name, sizeof(name));
        return std::strcmp(name, "hull-ns-test") == 0 ? 0 : 2;
    });
    CHECK(code == 0);

    (void)!::write(done[1], "x", 1);
    int status;
    ::waitpid(holder, &status, 0);
    for (int fd : {ready[0], ready[1], done[0], done[1]})
        ::close(fd);
}
