// Spec tests for `checkpoint` and `restore` (docs/checkpoint.md). criu needs a kernel it
// works on: the [checkpoint] tests are hidden and run in the criu lane (tools/criu-lane.sh, a
// QEMU guest with Debian's 6.1 kernel); [criu] runs everywhere and checks that `checkpoint`
// says clearly when criu cannot work on the machine.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <utility>

using namespace spectest;
using nlohmann::json;

namespace {

// criu's path, "" when it is not installed.
std::string criu_path() {
    for (const char* p : {"/usr/sbin/criu", "/usr/bin/criu", "/sbin/criu", "/usr/local/sbin/criu"})
        if (access(p, X_OK) == 0) return p;
    return {};
}

// A busybox loop that counts into `file` (inside the container) five times a second. Its
// stdio is the container's own /dev/null, so criu finds nothing outside the container.
// Without a network namespace of its own unless `netns` (see the network namespace test).
enum class NetNs { Host, Own };
void counter(Bundle& b, const std::string& file = "/tmp/count", NetNs netns = NetNs::Host) {
    if (netns == NetNs::Host) {
        auto& ns = b.config["linux"]["namespaces"];
        for (auto it = ns.begin(); it != ns.end(); ++it)
            if ((*it)["type"] == "network") {
                ns.erase(it);
                break;
            }
    }
    // its own session: criu refuses a session leader outside the container (without
    // --shell-job)
    b.set_args({"/bin/busybox", "setsid", "/bin/sh", "-c",
                "exec </dev/null >/dev/null 2>&1; i=0; while true; do i=$((i+1)); echo $i > " +
                    file + "; sleep 0.2; done"});
}

long read_count(const std::string& host_file) {
    std::string t = trimmed(read_text(host_file));
    return t.empty() ? -1 : std::atol(t.c_str());
}

// Runs the container detached and waits until it has counted to at least 3.
void start_counter(Bundle& b, const std::string& host_file) {
    b.write();
    auto r = b.hull({"run", "--detach", "--bundle", b.dir, b.id});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    REQUIRE(wait_until([&] { return read_count(host_file) >= 3; }, 20000));
}

// The count no longer moves (the processes are gone or frozen); returns it.
long stopped_count(const std::string& host_file) {
    long a = read_count(host_file);
    usleep(800000);
    long b = read_count(host_file);
    CHECK(a == b);
    return b;
}

// The count goes on from `from` (never back to 1): it passes from + 3.
void counts_on(const std::string& host_file, long from) {
    long first = read_count(host_file);
    CHECK(first >= from);
    CHECK(wait_until([&] { return read_count(host_file) >= from + 3; }, 20000));
    INFO("count " << read_count(host_file) << ", checkpointed at " << from);
    CHECK(read_count(host_file) > from);
}

// criu's log around its failure, added to a failed command's stderr for the report: the
// lines that say what went wrong, and the 25 lines before it starts to roll back.
void add_criu_log(RunResult& r, const std::string& log) {
    if (r.exit_code == 0) return;
    auto lines = lines_of(read_text(log));
    size_t end = lines.size();
    for (size_t i = 0; i < lines.size(); ++i)
        if (lines[i].find("Unlock network") != std::string::npos ||
            lines[i].find("Unfreezing tasks") != std::string::npos ||
            lines[i].find("Restore failed") != std::string::npos) {
            end = i;
            break;
        }
    r.err += "--- " + log + ": what failed ---\n";
    for (const auto& l : lines)
        if (l.find("Error") != std::string::npos || l.find("Warn") != std::string::npos ||
            l.find("fail") != std::string::npos || l.find("Can't") != std::string::npos)
            r.err += l + "\n";
    r.err += "--- before the rollback ---\n";
    for (size_t i = end > 60 ? end - 60 : 0; i < end; ++i)
        r.err += lines[i] + "\n";
}

// hull checkpoint --image-path <images> [more...] <id>
RunResult checkpoint(Bundle& b, const std::string& images, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"checkpoint", "--image-path", images};
    args.insert(args.end(), more.begin(), more.end());
    args.push_back(b.id);
    auto r = b.hull(args);
    bool pre = std::ranges::find(more, "--pre-dump") != more.end();
    add_criu_log(r, images + (pre ? "/pre-dump.log" : "/dump.log"));
    return r;
}

RunResult restore(Bundle& b, const std::string& images, const std::string& id) {
    auto r = b.hull({"restore", "--detach", "--image-path", images, "--bundle", b.dir, id});
    add_criu_log(r, images + "/restore.log");
    return r;
}

