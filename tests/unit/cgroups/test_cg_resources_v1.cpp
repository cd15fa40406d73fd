// [cgroups] linux.resources on cgroup v1 hierarchies, read back from the kernel. Each test is
// skipped (with a warning) where its controller is not on a v1 hierarchy.
#include "cg_test_util.hpp"

using namespace hull::cgroups;

namespace {

// A fresh test cgroup; the whole test tree is removed when it goes out of scope.
struct V1 : cgtest::TestCgroup {
    std::vector<std::string> warnings;
    explicit V1(const char* name) : TestCgroup(name) {}
    bool v1(std::string_view c) const {
        auto* h = host.find(c);
        return h && !h->v2;
    }
    std::string file(std::string_view ctrl, const std::string& f) const {
        return cgtest::trimmed(*cg.dir_of(ctrl) + "/" + f);
    }
    hull::Result<void> apply(const hull::Resources& r, ApplyMode m = ApplyMode::Create) {
        return cg.apply(r, m, warnings);
    }
};

hull::Resources mem(std::optional<int64_t> limit, std::optional<int64_t> swap) {
    hull::Resources r;
    r.memory = hull::Memory{};
    r.memory->limit = limit;
    r.memory->swap = swap;
    return r;
}

} // namespace

TEST_CASE("v1 memory: limit, reservation, swap in the right order", "[cgroups]") {
    V1 t("mem");
    CG_REQUIRE_HOST(t.v1("memory"), "memory is not a v1 hierarchy here");
    CG_REQUIRE_HOST(cgtest::path_exists(*t.cg.dir_of("memory") + "/memory.memsw.limit_in_bytes"),
                    "no swap accounting");
    auto r = mem(64 << 20, 128 << 20);
    r.memory->reservation = 32 << 20;
    REQUIRE(t.apply(r));
    CHECK(t.file("memory", "memory.limit_in_bytes") == std::to_string(64 << 20));
    CHECK(t.file("memory", "memory.memsw.limit_in_bytes") == std::to_string(128 << 20));
    CHECK(t.file("memory", "memory.soft_limit_in_bytes") == std::to_string(32 << 20));
    // Shrink both below the current limit: the limit must go first.
    REQUIRE(t.apply(mem(16 << 20, 32 << 20), ApplyMode::Update));
    CHECK(t.file("memory", "memory.limit_in_bytes") == std::to_string(16 << 20));
    CHECK(t.file("memory", "memory.memsw.limit_in_bytes") == std::to_string(32 << 20));
    // Grow both above the current memsw: memsw must go first.
    REQUIRE(t.apply(mem(256 << 20, 512 << 20), ApplyMode::Update));
    CHECK(t.file("memory", "memory.limit_in_bytes") == std::to_string(256 << 20));
    CHECK(t.file("memory", "memory.memsw.limit_in_bytes") == std::to_string(512 << 20));
    // swap < limit is refused before anything is written.
    auto bad = t.apply(mem(64 << 20, 32 << 20));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message().find("memory.swap") != std::string::npos);
    CHECK(t.file("memory", "memory.limit_in_bytes") == std::to_string(256 << 20));
    // -1 with no swap: both unlimited.
    REQUIRE(t.apply(mem(-1, std::nullopt), ApplyMode::Update));
    CHECK(t.file("memory", "memory.limit_in_bytes") == "9223372036854771712");
    CHECK(t.file("memory", "memory.memsw.limit_in_bytes") == "9223372036854771712");
}

TEST_CASE("v1 memory: kernel, kernelTCP, swappiness, OOM killer, hierarchy", "[cgroups]") {
    V1 t("mem2");
    CG_REQUIRE_HOST(t.v1("memory"), "memory is not a v1 hierarchy here");
    hull::Resources r;
    r.memory = hull::Memory{};
    r.memory->kernel = 32 << 20;
    r.memory->kernelTCP = 16 << 20;
    r.memory->swappiness = 17;
    r.memory->disableOOMKiller = true;
    r.memory->useHierarchy = true;
    REQUIRE(t.apply(r));
    auto kmem = t.file("memory", "memory.kmem.limit_in_bytes");
    if (kmem == std::to_string(32 << 20)) {
        CHECK(t.warnings.empty());
    } else {
        // This kernel ignores kmem limits: a warning says so.
        REQUIRE(t.warnings.size() == 1);
        CHECK(t.warnings[0].find("memory.kernel is not applied") != std::string::npos);
    }
    CHECK(t.file("memory", "memory.kmem.tcp.limit_in_bytes") == std::to_string(16 << 20));
    CHECK(t.file("memory", "memory.swappiness") == "17");
    CHECK(t.file("memory", "memory.oom_control").find("oom_kill_disable 1") != std::string::npos);
    CHECK(t.file("memory", "memory.use_hierarchy") == "1");

    t.warnings.clear();
    hull::Resources off;
    off.memory = hull::Memory{};
    off.memory->useHierarchy = false;
    off.memory->disableOOMKiller = false;
    REQUIRE(t.apply(off, ApplyMode::Update));
    CHECK(t.file("memory", "memory.oom_control").find("oom_kill_disable 0") != std::string::npos);
    if (t.file("memory", "memory.use_hierarchy") == "1") {
        REQUIRE(t.warnings.size() == 1);
        CHECK(t.warnings[0].find("useHierarchy") != std::string::npos);
    }
    hull::Resources bad;
    bad.memory = hull::Memory{};
    bad.memory->swappiness = 101;
    CHECK_FALSE(t.apply(bad));
}

