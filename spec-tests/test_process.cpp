// Spec tests for `process` (config.md "Process", "User"; config-linux.md "Personality"):
// args and PATH lookup, env, cwd, user and groups, umask, the five capability sets,
// noNewPrivileges, rlimits, oomScoreAdj, ioPriority, scheduler, personality, memoryPolicy,
// LSM profiles and the fds the process starts with, checked from inside the container through the
// probe.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

using namespace spectest;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// "Key:\tvalue" of our own /proc/self/status.
std::string own_status(const std::string& key) {
    std::string st = read_text("/proc/self/status");
    auto pos = st.find("\n" + key + ":");
    if (pos == std::string::npos) return "";
    auto start = st.find_first_not_of(" \t", pos + key.size() + 2);
    return st.substr(start, st.find('\n', start) - start);
}

json caps(std::initializer_list<const char*> names) {
    json a = json::array();
    for (const char* n : names)
        a.push_back(n);
    return a;
}

} // namespace

TEST_CASE("args[0] is looked up in the container's PATH", "[process]") {
    Bundle b;
    b.config["process"]["env"] = json::array({"PATH=/nothing:/"});
    json rep = run_report(b, {"probe", "report"});
    CHECK(rep["exe"] == "/probe");
    CHECK(rep["args"] == json::array({"probe", "report"}));
}

TEST_CASE("a command missing from PATH is an error", "[process]") {
    Bundle b;
    b.set_args({"no-such-command"});
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("executable file not found in $PATH") != std::string::npos);
}

// As with runc, a command that does not exist fails `create`: callers (podman, docker) map
// that create error to 127 (and "permission denied" to 126). No container is left behind.
TEST_CASE("a missing command fails at create", "[process]") {
    for (const char* cmd : {"/no/such/file", "no-such-command", "bin/nothing"}) {
        Bundle b;
        b.set_args({cmd});
        RunResult c = b.create();
        INFO(cmd << ": " << describe(c));
        CHECK(c.exit_code != 0);
        CHECK((c.err.find("no such file or directory") != std::string::npos ||
               c.err.find("executable file not found in $PATH") != std::string::npos));
        CHECK(b.state().is_null());
    }
    Bundle ok; // found through PATH
    ok.set_args({"probe", "exit", "0"});
    ok.config["process"]["env"] = json::array({"PATH=/nothing:/"});
    CHECK(ok.create().exit_code == 0);
    CHECK(ok.remove(true).exit_code == 0);
}

TEST_CASE("a command without an execute bit fails at create", "[process]") {
    for (const char* cmd : {"/etc/passwd", "/tmp"}) {
        Bundle b;
        b.set_args({cmd});
        RunResult c = b.create();
        INFO(cmd << ": " << describe(c));
        CHECK(c.exit_code != 0);
        CHECK(c.err.find(std::string("exec ") + cmd + ": permission denied") != std::string::npos);
        CHECK(b.state().is_null());
    }
}

TEST_CASE("env is passed exactly as configured", "[process]") {
    Bundle b;
    json env = json::array({"PATH=/bin", "A=1", "SPACES=two words", "EMPTY=", "EQ=a=b"});
    b.config["process"]["env"] = env;
    json rep = run_report(b);
    CHECK(rep["env"] == env);
}

TEST_CASE("cwd is the configured directory", "[process]") {
    Bundle b;
    b.config["process"]["cwd"] = "/tmp";
    json rep = run_report(b);
    CHECK(rep["cwd"] == "/tmp");
}

TEST_CASE("a relative cwd is an error", "[process]") {
    Bundle b;
    b.config["process"]["cwd"] = "tmp";
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("\"pid\"") == std::string::npos);
}

TEST_CASE("user uid, gid and additionalGids", "[process]") {
    Bundle b;
    b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1001}, {"additionalGids", {5, 65534}}};
    json rep = run_report(b);
    for (const char* k : {"real", "effective", "saved", "fs"}) {
        INFO(k);
        CHECK(rep["uid"][k] == 1000);
        CHECK(rep["gid"][k] == 1001);
    }
    std::set<unsigned> groups;
    for (const auto& g : rep["groups"])
        groups.insert(g.get<unsigned>());
    CHECK(groups == std::set<unsigned>{5, 65534});
}

TEST_CASE("without additionalGids the supplementary groups are cleared", "[process]") {
    Bundle b;
    json rep = run_report(b);
    CHECK(rep["uid"]["effective"] == 0);
    CHECK(rep["groups"].empty());
}

