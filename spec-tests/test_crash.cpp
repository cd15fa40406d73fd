// [crash] SIGKILL of `create` at several points, then `delete --force`: no state entry (temp
// reservations included), mount, cgroup or process may be left. [race] same-id creates,
// concurrent starts, and `list` while containers come and go. Each test prints its counts.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace spectest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        out.push_back(e.path().filename().string());
    return out;
}

// Processes whose command line names `id` (the init is a clone of `hull create ... <id>`)
// or whose root is the bundle's rootfs.
int processes_of(const Bundle& b) {
    struct stat want {};
    bool have_root = ::stat(b.rootfs.c_str(), &want) == 0;
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (std::stoi(name) == ::getpid()) continue;
        std::string cmd = read_text("/proc/" + name + "/cmdline");
        for (auto& c : cmd)
            if (c == '\0') c = ' ';
        bool mine = cmd.find(" " + b.id + " ") != std::string::npos ||
                    cmd.ends_with(" " + b.id + " ") || cmd.ends_with(" " + b.id);
        // Zombies are not processes left running (their parent, the harness, reaps them).
        std::string stat = read_text("/proc/" + name + "/stat");
        auto close = stat.rfind(')');
        if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z')
            continue;
        struct stat st {};
        if (have_root && ::stat(("/proc/" + name + "/root").c_str(), &st) == 0 &&
            st.st_dev == want.st_dev && st.st_ino == want.st_ino)
            mine = true;
        if (mine) n++;
    }
    return n;
}

int mounts_of(const Bundle& b) {
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    int n = 0;
    while (std::getline(in, line))
        if (line.find(b.dir) != std::string::npos) n++;
    return n;
}

int cgroups_of(const Bundle& b) {
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/sys/fs/cgroup", ec))
        if (fs::exists(e.path() / "hull" / b.id, ec)) n++;
    if (fs::exists("/sys/fs/cgroup/hull/" + b.id, ec)) n++;
    return n;
}

SpawnOptions logs_to(const std::string& out, const std::string& err) {
    SpawnOptions o;
    o.stdout_file = out;
    o.stderr_file = err;
    return o;
}

struct Leftovers {
    int state = 0, processes = 0, mounts = 0, cgroups = 0;
    int total() const { return state + processes + mounts + cgroups; }
};

// After `delete --force`: what is left of the container (processes get a moment to notice
// their parent's death).
Leftovers leftovers(const Bundle& b) {
    Leftovers l;
    wait_until([&] { return processes_of(b) == 0; }, 3000);
    l.processes = processes_of(b);
    l.state = static_cast<int>(entries(b.state_root).size());
    l.mounts = mounts_of(b);
    l.cgroups = cgroups_of(b);
    return l;
}

} // namespace

TEST_CASE("crash: SIGKILL of create at random points, then delete --force, leaves nothing",
          "[crash]") {
    Bundle b;
    b.set_args({"/bin/sh", "-c", "sleep 30"});
    b.write();
    std::mt19937 rng(12345);
    // Delays spread over the whole create: before the clone, after it, during the mounts,
    // and (the longest) while the init waits for start.
    const int kills = 16;
    int killed_running = 0, left = 0;
    std::string log_dir = temp_dir();
    for (int i = 0; i < kills; i++) {
        int delay_ms = i == kills - 1 ? 1500 : static_cast<int>(rng() % 120);
        int pid = spawn_command(
            {hull_binary(), "--root", b.state_root, "create", "--bundle", b.dir, b.id},
            logs_to(log_dir + "/out", log_dir + "/err"));
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        if (::kill(pid, SIGKILL) == 0) killed_running++;
        wait_command(pid, 30);
        auto d = b.remove(true);
        auto l = leftovers(b);
        INFO("kill " << i << " after " << delay_ms << " ms: state " << l.state << ", processes "
                     << l.processes << ", mounts " << l.mounts << ", cgroups " << l.cgroups << "\n"
                     << describe(d));
        CHECK(l.total() == 0);
        if (l.total()) left++;
    }
    WARN("crash: " << kills << " SIGKILLs of create (" << killed_running
                   << " while it ran), leftovers after delete --force: " << left);
}

TEST_CASE("crash: SIGKILL of create while its createRuntime hook runs, then delete --force",
          "[crash]") {
    Bundle b;
    std::string mark = temp_dir() + "/hook-ran";
    b.config["hooks"]["createRuntime"] =
        json::array({{{"path", "/bin/sh"}, {"args", {"sh", "-c", "touch " + mark + "; sleep 2"}}}});
    b.set_args({"/bin/sh", "-c", "sleep 30"});
    b.write();
    std::string log_dir = temp_dir();
    int pid =
        spawn_command({hull_binary(), "--root", b.state_root, "create", "--bundle", b.dir, b.id},
                      logs_to(log_dir + "/out", log_dir + "/err"));
    REQUIRE(wait_until([&] { return ::access(mark.c_str(), F_OK) == 0; }, 15000));
    REQUIRE(::kill(pid, SIGKILL) == 0); // the namespaces and mounts exist, the init waits
    wait_command(pid, 30);
    auto d = b.remove(true);
    INFO(describe(d));
    auto l = leftovers(b);
    WARN("crash during hook: state " << l.state << ", processes " << l.processes << ", mounts "
                                     << l.mounts << ", cgroups " << l.cgroups);
    CHECK(l.total() == 0);
}