TEST_CASE("v1 memory: checkBeforeUpdate refuses a limit below the usage", "[cgroups]") {
    V1 t("mem3");
    CG_REQUIRE_HOST(t.v1("memory"), "memory is not a v1 hierarchy here");
    int go[2], done[2];
    REQUIRE(::pipe(go) == 0);
    REQUIRE(::pipe(done) == 0);
    pid_t child = cgtest::spawn([&] {
        char c;
        (void)!::read(go[0], &c, 1); // wait until moved into the cgroup
        // Kept (never freed) while the parent reads the usage.
        auto* mem = new std::vector<char>(8 << 20, 1);
        (void)!::write(done[1], mem->data(), 1);
    });
    REQUIRE(t.cg.add(child));
    REQUIRE(::write(go[1], "x", 1) == 1);
    char c;
    REQUIRE(::read(done[0], &c, 1) == 1);
    for (int fd : {go[0], go[1], done[0], done[1]})
        ::close(fd);
    INFO("usage " << t.file("memory", "memory.usage_in_bytes"));
    auto r = mem(1 << 20, std::nullopt);
    r.memory->checkBeforeUpdate = true;
    auto res = t.apply(r, ApplyMode::Update);
    REQUIRE_FALSE(res);
    CHECK(res.error().message().find("below the current usage") != std::string::npos);
    CHECK(t.file("memory", "memory.limit_in_bytes") == "9223372036854771712");
    cgtest::reap(child);
}

TEST_CASE("v1 cpu: shares, quota, period, burst, idle, cpuset", "[cgroups]") {
    V1 t("cpu");
    CG_REQUIRE_HOST(t.v1("cpu"), "cpu is not a v1 hierarchy here");
    hull::Resources r;
    r.cpu = hull::Cpu{};
    r.cpu->shares = 512;
    r.cpu->period = 50000;
    r.cpu->quota = 25000;
    r.cpu->burst = 1000;
    r.cpu->idle = 0;
    r.cpu->cpus = "0";
    r.cpu->mems = "0";
    REQUIRE(t.apply(r));
    CHECK(t.file("cpu", "cpu.shares") == "512");
    CHECK(t.file("cpu", "cpu.cfs_period_us") == "50000");
    CHECK(t.file("cpu", "cpu.cfs_quota_us") == "25000");
    if (cgtest::path_exists(*t.cg.dir_of("cpu") + "/cpu.cfs_burst_us"))
        CHECK(t.file("cpu", "cpu.cfs_burst_us") == "1000");
    if (cgtest::path_exists(*t.cg.dir_of("cpu") + "/cpu.idle"))
        CHECK(t.file("cpu", "cpu.idle") == "0");
    if (t.v1("cpuset")) {
        CHECK(t.file("cpuset", "cpuset.cpus") == "0");
        CHECK(t.file("cpuset", "cpuset.mems") == "0");
    }
    // A period below the current quota only works once the quota is lowered.
    hull::Resources r2;
    r2.cpu = hull::Cpu{};
    r2.cpu->period = 10000;
    r2.cpu->quota = 5000;
    r2.cpu->burst = 0;
    REQUIRE(t.apply(r2, ApplyMode::Update));
    CHECK(t.file("cpu", "cpu.cfs_period_us") == "10000");
    CHECK(t.file("cpu", "cpu.cfs_quota_us") == "5000");
    hull::Resources unl;
    unl.cpu = hull::Cpu{};
    unl.cpu->quota = -1;
    REQUIRE(t.apply(unl, ApplyMode::Update));
    CHECK(t.file("cpu", "cpu.cfs_quota_us") == "-1");
    // Out of range shares: the kernel clamps, hull reports it.
    hull::Resources bad;
    bad.cpu = hull::Cpu{};
    bad.cpu->shares = 1;
    auto e = t.apply(bad);
    REQUIRE_FALSE(e);
    CHECK(e.error().message().find("cpu.shares") != std::string::npos);
}

