// [cgroups] creating, joining, freezing, signalling and removing real cgroups on this host
// (every mounted hierarchy). Each test works under /hull-unit-<pid>/ and removes it.
#include "cg_test_util.hpp"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

using namespace hull::cgroups;
using cgtest::path_exists;

TEST_CASE("create makes the directory in every hierarchy; destroy removes it", "[cgroups]") {
    auto host = detect();
    REQUIRE(host);
    cgtest::TestTree tree(*host);
    auto cg = Cgroup::create(*host, tree.path("a/b"));
    REQUIRE(cg);
    CHECK(cg->path() == tree.path("a/b"));
    for (const auto& h : host->hierarchies)
        CHECK(path_exists(h.mount_point + tree.path("a/b")));
    if (const auto* cs = host->find("cpuset"); cs && !cs->v2) {
        // v1: cpus/mems inherited, so that a task can join.
        CHECK_FALSE(cgtest::trimmed(cs->mount_point + tree.path("a/b") + "/cpuset.cpus").empty());
        CHECK_FALSE(cgtest::trimmed(cs->mount_point + tree.path("a/b") + "/cpuset.mems").empty());
    }
    if (const auto* u = host->unified(); u && !u->controllers.empty()) {
        // v2: the controllers are delegated down to the container.
        auto ctrls = cgtest::trimmed(u->mount_point + tree.path("a/b") + "/cgroup.controllers");
        for (const auto& c : u->controllers)
            CHECK(ctrls.find(c) != std::string::npos);
    }
    auto m = cg->dir_of("memory");
    REQUIRE(m);
    CHECK(*m == host->find("memory")->mount_point + tree.path("a/b"));
    CHECK_FALSE(cg->dir_of("no-such-controller"));

    // Creating it again (empty) is fine.
    CHECK(Cgroup::create(*host, tree.path("a/b")));

    REQUIRE(cg->destroy());
    for (const auto& h : host->hierarchies)
        CHECK_FALSE(path_exists(h.mount_point + tree.path("a/b")));
    // Missing directories are fine.
    CHECK(Cgroup::attach(*host, tree.path("a/b")).destroy());
    CHECK(Cgroup::attach(*host, tree.path("a/b")).pids().value().empty());
    CHECK_FALSE(Cgroup::attach(*host, tree.path("a/b")).frozen().value());
}

TEST_CASE("create refuses the root and relative paths", "[cgroups]") {
    auto host = detect();
    REQUIRE(host);
    CHECK_FALSE(Cgroup::create(*host, "/"));
    CHECK_FALSE(Cgroup::create(*host, "rel"));
    CHECK_FALSE(Cgroup::create(*host, ""));
}

TEST_CASE("create refuses a cgroup that already holds processes", "[cgroups]") {
    cgtest::TestCgroup t("busy");
    pid_t child = t.sleeper_inside();
    auto again = Cgroup::create(t.host, t.tree.path("busy"));
    REQUIRE_FALSE(again);
    CHECK(again.error().message().find("already holds processes") != std::string::npos);
    // The directory was not ours to remove: it is still there.
    for (const auto& h : t.host.hierarchies)
        CHECK(path_exists(h.mount_point + t.tree.path("busy")));
    cgtest::reap(child);
}

TEST_CASE("add puts the process in every hierarchy; pids lists it", "[cgroups]") {
    cgtest::TestCgroup t("procs");
    pid_t a = cgtest::spawn_sleeper();
    pid_t b = t.sleeper_inside(); // added first: pids() must sort
    REQUIRE(t.cg.add(a));
    auto self_cg = cgtest::slurp("/proc/" + std::to_string(a) + "/cgroup");
    size_t lines = 0;
    std::istringstream in(self_cg);
    for (std::string line; std::getline(in, line);) {
        lines++;
        CHECK(line.ends_with(t.tree.path("procs")));
    }
    CHECK(lines == t.host.hierarchies.size());
    auto pids = t.cg.pids();
    REQUIRE(pids);
    CHECK(*pids == std::vector<pid_t>{std::min(a, b), std::max(a, b)});
    // Children cgroups are included.
    auto sub = Cgroup::create(t.host, t.tree.path("procs/sub"));
    REQUIRE(sub);
    auto moved = sub->add(b);
    INFO((moved ? std::string("ok") : moved.error().message()));
    REQUIRE(moved);
    CHECK(t.cg.pids().value().size() == 2);
    CHECK(sub->pids().value() == std::vector<pid_t>{b});
    cgtest::reap(a);
    cgtest::reap(b);
    REQUIRE(t.cg.destroy()); // children first
    for (const auto& h : t.host.hierarchies)
        CHECK_FALSE(path_exists(h.mount_point + t.tree.path("procs")));
}