TEST_CASE("crash: a reservation left by a killed create is swept by list and delete", "[crash]") {
    Bundle b;
    // What a create killed between its mkdir and its rename leaves.
    bool made = ::mkdir(b.state_root.c_str(), 0700) == 0 || errno == EEXIST;
    REQUIRE(made);
    REQUIRE(::mkdir((b.state_root + "/.tmp~0dead0ff").c_str(), 0700) == 0);
    write_text(b.state_root + "/.tmp~0dead0ff/state.json", "{}");
    auto l = b.hull("list", "-q");
    INFO(describe(l));
    CHECK(l.exit_code == 0);
    CHECK(entries(b.state_root).empty());
    REQUIRE(::mkdir((b.state_root + "/.tmp~0dead0fe").c_str(), 0700) == 0);
    (void)b.remove(true);
    CHECK(entries(b.state_root).empty());
}

TEST_CASE("race: concurrent creates of one id have exactly one winner", "[race]") {
    Bundle b;
    b.set_args({"/bin/sh", "-c", "sleep 30"});
    b.write();
    const int rounds = 4, racers = 4;
    int bad_rounds = 0;
    std::string log_dir = temp_dir();
    for (int r = 0; r < rounds; r++) {
        std::vector<int> pids;
        for (int k = 0; k < racers; k++)
            pids.push_back(spawn_command(
                {hull_binary(), "--root", b.state_root, "create", "--bundle", b.dir, b.id},
                logs_to("", log_dir + "/err" + std::to_string(k))));
        int winners = 0, exists = 0;
        for (int k = 0; k < racers; k++) {
            if (wait_command(pids[k], 60) == 0)
                winners++;
            else if (read_text(log_dir + "/err" + std::to_string(k)).find("already exists") !=
                     std::string::npos)
                exists++;
        }
        INFO("round " << r << ": " << winners << " winners, " << exists << " 'already exists'");
        CHECK(winners == 1);
        CHECK(exists == racers - 1);
        if (winners != 1) bad_rounds++;
        CHECK(b.remove(true).exit_code == 0);
        CHECK(leftovers(b).total() == 0);
    }
    WARN("race: " << rounds << " rounds of " << racers << " same-id creates, " << bad_rounds
                  << " without exactly one winner");
}

TEST_CASE("race: two concurrent starts run the process once", "[race]") {
    const int rounds = 3;
    int twice = 0;
    for (int r = 0; r < rounds; r++) {
        Bundle b;
        b.set_args({"/bin/sh", "-c", "echo ran >> /tmp/count; sleep 30"});
        REQUIRE(b.create().exit_code == 0);
        std::string log_dir = temp_dir();
        int p1 = spawn_command({hull_binary(), "--root", b.state_root, "start", b.id},
                               logs_to("", log_dir + "/e1"));
        int p2 = spawn_command({hull_binary(), "--root", b.state_root, "start", b.id},
                               logs_to("", log_dir + "/e2"));
        int s1 = wait_command(p1, 30), s2 = wait_command(p2, 30);
        INFO("exit " << s1 << " / " << s2 << "\n"
                     << read_text(log_dir + "/e1") << "\n"
                     << read_text(log_dir + "/e2"));
        int started = (s1 == 0 ? 1 : 0) + (s2 == 0 ? 1 : 0);
        CHECK(started == 1);
        wait_until([&] { return !read_text(b.host_path("/tmp/count")).empty(); }, 5000);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::string count = read_text(b.host_path("/tmp/count"));
        CHECK(count == "ran\n");
        if (count != "ran\n") twice++;
        CHECK(b.remove(true).exit_code == 0);
    }
    WARN("race: " << rounds << " double starts, " << twice << " ran the process other than once");
}

TEST_CASE("race: list while containers come and go never fails", "[race]") {
    Bundle b;
    b.set_args({"/bin/sh", "-c", "sleep 30"});
    b.write();
    std::atomic<bool> stop{false};
    std::atomic<int> cycles{0};
    std::thread churn([&] {
        for (int i = 0; !stop && i < 200; i++) {
            std::string id = b.id + "-" + std::to_string(i % 3);
            (void)run_command(
                {hull_binary(), "--root", b.state_root, "create", "--bundle", b.dir, id});
            (void)run_command({hull_binary(), "--root", b.state_root, "delete", "--force", id});
            cycles++;
        }
    });
    int lists = 0, failed = 0;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(4);
    while (std::chrono::steady_clock::now() < until || cycles < 2) {
        auto r = run_hull({"--root", b.state_root, "list", "--format", "json"});
        lists++;
        bool ok = r.exit_code == 0 && json::accept(r.out);
        if (!ok) {
            failed++;
            INFO(describe(r));
            CHECK(ok);
        }
    }
    stop = true;
    churn.join();
    for (int k = 0; k < 3; k++)
        (void)run_command({hull_binary(), "--root", b.state_root, "delete", "--force",
                           b.id + "-" + std::to_string(k)});
    WARN("race: " << lists << " lists during " << cycles << " create/delete cycles, " << failed
                  << " failed");
    CHECK(failed == 0);
    CHECK(entries(b.state_root).empty());
}
