// The hull binary cannot be overwritten from a container (CVE-2019-5736; docs/security.md).
//
// An attacker container (root, no user namespace, so its root may write hull's file) keeps
// opening every /proc/<pid>/exe it sees that is hull's file, tries to open it for writing at
// once and again through the kept fds once hull has exited, and does the same with the
// sealed trampoline memfds. Meanwhile hull starts processes among it: `exec` into the
// attacker itself, or `run` of a second container that joins the attacker's pid namespace.
// Half of those processes are a "#!/proc/self/exe" script (the original exploit: the kernel
// resolves the interpreter in the context of the process that execs it), half plain /probe
// (whose hull process is visible while it sets up). hull is dynamically linked, so the images
// carry its loader and libraries, as any glibc image does.
//
// The control runs the same attack against a copy of hull-unguarded (built without the
// guard) and must overwrite that copy: the attack is real.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace spectest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kRefusal = "hull-trampoline: only hull starts this program";

void copy_libraries(const Bundle& b, const std::string& binary) {
    RunResult ldd = run_command({"/usr/bin/ldd", binary});
    // hull is linked static (docs/performance.md): it runs with no library beside it.
    if (ldd.exit_code != 0 && ldd.err.find("not a dynamic executable") != std::string::npos) return;
    REQUIRE(ldd.exit_code == 0);
    for (const auto& line : lines_of(ldd.out)) {
        auto slash = line.find('/');
        if (slash == std::string::npos) continue;
        std::string path = line.substr(slash, line.find(' ', slash) - slash);
        fs::create_directories(fs::path(b.host_path(path)).parent_path());
        fs::copy_file(path, b.host_path(path), fs::copy_options::overwrite_existing);
    }
}

// /evil is a script run by hull's own binary when /proc/self/exe is hull.
void plant_evil(const Bundle& b, const std::string& hull) {
    copy_libraries(b, hull);
    write_text(b.host_path("/evil"), "#!/proc/self/exe --version\n");
    fs::permissions(b.host_path("/evil"), fs::perms(0755));
}

enum class Route { Exec, Run };

struct Outcome {
    json report; // the attacker's counts (probe attack-exe)
    bool binary_changed = false;
    int hull_ran = 0;  // /evil printed hull's version: hull ran inside the container
    int refused = 0;   // /evil hit the trampoline instead, which refused
    int probes_ok = 0; // plain /probe processes that ran normally
};

Outcome attack(const std::string& hull, Route route) {
    const std::string before = read_text(hull);
    struct stat st {};
    REQUIRE(::stat(hull.c_str(), &st) == 0);
    Bundle a;
    plant_evil(a, hull);
    a.set_args({"/probe", "attack-exe", std::to_string(st.st_dev), std::to_string(st.st_ino),
                "/tmp/stop", "/tmp/attack.json"});
    a.config["process"].erase("noNewPrivileges");
    REQUIRE(a.create().exit_code == 0);
    REQUIRE(a.start().exit_code == 0);
    const long attacker = a.state()["pid"].get<long>();

    // The victim container of Route::Run shares the attacker's pid namespace.
    Bundle v;
    plant_evil(v, hull);
    for (auto& ns : v.config["linux"]["namespaces"])
        if (ns["type"] == "pid") ns["path"] = "/proc/" + std::to_string(attacker) + "/ns/pid";
    auto start = [&](const std::string& what, int i) {
        if (route == Route::Exec)
            return run_command({hull, "--root", a.state_root, "exec", a.id, what});
        v.set_args({what});
        v.write();
        return run_command({hull, "--root", v.state_root, "run", "--bundle", v.dir,
                            v.id + "-" + std::to_string(i)});
    };
    Outcome out;
    for (int i = 0; i < 8; ++i) {
        RunResult e = start("/evil", 2 * i);
        if (e.exit_code == 0 && e.out.find("version") != std::string::npos) ++out.hull_ran;
        if (e.exit_code == 126 && e.err.find(kRefusal) != std::string::npos) ++out.refused;
        RunResult p = start("/probe", 2 * i + 1);
        if (p.exit_code == 0 && p.out.find("\"pid\"") != std::string::npos) ++out.probes_ok;
    }
    write_text(a.host_path("/tmp/stop"), "");
    REQUIRE(wait_until([&] { return path_exists(a.host_path("/tmp/attack.json")); }, 20000));
    out.report = json::parse(read_text(a.host_path("/tmp/attack.json")));
    out.binary_changed = read_text(hull) != before;
    return out;
}