TEST_CASE("umask is applied, and left alone when unset", "[process]") {
    Bundle b;
    b.config["process"]["user"]["umask"] = 027;
    CHECK(run_report(b)["umask"] == 027);

    Bundle u;
    mode_t ours = ::umask(0);
    ::umask(ours);
    CHECK(run_report(u)["umask"] == ours);
}

TEST_CASE("the five capability sets hold exactly the configured caps", "[process][caps]") {
    Bundle b;
    b.config["process"]["capabilities"] = {{"bounding", caps({"CAP_CHOWN", "CAP_KILL"})},
                                           {"permitted", caps({"CAP_CHOWN", "CAP_KILL"})},
                                           {"effective", caps({"CAP_CHOWN", "CAP_KILL"})},
                                           {"inheritable", caps({"CAP_KILL"})},
                                           {"ambient", caps({"CAP_KILL"})}};
    json rep = run_report(b);
    json hex = rep["capabilities"]["hex"];
    INFO(hex.dump());
    CHECK(hex["bounding"] == "0000000000000021");
    CHECK(hex["permitted"] == "0000000000000021");
    CHECK(hex["effective"] == "0000000000000021");
    CHECK(hex["inheritable"] == "0000000000000020");
    CHECK(hex["ambient"] == "0000000000000020");
}

TEST_CASE("ambient caps reach a non-root user", "[process][caps]") {
    Bundle b;
    b.config["process"]["user"] = {{"uid", 1000}, {"gid", 1000}};
    b.config["process"]["capabilities"] = {
        {"bounding", caps({"CAP_NET_BIND_SERVICE", "CAP_KILL"})},
        {"permitted", caps({"CAP_NET_BIND_SERVICE", "CAP_KILL"})},
        {"effective", caps({"CAP_NET_BIND_SERVICE", "CAP_KILL"})},
        {"inheritable", caps({"CAP_NET_BIND_SERVICE"})},
        {"ambient", caps({"CAP_NET_BIND_SERVICE"})}};
    json rep = run_report(b);
    json hex = rep["capabilities"]["hex"];
    INFO(hex.dump());
    CHECK(rep["uid"]["effective"] == 1000);
    CHECK(hex["bounding"] == "0000000000000420");
    CHECK(hex["inheritable"] == "0000000000000400");
    CHECK(hex["ambient"] == "0000000000000400");
    CHECK(hex["permitted"] == "0000000000000400");
    CHECK(hex["effective"] == "0000000000000400");
}

TEST_CASE("empty capability lists clear every set", "[process][caps]") {
    Bundle b;
    b.config["process"]["capabilities"] = {{"bounding", json::array()},
                                           {"permitted", json::array()},
                                           {"effective", json::array()},
                                           {"inheritable", json::array()},
                                           {"ambient", json::array()}};
    json rep = run_report(b);
    for (const char* set : {"bounding", "permitted", "effective", "inheritable", "ambient"}) {
        INFO(set);
        CHECK(rep["capabilities"]["hex"][set] == "0000000000000000");
    }
}

TEST_CASE("without a capabilities object root keeps the runtime's caps", "[process][caps]") {
    Bundle b;
    b.config["process"].erase("capabilities");
    json rep = run_report(b);
    json hex = rep["capabilities"]["hex"];
    INFO(hex.dump());
    CHECK(hex["bounding"] == own_status("CapBnd"));
    CHECK(hex["permitted"] == own_status("CapBnd"));
    CHECK(hex["effective"] == own_status("CapBnd"));
    CHECK(hex["ambient"] == "0000000000000000");
}

TEST_CASE("root without CAP_CHOWN cannot chown", "[process][caps]") {
    Bundle b; // base caps: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE
    b.set_args({"/probe", "chown", "/tmp", "1", "1"});
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("chown /tmp: Operation not permitted") != std::string::npos);

    Bundle ok;
    ok.config["process"]["capabilities"] = {{"bounding", caps({"CAP_CHOWN"})},
                                            {"permitted", caps({"CAP_CHOWN"})},
                                            {"effective", caps({"CAP_CHOWN"})}};
    ok.set_args({"/probe", "chown", "/tmp", "1", "1"});
    RunResult r2 = ok.run();
    INFO(describe(r2));
    CHECK(r2.exit_code == 0);
}

