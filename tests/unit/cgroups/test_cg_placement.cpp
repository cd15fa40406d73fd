// [cgroups] container_placement: a relative cgroupsPath resolved per hierarchy from a given
// /proc/self/cgroup text (no cgroup made).
#include "cg_test_util.hpp"

using namespace hull::cgroups;

namespace {

const char* kHybridMounts =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n";

// A caller whose own cgroup differs per controller (as under a shim or systemd slice).
const char* kProcSelfCgroup = "12:pids:/tasks/p\n"
                              "7:memory:/user.slice/mem\n"
                              "4:cpu,cpuacct:/cpu/./grp\n"
                              "1:name=systemd:/user.slice/session-1.scope\n"
                              "0::/unified/leaf\n";

Host hybrid() {
    auto h = parse_mountinfo(kHybridMounts, ReadControllers::No);
    REQUIRE(h);
    return *h;
}

} // namespace

TEST_CASE("a relative cgroupsPath goes below the caller's own cgroup in each hierarchy",
          "[cgroups]") {
    Host host = hybrid();
    auto p = container_placement(host, std::string("ctr/x"), "c1", kProcSelfCgroup);
    REQUIRE(p);
    // The main path (messages, state's cgroupPath) is the memory hierarchy's, as before.
    CHECK(p->path == "/user.slice/mem/ctr/x");
    auto in = [&](std::string_view mount) {
        for (const auto& h : host.hierarchies)
            if (h.mount_point == mount) return p->in(h);
        FAIL("no hierarchy " << mount);
        return std::string();
    };
    CHECK(in("/sys/fs/cgroup/memory") == "/user.slice/mem/ctr/x");
    CHECK(in("/sys/fs/cgroup/pids") == "/tasks/p/ctr/x");
    CHECK(in("/sys/fs/cgroup/cpu,cpuacct") == "/cpu/grp/ctr/x");
    CHECK(in("/sys/fs/cgroup/systemd") == "/user.slice/session-1.scope/ctr/x");
    CHECK(in("/sys/fs/cgroup/unified") == "/unified/leaf/ctr/x");
    // Only the hierarchies that differ from the main path are listed.
    CHECK(p->per_mount.size() == 4);
    CHECK_FALSE(p->per_mount.contains("/sys/fs/cgroup/memory"));
}

TEST_CASE("an absolute or unset cgroupsPath is one path in every hierarchy", "[cgroups]") {
    Host host = hybrid();
    auto abs = container_placement(host, std::string("/a/b"), "c1", kProcSelfCgroup);
    REQUIRE(abs);
    CHECK(abs->path == "/a/b");
    CHECK(abs->per_mount.empty());
    auto unset = container_placement(host, std::nullopt, "c1", kProcSelfCgroup);
    REQUIRE(unset);
    CHECK(unset->path == "/hull/c1");
    CHECK(unset->per_mount.empty());
}

TEST_CASE("a relative cgroupsPath with \"..\" or a bad own cgroup is an error", "[cgroups]") {
    Host host = hybrid();
    CHECK_FALSE(container_placement(host, std::string("a/../b"), "c1", kProcSelfCgroup));
    CHECK_FALSE(container_placement(host, std::string("x"), "c1", "7:memory:/a/../b\n"));
}

TEST_CASE("a hierarchy missing from /proc/self/cgroup uses the main path", "[cgroups]") {
    Host host = hybrid();
    auto p = container_placement(host, std::string("x"), "c1", "7:memory:/m\n0::/u\n");
    REQUIRE(p);
    CHECK(p->path == "/m/x");
    CHECK(p->per_mount.size() == 1);
    CHECK(p->per_mount.at("/sys/fs/cgroup/unified") == "/u/x");
}
