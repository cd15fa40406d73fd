// [process] rlimits, oom_score_adj, scheduler, I/O priority, personality.
#include "process/process.hpp"
#include "process/steps.hpp"
#include "process_test_util.hpp"

#include <catch2/catch.hpp>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

using namespace hull;
using namespace hull::proctest;

namespace {

std::string read_oom() {
    std::ifstream in("/proc/self/oom_score_adj");
    std::string s;
    in >> s;
    return s;
}

bool write_oom(int v) {
    std::ofstream out("/proc/self/oom_score_adj");
    out << v;
    out.flush();
    return static_cast<bool>(out);
}

// sched_getattr(2) into the same layout steps.cpp uses.
struct SchedAttr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
};

} // namespace

TEST_CASE("rlimits are applied", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        p.rlimits = {{RlimitType::Nofile, 512, 256}, {RlimitType::Core, 0, 0}};
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        struct rlimit nofile {
        }, core{};
        ::getrlimit(RLIMIT_NOFILE, &nofile);
        ::getrlimit(RLIMIT_CORE, &core);
        out.put("nofile", std::to_string(nofile.rlim_cur) + "/" + std::to_string(nofile.rlim_max));
        out.put("core", std::to_string(core.rlim_cur) + "/" + std::to_string(core.rlim_max));
        return 0;
    });
    REQUIRE(rep.at("ok") == "yes");
    CHECK(rep.at("nofile") == "256/512");
    CHECK(rep.at("core") == "0/0");
}

TEST_CASE("rlimits: raising a hard limit without CAP_SYS_RESOURCE fails clearly", "[process]") {
    // This host has no CAP_SYS_RESOURCE at all; drop it here too so the test means the same
    // everywhere.
    auto rep = run_child([](Out& out) {
        struct rlimit low {
            1024, 4096
        };
        if (::setrlimit(RLIMIT_NOFILE, &low) != 0) return 3;
        if (::prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0) != 0) return 4;
        cap_t c = ::cap_get_proc();
        cap_value_t v = CAP_SYS_RESOURCE;
        ::cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
        ::cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_CLEAR);
        if (::cap_set_proc(c) != 0) return 5;
        ::cap_free(c);
        Process p = basic_process();
        p.rlimits = {{RlimitType::Nofile, 20001, 1024}};
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("err", r ? "none" : r.error().message());
        out.put("errno", r ? 0 : r.error().err());
        struct rlimit now {};
        ::getrlimit(RLIMIT_NOFILE, &now);
        out.put("hard", static_cast<long long>(now.rlim_max));
        return 0;
    });
    REQUIRE(rep.code == 0);
    CHECK(rep.at("err") == "setrlimit RLIMIT_NOFILE: Operation not permitted");
    CHECK(rep.at("errno") == std::to_string(EPERM));
    CHECK(rep.at("hard") == "4096");
}

TEST_CASE("oom_score_adj: untouched when unset, written when set", "[process]") {
    auto rep = run_child([](Out& out) {
        if (!write_oom(123)) return 3;
        Process p = basic_process();
        process::Warnings w;
        auto r1 = process::prepare(p, {}, w);
        out.put("ok1", r1 ? "yes" : r1.error().message());
        out.put("unset", read_oom());
        p.oomScoreAdj = 500; // raising needs no privilege
        auto r2 = process::prepare(p, {}, w);
        out.put("ok2", r2 ? "yes" : r2.error().message());
        out.put("set", read_oom());
        return 0;
    });
    REQUIRE(rep.code == 0);
    CHECK(rep.at("ok1") == "yes");
    CHECK(rep.at("unset") == "123");
    CHECK(rep.at("ok2") == "yes");
    CHECK(rep.at("set") == "500");
}

TEST_CASE("oom_score_adj: an invalid value names the step", "[process]") {
    auto rep = run_child([](Out& out) {
        auto r = process::apply_oom_score_adj(5000);
        out.put("err", r ? "none" : r.error().message());
        return 0;
    });
    CHECK(rep.at("err") ==
          "set oom_score_adj to 5000: write /proc/self/oom_score_adj: Invalid argument");
}