void check_protected(const Outcome& o) {
    INFO(o.report.dump());
    CHECK(o.probes_ok == 8);
    CHECK(o.refused == 8); // every /evil reached the trampoline, not hull
    CHECK(o.hull_ran == 0);
    CHECK(o.report["scans"].get<long>() >= 2);
    CHECK(o.report["hull_seen"] == 0); // no hull process was ever open to it
    CHECK(o.report["write_opens"] == 0);
    CHECK(o.report["trampoline_written"] == 0); // sealed
    CHECK_FALSE(o.binary_changed);
}

void check_overwritten(const Outcome& o) {
    INFO(o.report.dump());
    CHECK(o.hull_ran >= 1);
    CHECK(o.report["hull_seen"].get<long>() >= 1);
    CHECK(o.report["write_opens"].get<long>() >= 1);
    CHECK(o.binary_changed);
}

std::string unguarded_copy() {
    const std::string copy = temp_dir() + "/hull-copy";
    fs::copy_file(unguarded_binary(), copy);
    fs::permissions(copy, fs::perms(0755));
    return copy;
}

} // namespace

TEST_CASE("exe guard: exec cannot give a container hull's binary", "[exec][cve]") {
    SECTION("the binary stays byte-identical") {
        check_protected(attack(hull_binary(), Route::Exec));
    }
    SECTION("control: hull-unguarded is overwritten") {
        check_overwritten(attack(unguarded_copy(), Route::Exec));
    }
}

TEST_CASE("exe guard: create/run cannot give a container hull's binary", "[cve]") {
    SECTION("the binary stays byte-identical") {
        check_protected(attack(hull_binary(), Route::Run));
    }
    SECTION("control: hull-unguarded is overwritten") {
        check_overwritten(attack(unguarded_copy(), Route::Run));
    }
}

TEST_CASE("exe guard: the process through the trampoline is the user's program and nothing "
          "else",
          "[cve]") {
    Bundle b;
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json rep = Bundle::probe_report(r);
    CHECK(rep["exe"] == "/probe");
    CHECK(rep["args"] == json::array({"/probe"}));
    CHECK(rep["dumpable"] == 1); // the execve made it an ordinary process again
    // Neither exec.fifo (the trampoline's report fd) nor the memfd leaked into it.
    CHECK(rep["fds"].size() == 3);
    CHECK(rep["fds"].contains("0"));
    CHECK(rep["fds"].contains("1"));
    CHECK(rep["fds"].contains("2"));
}

TEST_CASE("exe guard: an execve error of the user's program still fails `start` with "
          "the same text",
          "[cve]") {
    for (const std::string& hull : {hull_binary(), unguarded_binary()}) {
        Bundle b;
        // Executable bit, neither ELF nor "#!": only the execve itself can refuse it.
        write_text(b.host_path("/notelf"), "just text\n");
        fs::permissions(b.host_path("/notelf"), fs::perms(0755));
        b.set_args({"/notelf"});
        b.write();
        RunResult c =
            run_command({hull, "--root", b.state_root, "create", "--bundle", b.dir, b.id});
        INFO(hull << "\n" << describe(c));
        REQUIRE(c.exit_code == 0);
        RunResult s = run_command({hull, "--root", b.state_root, "start", b.id});
        INFO(describe(s));
        CHECK(s.exit_code != 0);
        CHECK(s.err.find("exec /notelf: exec format error") != std::string::npos);
    }
}

TEST_CASE("exe guard: the init is not dumpable, and oomScoreAdj still reaches a process in "
          "its own user namespace",
          "[cve][userns]") {
    Bundle b;
    const json map = json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = map;
    b.config["linux"]["gidMappings"] = map;
    b.config["process"]["oomScoreAdj"] = 600;
    b.chown_rootfs(100000, 100000);
    RunResult c = b.create();
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);
    // Created, still hull's code: its /proc files belong to host root, not to its own user.
    const std::string init = "/proc/" + std::to_string(b.state()["pid"].get<long>());
    struct stat st {};
    REQUIRE(::stat((init + "/exe").c_str(), &st) == 0);
    CHECK(st.st_uid == 0);
    CHECK(std::stoi(read_text(init + "/oom_score_adj")) == 600);
    REQUIRE(b.start().exit_code == 0);
}

TEST_CASE("exe guard: a seccomp profile that refuses execveat still starts the program",
          "[cve][seccomp]") {
    // The trampoline is then exec'd through /proc/self/fd/N with plain execve.
    Bundle b;
    b.config["linux"]["seccomp"] = {{"defaultAction", "SCMP_ACT_ALLOW"},
                                    {"syscalls", json::array({{{"names", json::array({"execveat"})},
                                                               {"action", "SCMP_ACT_ERRNO"},
                                                               {"errnoRet", 1}}})}};
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json rep = Bundle::probe_report(r);
    CHECK(rep["exe"] == "/probe");
    CHECK(rep["seccomp"] == 2);
}