// The cgroup v2 directory a process is in ("" elsewhere).
std::string cgroup_dir_of(long pid) {
    for (const auto& l : lines_of(read_text("/proc/" + std::to_string(pid) + "/cgroup")))
        if (l.starts_with("0::")) return "/sys/fs/cgroup" + l.substr(3);
    return {};
}

// No process has its root (or cwd) inside `dir`.
bool no_process_under(const std::string& dir) {
    DIR* d = opendir("/proc");
    if (!d) return false;
    bool none = true;
    while (struct dirent* e = readdir(d)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        for (const char* what : {"root", "cwd"}) {
            char buf[4096] = {};
            std::string p = std::string("/proc/") + e->d_name + "/" + what;
            ssize_t n = readlink(p.c_str(), buf, sizeof buf - 1);
            if (n > 0 && std::string(buf, n).starts_with(dir)) none = false;
        }
    }
    closedir(d);
    return none;
}

// After a failed restore of `id`: no state, no cgroup, no process.
void nothing_left(Bundle& b, const std::string& id) {
    auto st = b.hull({"state", id});
    CHECK(st.exit_code != 0);
    CHECK_THAT(st.err, Catch::Contains("does not exist"));
    CHECK_FALSE(path_exists("/sys/fs/cgroup/hull/" + id));
    CHECK_FALSE(path_exists("/sys/fs/cgroup/memory/hull/" + id));
    CHECK(no_process_under(b.rootfs));
    CHECK(no_process_under(b.state_root));
}

} // namespace

TEST_CASE("checkpoint: says clearly when criu cannot work on this machine", "[criu]") {
    std::string criu = criu_path();
    bool works = !criu.empty() && run_command({criu, "check"}).exit_code == 0;
    Bundle b;
    counter(b);
    start_counter(b, b.host_path("/tmp/count"));
    auto r = b.hull({"checkpoint", "--image-path", temp_dir() + "/img", b.id});
    INFO(describe(r));
    if (works) {
        CHECK_THAT(r.err, !Catch::Contains("criu cannot work here"));
    } else {
        CHECK(r.exit_code == 1);
        CHECK_THAT(r.err, Catch::Contains("criu cannot work here"));
        CHECK(lines_of(trimmed(r.err)).size() == 1);
        // nothing happened to the container
        CHECK(b.state()["status"] == "running");
        long c = read_count(b.host_path("/tmp/count"));
        CHECK(wait_until([&] { return read_count(b.host_path("/tmp/count")) > c; }));
    }
}

TEST_CASE("checkpoint: a counter is dumped, disappears, and counts on when restored under the "
          "same and under a new id",
          "[.checkpoint]") {
    Bundle b;
    counter(b);
    const std::string file = b.host_path("/tmp/count");
    start_counter(b, file);
    const std::string img = temp_dir();
    auto r = checkpoint(b, img);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(b.hull({"state", b.id}).exit_code != 0); // the container is gone
    long at = stopped_count(file);

    r = restore(b, img, b.id);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto st = b.state();
    CHECK(st["status"] == "running");
    CHECK(st["pid"].get<long>() > 0);
    CHECK(::kill(static_cast<pid_t>(st["pid"].get<long>()), 0) == 0);
    counts_on(file, at);

    // again, restored under a new id
    const std::string img2 = temp_dir();
    r = checkpoint(b, img2);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    at = stopped_count(file);
    const std::string id2 = b.id + "-new";
    r = restore(b, img2, id2);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto st2 = b.hull({"state", id2});
    CHECK_THAT(st2.out, Catch::Contains("\"running\""));
    counts_on(file, at);
    CHECK(b.hull({"delete", "--force", id2}).exit_code == 0);
    CHECK(stopped_count(file) >= at);
}