TEST_CASE("scheduler: policy, nice and flags via sched_setattr", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        Scheduler s;
        s.policy = SchedulerPolicy::Batch;
        s.nice = 5;
        s.flags = {SchedulerFlag::ResetOnFork};
        p.scheduler = s;
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        SchedAttr a{};
        if (::syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) != 0) return 3;
        out.put("policy", a.policy);
        out.put("nice", a.nice);
        out.put("reset_on_fork", static_cast<long long>(a.flags & 1));
        return 0;
    });
    REQUIRE(rep.code == 0);
    REQUIRE(rep.at("ok") == "yes");
    CHECK(rep.at("policy") == "3"); // SCHED_BATCH
    CHECK(rep.at("nice") == "5");
    CHECK(rep.at("reset_on_fork") == "1");
}

TEST_CASE("scheduler: SCHED_FIFO priority, SCHED_ISO refused", "[process]") {
    auto rep = run_child([](Out& out) {
        Scheduler fifo;
        fifo.policy = SchedulerPolicy::Fifo;
        fifo.priority = 10;
        auto r = process::apply_scheduler(fifo);
        out.put("fifo", r ? "yes" : r.error().message());
        SchedAttr a{};
        ::syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0);
        out.put("policy", a.policy);
        out.put("prio", a.priority);
        Scheduler iso;
        iso.policy = SchedulerPolicy::Iso;
        auto e = process::apply_scheduler(iso);
        out.put("iso", e ? "none" : e.error().message());
        return 0;
    });
    CHECK(rep.at("fifo") == "yes");
    CHECK(rep.at("policy") == "1");
    CHECK(rep.at("prio") == "10");
    CHECK_THAT(rep.at("iso"),
               Catch::StartsWith("sched_setattr SCHED_ISO") && Catch::Contains("not implemented"));
}

TEST_CASE("scheduler: flag bits match the kernel's SCHED_FLAG_*", "[process]") {
    using F = SchedulerFlag;
    CHECK(process::sched_flag_bits(std::vector{F::ResetOnFork}) == 0x01);
    CHECK(process::sched_flag_bits(std::vector{F::Reclaim, F::DlOverrun}) == 0x06);
    CHECK(process::sched_flag_bits(std::vector{F::KeepPolicy, F::KeepParams}) == 0x18);
    CHECK(process::sched_flag_bits(std::vector{F::UtilClampMin, F::UtilClampMax}) == 0x60);
}

TEST_CASE("ioPriority via ioprio_set", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        p.ioPriority = IoPriority{IoPriorityClass::Be, 7};
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("be7", ::syscall(SYS_ioprio_get, 1, 0));
        auto idle = process::apply_io_priority(IoPriority{IoPriorityClass::Idle, 0});
        out.put("ok_idle", idle ? "yes" : idle.error().message());
        out.put("idle", ::syscall(SYS_ioprio_get, 1, 0));
        auto bad = process::apply_io_priority(IoPriority{IoPriorityClass::Rt, 9});
        out.put("bad", bad ? "none" : bad.error().message());
        return 0;
    });
    REQUIRE(rep.at("ok") == "yes");
    CHECK(rep.at("be7") == std::to_string((2 << 13) | 7));
    CHECK(rep.at("ok_idle") == "yes");
    CHECK(rep.at("idle") == std::to_string(3 << 13));
    CHECK_THAT(rep.at("bad"), Catch::StartsWith("ioprio_set IOPRIO_CLASS_RT priority 9"));
}

TEST_CASE("personality LINUX32 makes uname report i686", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        Personality pers{PersonalityDomain::Linux32, {}};
        process::Options opts;
        opts.personality = &pers;
        process::Warnings w;
        auto r = process::prepare(p, opts, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("persona", ::personality(0xffffffff) & PER_MASK);
        struct utsname u {};
        ::uname(&u);
        out.put("machine", u.machine);
        Personality flagged{PersonalityDomain::Linux, {"SOME_FLAG"}};
        auto e = process::apply_personality(&flagged);
        out.put("flag", e ? "none" : e.error().message());
        return 0;
    });
    REQUIRE(rep.at("ok") == "yes");
    CHECK(rep.at("persona") == std::to_string(PER_LINUX32));
    CHECK(rep.at("machine") == "i686");
    CHECK(rep.at("flag") == "personality: unsupported flag \"SOME_FLAG\"");
}

TEST_CASE("personality unset leaves it alone", "[process]") {
    auto rep = run_child([](Out& out) {
        ::personality(PER_LINUX32);
        process::Warnings w;
        auto r = process::prepare(basic_process(), {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("persona", ::personality(0xffffffff) & PER_MASK);
        return 0;
    });
    CHECK(rep.at("ok") == "yes");
    CHECK(rep.at("persona") == std::to_string(PER_LINUX32));
}