TEST_CASE("an unknown capability is a warning, not an error", "[process][caps]") {
    Bundle b;
    b.config["process"]["capabilities"]["bounding"].push_back("CAP_NO_SUCH_THING");
    json rep = run_report(b);
    CHECK(rep["capabilities"]["names"]["bounding"] ==
          caps({"CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"}));
}

TEST_CASE("noNewPrivileges", "[process]") {
    Bundle on;
    on.config["process"]["noNewPrivileges"] = true;
    CHECK(run_report(on)["no_new_privs"] == 1);
    Bundle off;
    off.config["process"]["noNewPrivileges"] = false;
    CHECK(run_report(off)["no_new_privs"] == 0);
    Bundle unset;
    unset.config["process"].erase("noNewPrivileges");
    CHECK(run_report(unset)["no_new_privs"] == 0);
}

TEST_CASE("rlimits are set exactly", "[process][rlimits]") {
    Bundle b;
    b.config["process"]["rlimits"] = json::array({
        {{"type", "RLIMIT_NOFILE"}, {"soft", 1024}, {"hard", 2048}},
        {{"type", "RLIMIT_CORE"}, {"soft", 4096}, {"hard", 8192}},
        {{"type", "RLIMIT_NPROC"}, {"soft", 500}, {"hard", 600}},
        {{"type", "RLIMIT_STACK"}, {"soft", 4194304}, {"hard", 8388608}},
    });
    json rl = run_report(b)["rlimits"];
    INFO(rl.dump());
    CHECK(rl["RLIMIT_NOFILE"] == json({{"soft", 1024}, {"hard", 2048}}));
    CHECK(rl["RLIMIT_CORE"] == json({{"soft", 4096}, {"hard", 8192}}));
    CHECK(rl["RLIMIT_NPROC"] == json({{"soft", 500}, {"hard", 600}}));
    CHECK(rl["RLIMIT_STACK"] == json({{"soft", 4194304}, {"hard", 8388608}}));
}

TEST_CASE("raising a hard rlimit without CAP_SYS_RESOURCE fails naming it", "[process][rlimits]") {
    // This host lacks CAP_SYS_RESOURCE in its bounding set (host.md): the hard NOFILE limit
    // of the runtime cannot be raised above its current value (20000 here).
    rlimit cur{};
    ::getrlimit(RLIMIT_NOFILE, &cur);
    if (cur.rlim_max == RLIM_INFINITY || own_status("CapEff").empty()) {
        WARN("hard NOFILE unlimited: nothing to raise");
        return;
    }
    bool have_sys_resource = (std::stoull(own_status("CapEff"), nullptr, 16) >> 24) & 1;
    Bundle b;
    std::uint64_t want = static_cast<std::uint64_t>(cur.rlim_max) + 1000;
    b.config["process"]["rlimits"] =
        json::array({{{"type", "RLIMIT_NOFILE"}, {"soft", want}, {"hard", want}}});
    RunResult r = b.run();
    INFO(describe(r));
    if (have_sys_resource) {
        REQUIRE(r.exit_code == 0);
        CHECK(Bundle::probe_report(r)["rlimits"]["RLIMIT_NOFILE"]["hard"] == want);
    } else {
        CHECK(r.exit_code != 0);
        CHECK(lower(r.err).find("nofile") != std::string::npos);
        CHECK(r.out.find("\"pid\"") == std::string::npos);
    }
}

TEST_CASE("duplicate rlimit types are an error", "[process][rlimits]") {
    Bundle b;
    b.config["process"]["rlimits"].push_back(
        {{"type", "RLIMIT_NOFILE"}, {"soft", 512}, {"hard", 512}});
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("\"pid\"") == std::string::npos);
}

TEST_CASE("an unknown rlimit type is an error", "[process][rlimits]") {
    Bundle b;
    b.config["process"]["rlimits"] =
        json::array({{{"type", "RLIMIT_BOGUS"}, {"soft", 1}, {"hard", 1}}});
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("\"pid\"") == std::string::npos);
}

TEST_CASE("oomScoreAdj is set, and untouched when unset", "[process]") {
    Bundle b;
    b.config["process"]["oomScoreAdj"] = 500;
    CHECK(run_report(b)["oom_score_adj"] == 500);

    Bundle u;
    int ours = std::stoi(read_text("/proc/self/oom_score_adj"));
    CHECK(run_report(u)["oom_score_adj"] == ours);
}