TEST_CASE("destroy removes sub-cgroups made inside the container", "[cgroups]") {
    cgtest::TestCgroup t("nest");
    for (const auto& h : t.host.hierarchies) {
        std::string d = h.mount_point + t.tree.path("nest");
        REQUIRE(::mkdir((d + "/x").c_str(), 0755) == 0);
        REQUIRE(::mkdir((d + "/x/y").c_str(), 0755) == 0);
        REQUIRE(::mkdir((d + "/z").c_str(), 0755) == 0);
    }
    REQUIRE(t.cg.destroy());
    for (const auto& h : t.host.hierarchies)
        CHECK_FALSE(path_exists(h.mount_point + t.tree.path("nest")));
}

TEST_CASE("destroy fails (after retrying) while a process is inside", "[cgroups]") {
    cgtest::TestCgroup t("held");
    pid_t child = t.sleeper_inside();
    auto r = t.cg.destroy();
    REQUIRE_FALSE(r);
    CHECK(r.error().err() == EBUSY);
    CHECK(r.error().message().find("rmdir") != std::string::npos);
    cgtest::reap(child);
    CHECK(t.cg.destroy());
}

TEST_CASE("freeze and thaw a process", "[cgroups]") {
    cgtest::TestCgroup t("frz");
    pid_t child = t.sleeper_inside();
    CHECK_FALSE(t.cg.frozen().value());
    REQUIRE(t.cg.freeze());
    CHECK(t.cg.frozen().value());
    if (const auto* f = t.host.find("freezer"); f && !f->v2)
        CHECK(cgtest::trimmed(f->mount_point + t.tree.path("frz") + "/freezer.state") == "FROZEN");
    else
        CHECK(cgtest::slurp(t.host.unified()->mount_point + t.tree.path("frz") + "/cgroup.events")
                  .find("frozen 1") != std::string::npos);
    REQUIRE(t.cg.thaw());
    CHECK_FALSE(t.cg.frozen().value());
    cgtest::reap(child);
    CHECK_FALSE(Cgroup::attach(t.host, t.tree.path("missing")).freeze());
}

TEST_CASE("signal_all reaches every process, and a paused cgroup stays paused", "[cgroups]") {
    cgtest::TestCgroup t("sig");
    pid_t a = t.sleeper_inside();
    pid_t b = t.sleeper_inside();
    REQUIRE(t.cg.signal_all(SIGTERM));
    int sa = cgtest::reap(a, 0), sb = cgtest::reap(b, 0);
    CHECK((WIFSIGNALED(sa) && WTERMSIG(sa) == SIGTERM));
    CHECK((WIFSIGNALED(sb) && WTERMSIG(sb) == SIGTERM));
    CHECK_FALSE(t.cg.frozen().value());

    pid_t c = t.sleeper_inside();
    REQUIRE(t.cg.freeze());
    REQUIRE(t.cg.signal_all(SIGKILL));
    if (t.host.layout != Layout::Unified) CHECK(t.cg.frozen().value());
    REQUIRE(t.cg.thaw());
    int sc = cgtest::reap(c, 0);
    CHECK((WIFSIGNALED(sc) && WTERMSIG(sc) == SIGKILL));
    CHECK(t.cg.pids().value().empty());
}

TEST_CASE("stats has runc's shape", "[cgroups]") {
    cgtest::TestCgroup t("st");
    hull::Resources r;
    r.memory = hull::Memory{};
    r.memory->limit = 64 << 20;
    r.pids = hull::Pids{};
    r.pids->limit = 50;
    std::vector<std::string> w;
    REQUIRE(t.cg.apply(r, ApplyMode::Create, w));
    pid_t child = t.sleeper_inside();
    auto s = t.cg.stats();
    REQUIRE(s);
    INFO(s->dump(2));
    CHECK(s->at("cpu").at("usage").contains("total"));
    CHECK(s->at("cpu").at("usage").contains("kernel"));
    CHECK(s->at("cpu").at("usage").contains("user"));
    CHECK(s->at("memory").at("usage").at("limit") == 64u << 20);
    CHECK(s->at("memory").at("usage").contains("failcnt"));
    CHECK(s->at("memory").at("raw").is_object());
    CHECK(s->at("pids").at("current") == 1);
    CHECK(s->at("pids").at("limit") == 50);
    CHECK(s->at("blkio").is_object());
    if (t.host.find("hugetlb") && cgtest::path_exists("/sys/kernel/mm/hugepages/hugepages-2048kB"))
        CHECK(s->at("hugetlb").contains("2MB"));
    CHECK(t.cg.oom_kills() == 0);
    cgtest::reap(child);
}
