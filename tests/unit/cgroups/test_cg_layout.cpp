// [cgroups] layout detection, container_path and the v1 <-> v2 conversions (no cgroup made).
#include "cg_test_util.hpp"

using namespace hull::cgroups;

namespace {

const char* kHybrid =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
    "50 23 0:5 / /dev rw - devtmpfs udev rw\n";

const char* kUnified =
    "24 23 0:22 / /sys rw - sysfs sysfs rw\n"
    "30 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n"
    "90 30 0:26 / /mnt/again rw - cgroup2 cgroup2 rw\n";

const char* kLegacy =
    "25 24 0:23 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:24 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "27 25 0:25 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
    "28 25 0:26 / /sys/fs/cgroup/my\\040mem rw - cgroup cgroup rw,memory,clone_children\n"
    "29 25 0:24 / /other/cpu rw - cgroup cgroup rw,cpuacct,cpu\n";

} // namespace

TEST_CASE("parse_mountinfo: hybrid host, each controller where it is mounted", "[cgroups]") {
    auto h = parse_mountinfo(kHybrid, ReadControllers::No);
    REQUIRE(h);
    CHECK(h->layout == Layout::Hybrid);
    CHECK(h->hierarchies.size() == 6);
    REQUIRE(h->find("memory"));
    CHECK(h->find("memory")->mount_point == "/sys/fs/cgroup/memory");
    REQUIRE(h->find("cpu"));
    REQUIRE(h->find("cpuacct"));
    CHECK(h->find("cpu") != h->find("cpuacct"));
    CHECK(h->find("cpuacct")->mount_point == "/sys/fs/cgroup/cpuacct");
    REQUIRE(h->find("name=systemd"));
    CHECK(h->find("name=systemd")->controllers == std::vector<std::string>{"name=systemd"});
    REQUIRE(h->unified());
    CHECK(h->unified()->mount_point == "/sys/fs/cgroup/unified");
    CHECK(h->unified()->v2);
    CHECK(h->find("hugetlb") == nullptr); // controllers not read
    CHECK(h->find("net_cls") == nullptr);
    CHECK(to_string(h->layout) == "hybrid");
}

TEST_CASE("parse_mountinfo: cgroup v2 only, first mount wins", "[cgroups]") {
    auto h = parse_mountinfo(kUnified, ReadControllers::No);
    REQUIRE(h);
    CHECK(h->layout == Layout::Unified);
    REQUIRE(h->hierarchies.size() == 1);
    CHECK(h->unified()->mount_point == "/sys/fs/cgroup");
}