TEST_CASE("v1 cpu: realtime runtime and period", "[cgroups]") {
    V1 t("rt");
    CG_REQUIRE_HOST(t.v1("cpu"), "cpu is not a v1 hierarchy here");
    CG_REQUIRE_HOST(cgtest::path_exists(*t.cg.dir_of("cpu") + "/cpu.rt_runtime_us"),
                    "no RT group scheduling");
    hull::Resources r;
    r.cpu = hull::Cpu{};
    r.cpu->realtimePeriod = 500000;
    r.cpu->realtimeRuntime = 10000;
    // The parent (the test's top cgroup) has no RT budget yet: a clear error.
    auto e = t.apply(r);
    REQUIRE_FALSE(e);
    CHECK(e.error().message().find("linux.resources.cpu.realtimeRuntime") != std::string::npos);
    CHECK(e.error().message().find("budget") != std::string::npos);
    std::string top = t.host.find("cpu")->mount_point + cgtest::top();
    { std::ofstream(top + "/cpu.rt_runtime_us") << "20000"; }
    REQUIRE(cgtest::trimmed(top + "/cpu.rt_runtime_us") == "20000");
    REQUIRE(t.apply(r));
    CHECK(t.file("cpu", "cpu.rt_period_us") == "500000");
    CHECK(t.file("cpu", "cpu.rt_runtime_us") == "10000");
    REQUIRE(t.cg.destroy());
}

TEST_CASE("v1 pids: a limit, 0 and -1", "[cgroups]") {
    V1 t("pids");
    CG_REQUIRE_HOST(t.v1("pids"), "pids is not a v1 hierarchy here");
    hull::Resources r;
    r.pids = hull::Pids{10};
    REQUIRE(t.apply(r));
    CHECK(t.file("pids", "pids.max") == "10");
    r.pids->limit = 0;
    REQUIRE(t.apply(r));
    CHECK(t.file("pids", "pids.max") == "0");
    r.pids->limit = -1;
    REQUIRE(t.apply(r));
    CHECK(t.file("pids", "pids.max") == "max");
    r.pids->limit = -2;
    CHECK_FALSE(t.apply(r));
}

TEST_CASE("v1 blkio: weight (CFQ, BFQ, else refused), throttles, leaf weight", "[cgroups]") {
    V1 t("blkio");
    CG_REQUIRE_HOST(t.v1("blkio"), "blkio is not a v1 hierarchy here");
    CG_REQUIRE_HOST(cgtest::path_exists("/sys/dev/block/254:0"), "no block device 254:0");
    std::string dir = *t.cg.dir_of("blkio");
    // The weight needs CFQ (blkio.weight) or BFQ (blkio.bfq.weight); without either the
    // field is refused, as hull cannot apply it.
    const bool cfq = cgtest::path_exists(dir + "/blkio.weight");
    const bool bfq = cgtest::path_exists(dir + "/blkio.bfq.weight");
    hull::Resources r;
    r.blockIO = hull::BlockIO{};
    if (cfq || bfq) r.blockIO->weight = 300;
    r.blockIO->throttleReadBpsDevice = {{254, 0, 1048576}};
    r.blockIO->throttleWriteBpsDevice = {{254, 0, 2097152}};
    r.blockIO->throttleReadIOPSDevice = {{254, 0, 100}};
    r.blockIO->throttleWriteIOPSDevice = {{254, 0, 200}};
    REQUIRE(t.apply(r));
    if (cfq) {
        CHECK(t.file("blkio", "blkio.weight") == "300");
    } else if (bfq) {
        CHECK(t.file("blkio", "blkio.bfq.weight").find("300") != std::string::npos);
    } else {
        hull::Resources weight;
        weight.blockIO = hull::BlockIO{};
        weight.blockIO->weight = 300;
        auto e = t.apply(weight);
        REQUIRE_FALSE(e);
        CHECK(e.error().message().find("neither blkio.weight nor blkio.bfq.weight") !=
              std::string::npos);
    }
    CHECK(t.file("blkio", "blkio.throttle.read_bps_device") == "254:0 1048576");
    CHECK(t.file("blkio", "blkio.throttle.write_bps_device") == "254:0 2097152");
    CHECK(t.file("blkio", "blkio.throttle.read_iops_device") == "254:0 100");
    CHECK(t.file("blkio", "blkio.throttle.write_iops_device") == "254:0 200");
    if (!cgtest::path_exists(dir + "/blkio.leaf_weight")) {
        hull::Resources leaf;
        leaf.blockIO = hull::BlockIO{};
        leaf.blockIO->leafWeight = 300;
        auto e = t.apply(leaf);
        REQUIRE_FALSE(e);
        CHECK(e.error().message().find("blkio.leaf_weight") != std::string::npos);
    }
}

