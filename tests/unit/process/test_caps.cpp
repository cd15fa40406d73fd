// [process] capabilities: exact sets, ungrantable caps, the seccomp window.
#include "process/process.hpp"
#include "process/steps.hpp"
#include "process_test_util.hpp"

#include <catch2/catch.hpp>
#include <sys/capability.h>
#include <sys/prctl.h>

using namespace hull;
using namespace hull::proctest;

namespace {

// Reports the five capability sets of the calling process.
void put_caps(Out& out) {
    for (const char* f : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"})
        out.put(f, std::to_string(cap_mask(f)));
}

uint64_t num(const ChildReport& r, const std::string& key) {
    return std::stoull(r.at(key));
}

// Makes the process unable to grant CAP_SYS_RESOURCE (as on this host), whatever it had.
bool lose_sys_resource() {
    if (::prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0) != 0) return false;
    cap_t c = ::cap_get_proc();
    cap_value_t v = CAP_SYS_RESOURCE;
    bool ok = c != nullptr && ::cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) == 0 &&
              ::cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_CLEAR) == 0 &&
              ::cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_CLEAR) == 0 && ::cap_set_proc(c) == 0;
    ::cap_free(c);
    return ok;
}

} // namespace

TEST_CASE("capabilities: exactly the listed caps in all five sets", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        p.capabilities =
            same_caps({Capability::Chown, Capability::Kill, Capability::NetBindService});
        p.capabilities->ambient = {Capability::NetBindService};
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("warnings", static_cast<long long>(w.size()));
        put_caps(out);
        return 0;
    });
    REQUIRE(rep.code == 0);
    REQUIRE(rep.at("ok") == "yes");
    CHECK(rep.at("warnings") == "0");
    uint64_t want = cap_bits({Capability::Chown, Capability::Kill, Capability::NetBindService});
    CHECK(num(rep, "CapBnd") == want);
    CHECK(num(rep, "CapEff") == want);
    CHECK(num(rep, "CapPrm") == want);
    CHECK(num(rep, "CapInh") == want);
    CHECK(num(rep, "CapAmb") == cap_bits({Capability::NetBindService}));
}

TEST_CASE("capabilities: different lists per set, empty sets are cleared", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        Capabilities c;
        c.bounding = {Capability::Chown, Capability::Kill, Capability::Setuid};
        c.permitted = {Capability::Chown, Capability::Kill};
        c.effective = {Capability::Kill};
        // inheritable and ambient empty
        p.capabilities = c;
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("warnings", static_cast<long long>(w.size()));
        put_caps(out);
        return 0;
    });
    REQUIRE(rep.at("ok") == "yes");
    CHECK(rep.at("warnings") == "0");
    CHECK(num(rep, "CapBnd") ==
          cap_bits({Capability::Chown, Capability::Kill, Capability::Setuid}));
    CHECK(num(rep, "CapPrm") == cap_bits({Capability::Chown, Capability::Kill}));
    CHECK(num(rep, "CapEff") == cap_bits({Capability::Kill}));
    CHECK(num(rep, "CapInh") == 0);
    CHECK(num(rep, "CapAmb") == 0);
}

TEST_CASE("capabilities: an ungrantable cap is a warning, not an error", "[process]") {
    auto rep = run_child([](Out& out) {
        if (!lose_sys_resource()) return 3;
        Process p = basic_process();
        p.capabilities = same_caps({Capability::Chown, Capability::SysResource});
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("warnings", static_cast<long long>(w.size()));
        if (!w.empty()) out.put("warning0", w[0]);
        put_caps(out);
        return 0;
    });
    REQUIRE(rep.code == 0);
    REQUIRE(rep.at("ok") == "yes");
    REQUIRE(rep.at("warnings") == "1"); // one warning per cap, naming every set
    CHECK_THAT(rep.at("warning0"), Catch::Contains("CAP_SYS_RESOURCE") &&
                                       Catch::Contains("bounding") && Catch::Contains("ambient") &&
                                       Catch::Contains("does not hold it"));
    uint64_t chown = cap_bits({Capability::Chown});
    CHECK(num(rep, "CapBnd") == chown);
    CHECK(num(rep, "CapEff") == chown);
    CHECK(num(rep, "CapPrm") == chown);
    CHECK(num(rep, "CapInh") == chown);
    CHECK(num(rep, "CapAmb") == chown);
}

TEST_CASE("capabilities: effective outside permitted is left out with a warning", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        Capabilities c;
        c.bounding = c.permitted = {Capability::Chown};
        c.effective = {Capability::Chown, Capability::Kill};
        c.ambient = {Capability::Chown}; // not inheritable
        p.capabilities = c;
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("warnings", static_cast<long long>(w.size()));
        for (size_t i = 0; i < w.size(); ++i)
            out.put("w" + std::to_string(i), w[i]);
        put_caps(out);
        return 0;
    });
    REQUIRE(rep.at("ok") == "yes");
    REQUIRE(rep.at("warnings") == "2");
    CHECK_THAT(rep.at("w0"), Catch::Contains("CAP_KILL") && Catch::Contains("effective"));
    CHECK_THAT(rep.at("w1"), Catch::Contains("CAP_CHOWN") && Catch::Contains("ambient"));
    CHECK(num(rep, "CapEff") == cap_bits({Capability::Chown}));
    CHECK(num(rep, "CapAmb") == 0);
}