TEST_CASE("parse_mountinfo: v1 only, co-mounted controllers, escapes, duplicates", "[cgroups]") {
    auto h = parse_mountinfo(kLegacy, ReadControllers::No);
    REQUIRE(h);
    CHECK(h->layout == Layout::Legacy);
    CHECK(h->hierarchies.size() == 3);
    CHECK(h->unified() == nullptr);
    REQUIRE(h->find("cpu"));
    CHECK(h->find("cpu") == h->find("cpuacct"));
    CHECK(h->find("cpu")->mount_point == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(h->find("net_prio")->mount_point == "/sys/fs/cgroup/net_cls,net_prio");
    REQUIRE(h->find("memory"));
    CHECK(h->find("memory")->mount_point == "/sys/fs/cgroup/my mem");
    CHECK(h->find("memory")->controllers == std::vector<std::string>{"memory"});
    CHECK(h->find("clone_children") == nullptr);
}

TEST_CASE("parse_mountinfo: no cgroup mounted is an error", "[cgroups]") {
    auto h = parse_mountinfo("50 23 0:5 / /dev rw - devtmpfs udev rw\n", ReadControllers::No);
    REQUIRE_FALSE(h);
    CHECK(h.error().message() == "no cgroup hierarchy is mounted");
}

TEST_CASE("detect() on this host", "[cgroups]") {
    auto h = detect();
    REQUIRE(h);
    REQUIRE_FALSE(h->hierarchies.empty());
    for (const auto& hier : h->hierarchies)
        CHECK(cgtest::path_exists(hier.mount_point + "/cgroup.procs"));
    if (auto* u = h->unified()) {
        auto ctrls = cgtest::trimmed(u->mount_point + "/cgroup.controllers");
        std::string joined;
        for (auto& c : u->controllers)
            joined += (joined.empty() ? "" : " ") + c;
        CHECK(joined == ctrls);
    }
    if (h->layout == Layout::Unified) {
        CHECK(h->hierarchies.size() == 1);
    } else {
        REQUIRE(h->find("memory"));
        CHECK_FALSE(h->find("memory")->v2);
    }
}

TEST_CASE("container_path", "[cgroups]") {
    CHECK(container_path(std::nullopt, "c1").value() == "/hull/c1");
    CHECK(container_path(std::string(""), "c1").value() == "/hull/c1");
    CHECK(container_path(std::string("/a/b"), "c1").value() == "/a/b");
    CHECK(container_path(std::string("//a/./b/"), "c1").value() == "/a/b");
    auto dotdot = container_path(std::string("/a/../b"), "c1");
    REQUIRE_FALSE(dotdot);
    CHECK(dotdot.error().message().find("\"..\"") != std::string::npos);
    CHECK_FALSE(container_path(std::string("/"), "c1"));
    CHECK_FALSE(container_path(std::string("../x"), "c1"));

    // Relative: below the caller's own cgroup (memory line on v1, else the 0:: line).
    std::string own, v2;
    std::istringstream in(cgtest::slurp("/proc/self/cgroup"));
    for (std::string line; std::getline(in, line);) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        auto ctrls = line.substr(a + 1, b - a - 1);
        if (ctrls == "memory" || ctrls.find("memory,") == 0) own = line.substr(b + 1);
        if (line.rfind("0::", 0) == 0) v2 = line.substr(3);
    }
    if (own.empty()) own = v2;
    if (own == "/") own = "";
    auto rel = container_path(std::string("x/./y"), "c1");
    REQUIRE(rel);
    CHECK(*rel == own + "/x/y");
}

TEST_CASE("cpu shares -> weight as runc and crun convert", "[cgroups]") {
    CHECK(shares_to_weight(0) == 0);
    CHECK(shares_to_weight(1) == 1);
    CHECK(shares_to_weight(2) == 1);
    CHECK(shares_to_weight(1024) == 100); // default maps to default
    CHECK(shares_to_weight(262144) == 10000);
    CHECK(shares_to_weight(1000000) == 10000);
    uint64_t prev = 0;
    for (uint64_t s = 2; s <= 262144; s = s * 3 / 2 + 1) {
        auto w = shares_to_weight(s);
        CHECK(w >= prev);
        CHECK(w >= 1);
        CHECK(w <= 10000);
        prev = w;
    }
}

TEST_CASE("blkio weight -> io.weight as runc and crun convert", "[cgroups]") {
    CHECK(blkio_weight_to_io(0) == 0);
    CHECK(blkio_weight_to_io(10) == 1);
    CHECK(blkio_weight_to_io(500) == 4950);
    CHECK(blkio_weight_to_io(1000) == 10000);
}

TEST_CASE("default_device_rules: the standard devices, then linux.devices", "[cgroups]") {
    std::vector<hull::Device> devs(3);
    devs[0].type = hull::DeviceType::Block;
    devs[0].major = 254;
    devs[0].minor = 0;
    devs[1].type = hull::DeviceType::Fifo; // no rule
    devs[2].type = hull::DeviceType::Unbuffered;
    devs[2].major = 4;
    devs[2].minor = 64;
    auto rules = default_device_rules(devs);
    REQUIRE(rules.size() == 14);
    for (auto& r : rules)
        CHECK(r.allow);
    auto has = [&](hull::DeviceRuleType t, int64_t ma, std::optional<int64_t> mi, const char* acc) {
        for (auto& r : rules)
            if (r.type == t && r.major == ma && r.minor == mi && r.access == acc) return true;
        return false;
    };
    using T = hull::DeviceRuleType;
    CHECK(has(T::Char, 1, 3, "rwm"));
    CHECK(has(T::Char, 1, 9, "rwm"));
    CHECK(has(T::Char, 5, 2, "rwm"));
    CHECK(has(T::Char, 136, std::nullopt, "rwm"));
    CHECK(rules[12].type == T::Block);
    CHECK(rules[12].major == 254);
    CHECK(rules[13].type == T::Char);
    CHECK(rules[13].major == 4);
    CHECK(rules[13].minor == 64);
}