TEST_CASE("v1 devices: rules written in config order", "[cgroups]") {
    V1 t("dev");
    CG_REQUIRE_HOST(t.v1("devices"), "devices is not a v1 hierarchy here");
    using T = hull::DeviceRuleType;
    hull::Resources r;
    r.devices = {{false, std::nullopt, std::nullopt, std::nullopt, "rwm"},
                 {true, T::Char, 1, 3, "rwm"},
                 {true, T::Block, 254, 0, "r"},
                 {true, T::Char, 1, 5, "r"},
                 {true, T::Char, 10, std::nullopt, "rw"}};
    REQUIRE(t.apply(r));
    CHECK(t.file("devices", "devices.list") == "c 1:3 rwm\nb 254:0 r\nc 1:5 r\nc 10:* rw");
    // The default rules appended after the config's: config order first.
    hull::Resources all;
    all.devices = {{false, T::All, std::nullopt, std::nullopt, std::nullopt},
                   {true, T::Char, 4, 1, "rw"}};
    auto defs = default_device_rules({});
    all.devices.insert(all.devices.end(), defs.begin(), defs.end());
    REQUIRE(t.apply(all));
    auto list = t.file("devices", "devices.list");
    CHECK(list.starts_with("c 4:1 rw\nc *:* m\nb *:* m\nc 1:3 rwm\n"));
    CHECK(list.find("c 136:* rwm") != std::string::npos);
}

TEST_CASE("hugetlb where it is mounted (v1 or the cgroup2 tree)", "[cgroups]") {
    V1 t("huge");
    auto* h = t.host.find("hugetlb");
    CG_REQUIRE_HOST(h, "no hugetlb controller");
    CG_REQUIRE_HOST(cgtest::path_exists("/sys/kernel/mm/hugepages/hugepages-2048kB"),
                    "no 2MB pages");
    hull::Resources r;
    r.hugepageLimits = {{"2MB", 4 << 20}};
    REQUIRE(t.apply(r));
    if (h->v2) {
        CHECK(t.file("hugetlb", "hugetlb.2MB.max") == std::to_string(4 << 20));
        if (cgtest::path_exists(*t.cg.dir_of("hugetlb") + "/hugetlb.2MB.rsvd.max"))
            CHECK(t.file("hugetlb", "hugetlb.2MB.rsvd.max") == std::to_string(4 << 20));
    } else {
        CHECK(t.file("hugetlb", "hugetlb.2MB.limit_in_bytes") == std::to_string(4 << 20));
    }
    r.hugepageLimits = {{"3MB", 6 << 20}};
    auto e = t.apply(r);
    REQUIRE_FALSE(e);
    CHECK(e.error().message().find("page size 3MB is not supported") != std::string::npos);
}

TEST_CASE("resources the host lacks give clear errors", "[cgroups]") {
    V1 t("lack");
    if (!t.host.find("net_cls") && t.host.layout != Layout::Unified) {
        hull::Resources r;
        r.network = hull::Network{};
        r.network->classID = 0x100001;
        auto e = t.apply(r);
        REQUIRE_FALSE(e);
        CHECK(e.error().message() ==
              "linux.resources.network: net_cls is not mounted on this host");
    }
    if (!t.host.find("rdma")) {
        hull::Resources r;
        r.rdma["mlx5_0"] = hull::Rdma{10, std::nullopt};
        auto e = t.apply(r);
        REQUIRE_FALSE(e);
        CHECK(e.error().message() == "linux.resources.rdma: rdma is not mounted on this host");
    }
    if (!t.host.unified()) {
        hull::Resources r;
        r.unified["pids.max"] = "10";
        auto e = t.apply(r);
        REQUIRE_FALSE(e);
        CHECK(e.error().message().find("needs cgroup v2") != std::string::npos);
    }
}

TEST_CASE("unified on a hybrid host writes into the cgroup2 directory", "[cgroups]") {
    V1 t("uni");
    CG_REQUIRE_HOST(t.host.layout == Layout::Hybrid, "not a hybrid host");
    std::string dir = t.host.unified()->mount_point + t.cg.path();
    hull::Resources r;
    r.unified["cgroup.max.descendants"] = "7";
    REQUIRE(t.apply(r));
    CHECK(cgtest::trimmed(dir + "/cgroup.max.descendants") == "7");
    r.unified = {{"a/b", "1"}};
    auto e = t.apply(r);
    REQUIRE_FALSE(e);
    CHECK(e.error().message().find("not a file name") != std::string::npos);
    if (!t.host.unified()->has("memory")) {
        r.unified = {{"memory.max", "1000000"}};
        e = t.apply(r);
        REQUIRE_FALSE(e);
        CHECK(e.error().message().find("the memory controller is not available") !=
              std::string::npos);
    }
}
