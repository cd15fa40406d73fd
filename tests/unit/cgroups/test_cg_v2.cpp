// [cgroups][v2] linux.resources on a cgroup-v2-only host (the qemu lane). Each test is
// skipped with a warning unless detect() says Unified.
#include "cg_test_util.hpp"

#include <fcntl.h>

#include <nlohmann/json.hpp>

using namespace hull::cgroups;

namespace {

struct V2 {
    Host host;
    std::optional<cgtest::TestTree> tree;
    std::optional<Cgroup> cg;
    std::vector<std::string> warnings;
    bool ok = false;
    explicit V2(const char* name) {
        auto h = detect();
        REQUIRE(h);
        host = *h;
        if (host.layout != Layout::Unified) return;
        tree.emplace(host);
        auto c = Cgroup::create(host, cgtest::top() + "/" + name);
        REQUIRE(c);
        cg.emplace(std::move(*c));
        ok = true;
    }
    std::string dir() const { return host.unified()->mount_point + cg->path(); }
    std::string file(const std::string& f) const { return cgtest::trimmed(dir() + "/" + f); }
    bool has(const std::string& f) const { return cgtest::path_exists(dir() + "/" + f); }
    hull::Result<void> apply(const hull::Resources& r, ApplyMode m = ApplyMode::Create) {
        return cg->apply(r, m, warnings);
    }
};

} // namespace

#define V2_ONLY(t) CG_REQUIRE_HOST((t).ok, "not a cgroup v2 only host")

TEST_CASE("v2: create delegates the controllers; open_unified_dir", "[cgroups][v2]") {
    V2 t("deleg");
    V2_ONLY(t);
    auto ctrls = t.file("cgroup.controllers");
    for (const char* c : {"cpu", "memory", "pids"})
        CHECK(ctrls.find(c) != std::string::npos);
    auto fd = t.cg->open_unified_dir();
    REQUIRE(fd);
    CHECK(fd->valid());
}

TEST_CASE("v2: memory max, low, swap = swap - limit", "[cgroups][v2]") {
    V2 t("mem");
    V2_ONLY(t);
    hull::Resources r;
    r.memory = hull::Memory{};
    r.memory->limit = 64 << 20;
    r.memory->reservation = 32 << 20;
    r.memory->swap = 96 << 20;
    REQUIRE(t.apply(r));
    CHECK(t.file("memory.max") == std::to_string(64 << 20));
    CHECK(t.file("memory.low") == std::to_string(32 << 20));
    if (t.has("memory.swap.max")) CHECK(t.file("memory.swap.max") == std::to_string(32 << 20));
    r.memory = hull::Memory{};
    r.memory->limit = -1;
    REQUIRE(t.apply(r, ApplyMode::Update));
    CHECK(t.file("memory.max") == "max");
    if (t.has("memory.swap.max")) CHECK(t.file("memory.swap.max") == "max");
    for (int which = 0; which < 2; which++) {
        hull::Resources bad;
        bad.memory = hull::Memory{};
        if (which == 0) bad.memory->swappiness = 10;
        if (which == 1) bad.memory->disableOOMKiller = true;
        auto e = t.apply(bad);
        REQUIRE_FALSE(e);
        CHECK(e.error().message().find("not supported on cgroup v2") != std::string::npos);
    }
    hull::Resources k;
    k.memory = hull::Memory{};
    k.memory->kernel = 1 << 20;
    REQUIRE(t.apply(k));
    REQUIRE(t.warnings.size() == 1);
    CHECK(t.warnings[0].find("memory.kernel") != std::string::npos);
}

TEST_CASE("v2: cpu weight, max, burst, cpuset; realtime refused", "[cgroups][v2]") {
    V2 t("cpu");
    V2_ONLY(t);
    hull::Resources r;
    r.cpu = hull::Cpu{};
    r.cpu->shares = 512;
    r.cpu->quota = 25000;
    r.cpu->period = 50000;
    r.cpu->burst = 1000;
    r.cpu->cpus = "0";
    r.cpu->mems = "0";
    REQUIRE(t.apply(r));
    CHECK(t.file("cpu.weight") == std::to_string(shares_to_weight(512)));
    CHECK(t.file("cpu.max") == "25000 50000");
    if (t.has("cpu.max.burst")) CHECK(t.file("cpu.max.burst") == "1000");
    if (t.has("cpuset.cpus")) CHECK(t.file("cpuset.cpus") == "0");
    hull::Resources p;
    p.cpu = hull::Cpu{};
    p.cpu->period = 100000; // keeps the quota
    REQUIRE(t.apply(p, ApplyMode::Update));
    CHECK(t.file("cpu.max") == "25000 100000");
    p.cpu->quota = -1;
    REQUIRE(t.apply(p, ApplyMode::Update));
    CHECK(t.file("cpu.max") == "max 100000");
    hull::Resources rt;
    rt.cpu = hull::Cpu{};
    rt.cpu->realtimeRuntime = 1000;
    auto e = t.apply(rt);
    REQUIRE_FALSE(e);
    CHECK(e.error().message().find("not supported on cgroup v2") != std::string::npos);
}