TEST_CASE("ioPriority is applied", "[process]") {
    Bundle b;
    b.config["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_BE"}, {"priority", 6}};
    json io = run_report(b)["ioprio"];
    INFO(io.dump());
    CHECK(io["class"] == "IOPRIO_CLASS_BE");
    CHECK(io["priority"] == 6);

    Bundle idle;
    idle.config["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_IDLE"}, {"priority", 0}};
    CHECK(run_report(idle)["ioprio"]["class"] == "IOPRIO_CLASS_IDLE");
}

TEST_CASE("scheduler policy and nice are applied", "[process]") {
    Bundle b;
    b.config["process"]["scheduler"] = {{"policy", "SCHED_BATCH"}, {"nice", 5}};
    json s = run_report(b)["scheduler"];
    INFO(s.dump());
    CHECK(s["policy"] == "SCHED_BATCH");
    CHECK(s["nice"] == 5);
    CHECK(s["getpriority"] == 5);

    Bundle idle;
    idle.config["process"]["scheduler"] = {{"policy", "SCHED_IDLE"}};
    CHECK(run_report(idle)["scheduler"]["policy"] == "SCHED_IDLE");
}

TEST_CASE("personality LINUX32 changes uname -m", "[process]") {
    Bundle b;
    b.config["linux"]["personality"] = {{"domain", "LINUX32"}};
    b.set_args({"/bin/uname", "-m"});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "i686\n");

    Bundle p;
    p.config["linux"]["personality"] = {{"domain", "LINUX32"}};
    CHECK(run_report(p)["personality"]["domain"] == "LINUX32");
}

TEST_CASE("linux.memoryPolicy is the process's NUMA policy; a bad node fails start",
          "[process][mempolicy]") {
    Bundle b;
    b.config["linux"]["memoryPolicy"] = {
        {"mode", "MPOL_BIND"}, {"nodes", "0"}, {"flags", json::array({"MPOL_F_STATIC_NODES"})}};
    json pol = run_report(b)["mempolicy"];
    INFO(pol.dump());
    CHECK(pol["mode"] == "MPOL_BIND");
    CHECK(pol["nodes"] == json::array({0}));
    CHECK(pol["flags"] == json::array({"MPOL_F_STATIC_NODES"}));

    Bundle u; // unset: the runtime's own (default) policy
    CHECK(run_report(u)["mempolicy"]["mode"] == "MPOL_DEFAULT");

    Bundle bad;
    bad.config["linux"]["memoryPolicy"] = {{"mode", "MPOL_INTERLEAVE"}, {"nodes", "4000"}};
    REQUIRE(bad.create().exit_code == 0);
    RunResult s = bad.start();
    CHECK(s.exit_code == 1);
    CHECK(s.err.find("linux.memoryPolicy: set_mempolicy MPOL_INTERLEAVE: Invalid argument") !=
          std::string::npos);
}

TEST_CASE("an apparmorProfile on a host without AppArmor is a clear error", "[process][lsm]") {
    if (fs::exists("/sys/kernel/security/apparmor") || fs::exists("/sys/module/apparmor")) {
        WARN("AppArmor present on this host");
        return;
    }
    Bundle b;
    b.config["process"]["apparmorProfile"] = "hull-test-profile";
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(lower(r.err).find("apparmor") != std::string::npos);
    CHECK(r.out.find("\"pid\"") == std::string::npos);
}

TEST_CASE("only stdin, stdout and stderr are open", "[process][fds]") {
    Bundle b;
    json fds = run_report(b)["fds"];
    INFO(fds.dump());
    std::set<std::string> keys;
    for (auto it = fds.begin(); it != fds.end(); ++it)
        keys.insert(it.key());
    CHECK(keys == std::set<std::string>{"0", "1", "2"});
}

TEST_CASE("--preserve-fds keeps extra fds open", "[process][fds]") {
    Bundle b;
    b.write();
    std::string extra = temp_dir() + "/extra";
    write_text(extra, "x");
    // run_command closes everything above 2, so open fd 3 in a shell that execs hull.
    std::string script = "exec 3<'" + extra + "'; exec '" + hull_binary() + "'";
    for (const auto& a : b.hull_args({"run", "--preserve-fds", "1", "--bundle", b.dir, b.id}))
        script += " '" + a + "'";
    RunResult r = run_command({"/bin/sh", "-c", script});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json fds = Bundle::probe_report(r)["fds"];
    INFO(fds.dump());
    CHECK(fds.contains("3"));
    CHECK_FALSE(fds.contains("4"));
}