TEST_CASE("capabilities: unset leaves every set alone", "[process]") {
    auto rep = run_child([](Out& out) {
        Out before;
        put_caps(before);
        Process p = basic_process();
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("before", before.text());
        Out after;
        put_caps(after);
        out.put("after", after.text());
        return 0;
    });
    REQUIRE(rep.at("ok") == "yes");
    CHECK(rep.at("before") == rep.at("after"));
}

TEST_CASE("capabilities: kept through the switch to uid 1000", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        p.user.uid = 1000;
        p.user.gid = 1000;
        p.capabilities = same_caps({Capability::NetBindService, Capability::Kill});
        process::Warnings w;
        auto r = process::prepare(p, {}, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("uid", static_cast<long long>(::geteuid()));
        out.put("keepcaps", ::prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
        put_caps(out);
        return 0;
    });
    REQUIRE(rep.at("ok") == "yes");
    CHECK(rep.at("uid") == "1000");
    CHECK(rep.at("keepcaps") == "0");
    uint64_t want = cap_bits({Capability::NetBindService, Capability::Kill});
    CHECK(num(rep, "CapEff") == want);
    CHECK(num(rep, "CapPrm") == want);
    CHECK(num(rep, "CapAmb") == want);
    CHECK(num(rep, "CapBnd") == want);
}

TEST_CASE("capabilities: ambient caps survive exec as a non-root user", "[process]") {
    // The exec'd shell checks its own effective set; exit 0 = CAP_NET_BIND_SERVICE only.
    auto run = [](bool ambient) {
        return run_child([ambient](Out&) {
            Process p = basic_process();
            p.user.uid = 1000;
            p.user.gid = 1000;
            p.capabilities = same_caps({Capability::NetBindService});
            if (!ambient) p.capabilities->ambient.clear();
            p.args = {"/bin/sh", "-c",
                      "grep -q '^CapEff:[[:space:]]*0000000000000400$' /proc/self/status"};
            process::Warnings w;
            if (!process::prepare(p, {}, w)) return 90;
            process::exec(p);
            return 91;
        });
    };
    CHECK(run(true).code == 0);
    CHECK(run(false).code == 1);
}

TEST_CASE("seccomp callback runs late with CAP_SYS_ADMIN effective", "[process]") {
    TempDir dir;
    auto rep = run_child([&](Out& out) {
        Process p = basic_process();
        p.user.uid = 1000;
        p.user.gid = 1000;
        p.cwd = dir.path();
        p.capabilities = same_caps({}); // drop everything afterwards
        process::Options opts;
        int calls = 0;
        opts.load_seccomp = [&]() -> Result<void> {
            ++calls;
            cap_t c = ::cap_get_proc();
            cap_flag_value_t v = CAP_CLEAR;
            ::cap_get_flag(c, CAP_SYS_ADMIN, CAP_EFFECTIVE, &v);
            ::cap_free(c);
            out.put("admin_in_callback", v == CAP_SET ? "yes" : "no");
            out.put("uid_in_callback", static_cast<long long>(::geteuid()));
            char buf[4096];
            out.put("cwd_in_callback", ::getcwd(buf, sizeof(buf)) ? buf : "?");
            return {};
        };
        process::Warnings w;
        auto r = process::prepare(p, opts, w);
        out.put("ok", r ? "yes" : r.error().message());
        out.put("calls", calls);
        put_caps(out);
        return 0;
    });
    REQUIRE(rep.at("ok") == "yes");
    CHECK(rep.at("calls") == "1");
    CHECK(rep.at("admin_in_callback") == "yes");
    CHECK(rep.at("uid_in_callback") == "1000");
    CHECK(rep.at("cwd_in_callback") == dir.path());
    CHECK(num(rep, "CapEff") == 0);
    CHECK(num(rep, "CapPrm") == 0);
    CHECK(num(rep, "CapBnd") == 0);
}

TEST_CASE("seccomp callback error aborts prepare with context", "[process]") {
    auto rep = run_child([](Out& out) {
        Process p = basic_process();
        process::Options opts;
        opts.load_seccomp = []() -> Result<void> { return fail_sys(EINVAL, "seccomp_load"); };
        process::Warnings w;
        auto r = process::prepare(p, opts, w);
        out.put("err", r ? "none" : r.error().message());
        return 0;
    });
    CHECK(rep.at("err") == "load seccomp: seccomp_load: Invalid argument");
}

TEST_CASE("cap_last_cap matches the kernel", "[process]") {
    int last = process::cap_last_cap();
    CHECK(last >= cap_number(Capability::AuditRead));
    CHECK(::prctl(PR_CAPBSET_READ, last, 0, 0, 0) >= 0);
    CHECK(::prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) < 0);
}