TEST_CASE("v2: pids, io, hugetlb, unified", "[cgroups][v2]") {
    V2 t("misc");
    V2_ONLY(t);
    hull::Resources r;
    r.pids = hull::Pids{0};
    REQUIRE(t.apply(r));
    CHECK(t.file("pids.max") == "0");
    r.pids->limit = -1;
    REQUIRE(t.apply(r));
    CHECK(t.file("pids.max") == "max");

    if (t.has("io.max") && cgtest::path_exists("/sys/dev/block/254:0")) {
        hull::Resources io;
        io.blockIO = hull::BlockIO{};
        io.blockIO->throttleReadBpsDevice = {{254, 0, 1048576}};
        io.blockIO->throttleWriteIOPSDevice = {{254, 0, 100}};
        REQUIRE(t.apply(io));
        auto max = t.file("io.max");
        CHECK(max.find("rbps=1048576") != std::string::npos);
        CHECK(max.find("wiops=100") != std::string::npos);
    }
    hull::Resources w;
    w.blockIO = hull::BlockIO{};
    w.blockIO->weight = 500;
    if (t.has("io.weight") || t.has("io.bfq.weight")) {
        REQUIRE(t.apply(w));
        if (t.has("io.bfq.weight"))
            CHECK(t.file("io.bfq.weight").find("500") != std::string::npos);
        else
            CHECK(t.file("io.weight").find("4950") != std::string::npos);
    } else {
        // Neither BFQ nor an io.weight controller: the field is refused, not dropped.
        auto e = t.apply(w);
        REQUIRE_FALSE(e);
        CHECK(e.error().message().find("blockIO.weight") != std::string::npos);
    }
    if (t.has("hugetlb.2MB.max")) {
        hull::Resources h;
        h.hugepageLimits = {{"2MB", 2 << 20}};
        REQUIRE(t.apply(h));
        CHECK(t.file("hugetlb.2MB.max") == std::to_string(2 << 20));
        if (t.has("hugetlb.2MB.rsvd.max"))
            CHECK(t.file("hugetlb.2MB.rsvd.max") == std::to_string(2 << 20));
    }
    hull::Resources u;
    u.unified["pids.max"] = "42";
    REQUIRE(t.apply(u));
    CHECK(t.file("pids.max") == "42");
    u.unified = {{"nosuch.file", "1"}};
    CHECK_FALSE(t.apply(u));
    hull::Resources n;
    n.network = hull::Network{};
    n.network->classID = 1;
    CHECK_FALSE(t.apply(n));
}

TEST_CASE("v2: freeze via cgroup.freeze, SIGKILL via cgroup.kill", "[cgroups][v2]") {
    V2 t("frz");
    V2_ONLY(t);
    pid_t child = cgtest::spawn_sleeper();
    REQUIRE(t.cg->add(child));
    REQUIRE(t.cg->freeze());
    CHECK(t.file("cgroup.freeze") == "1");
    CHECK(t.file("cgroup.events").find("frozen 1") != std::string::npos);
    CHECK(t.cg->frozen().value());
    REQUIRE(t.cg->thaw());
    CHECK_FALSE(t.cg->frozen().value());
    REQUIRE(t.cg->signal_all(SIGKILL));
    int st = cgtest::reap(child, 0);
    CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL));
    REQUIRE(t.cg->destroy());
    CHECK_FALSE(cgtest::path_exists(t.dir()));
}

TEST_CASE("v2: stats from cgroup2 files", "[cgroups][v2]") {
    V2 t("stats");
    V2_ONLY(t);
    pid_t child = cgtest::spawn_sleeper();
    REQUIRE(t.cg->add(child));
    auto s = t.cg->stats();
    REQUIRE(s);
    INFO(s->dump(2));
    CHECK(s->at("cpu").at("usage").contains("total"));
    CHECK(s->at("memory").at("usage").contains("usage"));
    CHECK(s->at("pids").at("current") == 1);
    cgtest::reap(child);
}