TEST_CASE("checkpoint: --leave-running keeps the container running", "[.checkpoint]") {
    Bundle b;
    counter(b);
    const std::string file = b.host_path("/tmp/count");
    start_counter(b, file);
    auto r = checkpoint(b, temp_dir(), {"--leave-running"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(b.state()["status"] == "running");
    long c = read_count(file);
    CHECK(wait_until([&] { return read_count(file) > c + 2; }));
}

TEST_CASE("checkpoint: a pre-dump, then a dump on top of it with --parent-path", "[.checkpoint]") {
    Bundle b;
    counter(b);
    const std::string file = b.host_path("/tmp/count");
    start_counter(b, file);
    const std::string img = temp_dir();
    auto r = checkpoint(b, img + "/0", {"--pre-dump"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(b.state()["status"] == "running"); // a pre-dump leaves it running
    long c = read_count(file);
    CHECK(wait_until([&] { return read_count(file) > c; }));
    r = checkpoint(b, img + "/1", {"--parent-path", "../0"});
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(path_exists(img + "/1/parent")); // criu links the parent images
    long at = stopped_count(file);
    r = restore(b, img + "/1", b.id);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    counts_on(file, at);
}

TEST_CASE("checkpoint: a bind volume and a memory limit come back with the restore",
          "[.checkpoint]") {
    Bundle b;
    const std::string vol = temp_dir();
    b.config["mounts"].push_back({{"destination", "/data"},
                                  {"type", "bind"},
                                  {"source", vol},
                                  {"options", json::array({"rbind", "rw"})}});
    b.config["linux"]["resources"]["memory"]["limit"] = 64 * 1024 * 1024;
    counter(b, "/data/count");
    const std::string file = vol + "/count";
    start_counter(b, file);
    const std::string img = temp_dir();
    auto r = checkpoint(b, img);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    long at = stopped_count(file);
    const std::string id2 = b.id + "-vol";
    r = restore(b, img, id2);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    counts_on(file, at);
    auto st = json::parse(b.hull({"state", id2}).out);
    long pid = st["pid"].get<long>();
    std::string cg = cgroup_dir_of(pid);
    if (!cg.empty()) { // cgroup v2: the restored init is in the new container's cgroup
        CHECK(cg == "/sys/fs/cgroup/hull/" + id2);
        CHECK(trimmed(read_text(cg + "/memory.max")) == std::to_string(64 * 1024 * 1024));
    }
    CHECK(b.hull({"delete", "--force", id2}).exit_code == 0);
    CHECK_FALSE(path_exists("/sys/fs/cgroup/hull/" + id2));
}

TEST_CASE("checkpoint: a failed restore leaves no state, cgroup or process", "[.checkpoint]") {
    Bundle b;
    counter(b);
    const std::string file = b.host_path("/tmp/count");
    b.write();

    SECTION("the image directory is missing") {
        auto r = restore(b, temp_dir() + "/nothing", b.id);
        INFO(describe(r));
        CHECK(r.exit_code != 0);
        CHECK_THAT(r.err, Catch::Contains("image path"));
        nothing_left(b, b.id);
    }
    SECTION("the images are corrupt") {
        start_counter(b, file);
        const std::string img = temp_dir();
        auto r = checkpoint(b, img);
        INFO(describe(r));
        REQUIRE(r.exit_code == 0);
        long at = stopped_count(file);
        // garbage in every core image (the registers and state of each task)
        int corrupted = 0;
        DIR* d = opendir(img.c_str());
        REQUIRE(d);
        while (struct dirent* e = readdir(d))
            if (std::string(e->d_name).starts_with("core-")) {
                write_text(img + "/" + e->d_name, std::string(256, '\x5a'));
                ++corrupted;
            }
        closedir(d);
        REQUIRE(corrupted > 0);
        r = restore(b, img, b.id);
        INFO(describe(r));
        CHECK(r.exit_code != 0);
        CHECK_THAT(r.err, Catch::Contains("criu restore failed"));
        nothing_left(b, b.id);
        CHECK(stopped_count(file) == at);
    }
}

TEST_CASE("checkpoint: a container with its own network namespace (criu locks it with nftables)",
          "[.checkpoint]") {
    Bundle b;
    counter(b, "/tmp/count", NetNs::Own);
    const std::string file = b.host_path("/tmp/count");
    start_counter(b, file);
    const std::string img = temp_dir();
    auto r = checkpoint(b, img);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    long at = stopped_count(file);
    r = restore(b, img, b.id);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    counts_on(file, at);
    long pid = b.state()["pid"].get<long>();
    // a network namespace other than ours
    char mine[64] = {}, theirs[64] = {};
    REQUIRE(readlink("/proc/self/ns/net", mine, sizeof mine - 1) > 0);
    REQUIRE(readlink(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), theirs,
                     sizeof theirs - 1) > 0);
    CHECK(std::string(mine) != std::string(theirs));
}

TEST_CASE("checkpoint: restore runs the prestart and createRuntime hooks with the restored pid",
          "[.checkpoint]") {
    Bundle b;
    counter(b);
    const std::string file = b.host_path("/tmp/count");
    start_counter(b, file);
    const std::string img = temp_dir();
    auto r = checkpoint(b, img);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    long at = stopped_count(file);
    const std::string out = temp_dir();
    for (const char* kind : {"prestart", "createRuntime"})
        b.config["hooks"][kind] = json::array(
            {{{"path", "/bin/busybox"},
              {"args", json::array({"busybox", "sh", "-c", "cat > " + out + "/" + kind})}}});
    b.write();
    r = restore(b, img, b.id);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    counts_on(file, at);
    long pid = b.state()["pid"].get<long>();
    for (const char* kind : {"prestart", "createRuntime"}) {
        INFO(kind);
        auto text = read_text(out + "/" + kind);
        REQUIRE_FALSE(text.empty());
        auto st = json::parse(text);
        CHECK(st["id"] == b.id);
        CHECK(st["pid"].get<long>() == pid);
    }
}

TEST_CASE("checkpoint: restore without --detach waits for the container, gives its status and "
          "deletes it",
          "[.checkpoint]") {
    Bundle b;
    counter(b);
    const std::string file = b.host_path("/tmp/count");
    start_counter(b, file);
    const std::string img = temp_dir();
    auto r = checkpoint(b, img);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    long at = stopped_count(file);
    auto args = b.hull_args({"restore", "--image-path", img, "--bundle", b.dir, b.id});
    args.insert(args.begin(), hull_binary());
    int pid = spawn_command(args, {});
    REQUIRE(pid > 0);
    CHECK(b.wait_status("running", 30000));
    counts_on(file, at);
    CHECK(b.kill("KILL").exit_code == 0);
    CHECK(wait_command(pid, 60) == 128 + SIGKILL);
    CHECK(b.hull({"state", b.id}).exit_code != 0); // deleted, as `run` does
}

namespace {

// A terminal container that counts on its terminal and into /tmp/count: created with a
// console socket (the master in `master`), started, counting.
void start_terminal_counter(Bundle& b, hull::UniqueFd& master) {
    counter(b);
    b.config["process"]["terminal"] = true;
    b.set_args({"/bin/sh", "-c",
                "i=0; while true; do i=$((i+1)); echo tick $i; echo $i > /tmp/count; "
                "sleep 0.2; done"});
    b.write();
    ConsoleSocket cs;
    auto c = b.hull({"create", "--bundle", b.dir, "--console-socket", cs.path, b.id});
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);
    master = std::move(cs.receive(10000).first);
    REQUIRE(b.start().exit_code == 0);
    CHECK_THAT(read_until(master.get(), "tick 3", 20000), Catch::Contains("tick 3"));
}

} // namespace

TEST_CASE("checkpoint: a terminal container comes back on a new terminal sent to the console "
          "socket, and counts on there",
          "[.checkpoint]") {
    Bundle b;
    hull::UniqueFd master;
    start_terminal_counter(b, master);
    const std::string file = b.host_path("/tmp/count");
    const std::string img = temp_dir();
    auto r = checkpoint(b, img);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(b.hull({"state", b.id}).exit_code != 0);
    const long at = stopped_count(file);
    master.reset();

    ConsoleSocket cs;
    r = b.hull({"restore", "--detach", "--image-path", img, "--bundle", b.dir, "--console-socket",
                cs.path, b.id});
    add_criu_log(r, img + "/restore.log");
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    auto [fresh, name] = cs.receive(10000);
    CHECK(name.starts_with("/dev/pts/"));
    // the restored loop writes on the new terminal, counting on from where it stopped
    const std::string want = "tick " + std::to_string(at + 3);
    const std::string out = read_until(fresh.get(), want, 20000);
    INFO("terminal output: " << out);
    CHECK_THAT(out, Catch::Contains(want));
    CHECK_THAT(out, !Catch::Contains("tick 1\r"));
    auto st = b.state();
    CHECK(st["status"] == "running");
    CHECK(::kill(static_cast<pid_t>(st["pid"].get<long>()), 0) == 0);
    CHECK(b.hull({"delete", "--force", b.id}).exit_code == 0);
    nothing_left(b, b.id);
}

TEST_CASE("checkpoint: restoring a terminal container without --console-socket is one clear "
          "error and leaves nothing",
          "[.checkpoint]") {
    Bundle b;
    hull::UniqueFd master;
    start_terminal_counter(b, master);
    const std::string img = temp_dir();
    auto r = checkpoint(b, img);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    r = restore(b, img, b.id);
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("--console-socket is required"));
    nothing_left(b, b.id);
}
