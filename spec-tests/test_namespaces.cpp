// Spec tests for linux.namespaces, ID mappings, hostname/domainname and timeOffsets
// (config-linux.md "Namespaces", "User namespace mappings", "Offset for Time Namespace",
// config.md "Hostname", "Domainname"), checked from inside the container through the probe.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

using namespace spectest;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// config type -> /proc/<pid>/ns name
const std::map<std::string, std::string> kNsNames{
    {"pid", "pid"}, {"network", "net"},   {"mount", "mnt"}, {"ipc", "ipc"},
    {"uts", "uts"}, {"cgroup", "cgroup"}, {"time", "time"}, {"user", "user"},
};

std::string ns_of(const std::string& pid, const std::string& name) {
    return fs::read_symlink("/proc/" + pid + "/ns/" + name).string();
}

std::string host_ns(const std::string& name) {
    return ns_of("self", name);
}

json namespaces_of(std::initializer_list<const char*> types) {
    json out = json::array();
    for (const char* t : types)
        out.push_back({{"type", t}});
    return out;
}

// Runs the bundle with `args` in the foreground and returns the probe report.
json user_mappings() {
    return json::array({{{"containerID", 0}, {"hostID", 100000}, {"size", 65536}}});
}

struct SleeperOptions {
    std::vector<std::string> args{"/probe", "sleep", "60"}; // the container's process
    std::string stdout_file; // where its stdout goes; empty: a file in a fresh temp dir
};

// Creates (not starts) a container, by default one that sleeps, and returns its host pid.
std::string create_sleeper(Bundle& b, const SleeperOptions& opts = {}) {
    b.set_args(opts.args);
    RunOptions o;
    o.stdout_file = opts.stdout_file.empty() ? temp_dir() + "/out" : opts.stdout_file;
    o.stderr_file = temp_dir() + "/err";
    RunResult r = b.create(o);
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json st = b.state();
    REQUIRE(st.is_object());
    REQUIRE(st["pid"].get<int>() > 0);
    return std::to_string(st["pid"].get<int>());
}

std::string host_hostname() {
    char buf[256] = {};
    ::gethostname(buf, sizeof(buf) - 1);
    return buf;
}

} // namespace

TEST_CASE("every listed namespace type is new and unlisted types are inherited", "[namespaces]") {
    Bundle b;
    b.config["linux"]["namespaces"] =
        namespaces_of({"pid", "network", "mount", "ipc", "uts", "cgroup", "time"});
    json rep = run_report(b);
    for (const char* t : {"pid", "network", "mount", "ipc", "uts", "cgroup", "time"}) {
        INFO("type " << t);
        CHECK(rep["namespaces"][kNsNames.at(t)] != host_ns(kNsNames.at(t)));
    }
    // user is not listed: the runtime's user namespace is kept.
    CHECK(rep["namespaces"]["user"] == host_ns("user"));
    CHECK(rep["pid"] == 1);
}

TEST_CASE("namespace types missing from the config share the runtime's", "[namespaces]") {
    Bundle b; // base config: pid, network, ipc, uts, mount
    json rep = run_report(b);
    for (const char* t : {"cgroup", "time", "user"}) {
        INFO("type " << t);
        CHECK(rep["namespaces"][kNsNames.at(t)] == host_ns(kNsNames.at(t)));
    }
    for (const char* t : {"pid", "network", "ipc", "uts", "mount"}) {
        INFO("type " << t);
        CHECK(rep["namespaces"][kNsNames.at(t)] != host_ns(kNsNames.at(t)));
    }
}

TEST_CASE("without a pid namespace the process is not pid 1", "[namespaces]") {
    Bundle b;
    b.config["linux"]["namespaces"] = namespaces_of({"network", "ipc", "uts", "mount"});
    // /proc of the host pid namespace needs no new pidns to mount; keep it.
    json rep = run_report(b);
    CHECK(rep["namespaces"]["pid"] == host_ns("pid"));
    CHECK(rep["pid"].get<int>() > 1);
}

TEST_CASE("a new network namespace holds only lo", "[namespaces]") {
    Bundle b;
    b.set_args({"/probe", "ls", "/sys/class/net"});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "lo\n");
}

TEST_CASE("namespaces given by path are joined", "[namespaces]") {
    Bundle first;
    std::string pid = create_sleeper(first);

    Bundle second;
    second.config.erase("hostname");
    json ns = json::array();
    for (const char* t : {"pid", "network", "ipc", "uts"})
        ns.push_back({{"type", t}, {"path", "/proc/" + pid + "/ns/" + kNsNames.at(t)}});
    ns.push_back({{"type", "mount"}});
    second.config["linux"]["namespaces"] = ns;
    json rep = run_report(second);
    for (const char* t : {"pid", "network", "ipc", "uts"}) {
        INFO("type " << t);
        CHECK(rep["namespaces"][kNsNames.at(t)] == ns_of(pid, kNsNames.at(t)));
        CHECK(rep["namespaces"][kNsNames.at(t)] != host_ns(kNsNames.at(t)));
    }
    // The first container's init is pid 1 of the joined pid namespace.
    CHECK(rep["pid"].get<int>() > 1);
    CHECK(rep["hostname"] == "hull-spec"); // set by the first container in the shared uts ns
    CHECK(rep["namespaces"]["mnt"] != ns_of(pid, "mnt"));
}

TEST_CASE("a namespace path of the wrong type is an error", "[namespaces]") {
    Bundle b;
    std::string self = std::to_string(::getpid());
    b.config["linux"]["namespaces"] = json::array({
        {{"type", "pid"}},
        {{"type", "network"}, {"path", "/proc/" + self + "/ns/uts"}},
        {{"type", "ipc"}},
        {{"type", "uts"}},
        {{"type", "mount"}},
    });
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK_FALSE(r.err.empty());
    CHECK(r.out.find("\"namespaces\"") == std::string::npos); // the probe never ran
    CHECK(b.state().is_null());
}

TEST_CASE("a namespace path that does not exist is an error", "[namespaces]") {
    Bundle b;
    b.config["linux"]["namespaces"][1] = {{"type", "network"},
                                          {"path", "/proc/self/ns/does-not-exist"}};
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("\"namespaces\"") == std::string::npos);
}

TEST_CASE("duplicate namespace types are an error", "[namespaces]") {
    Bundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "ipc"}});
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK_FALSE(r.err.empty());
    CHECK(r.out.find("\"namespaces\"") == std::string::npos);
    CHECK(b.state().is_null());
}

TEST_CASE("a user namespace with mappings", "[namespaces][userns]") {
    Bundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = user_mappings();
    b.config["linux"]["gidMappings"] = user_mappings();
    std::string shared = temp_dir();
    fs::permissions(shared, fs::perms(0777));
    // The rootfs belongs to host root (unmapped in the userns): the mount point must exist.
    fs::create_directory(b.host_path("/shared"));
    b.config["mounts"].push_back({{"destination", "/shared"},
                                  {"type", "none"},
                                  {"source", shared},
                                  {"options", json::array({"rbind", "rw"})}});
    b.set_args({"/bin/sh", "-c", "/probe write /shared/made-inside hi && /probe"});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json rep = Bundle::probe_report(r);

    CHECK(rep["namespaces"]["user"] != host_ns("user"));
    CHECK(rep["uid"]["real"] == 0);
    CHECK(rep["uid"]["effective"] == 0);
    CHECK(rep["gid"]["real"] == 0);
    CHECK(rep["uid_map"] == user_mappings());
    CHECK(rep["gid_map"] == user_mappings());
    CHECK(rep["pid"] == 1);

    struct stat st {};
    REQUIRE(::stat((shared + "/made-inside").c_str(), &st) == 0);
    CHECK(st.st_uid == 100000u);
    CHECK(st.st_gid == 100000u);
}

TEST_CASE("a user namespace keeps the default devices usable", "[namespaces][userns]") {
    Bundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = user_mappings();
    b.config["linux"]["gidMappings"] = user_mappings();
    b.set_args({"/bin/sh", "-c", "/probe write /dev/null x && /probe stat -L /dev/null"});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    json st = parse_probe_json(r.out);
    CHECK(st["type"] == "char");
    CHECK(st["major"] == 1);
    CHECK(st["minor"] == 3);
}

TEST_CASE("hostname and domainname are set in the new uts namespace", "[namespaces]") {
    std::string before = host_hostname();
    Bundle b;
    b.config["hostname"] = "box-one";
    b.config["domainname"] = "example.org";
    json rep = run_report(b);
    CHECK(rep["hostname"] == "box-one");
    CHECK(rep["domainname"] == "example.org");
    CHECK(host_hostname() == before);
}

TEST_CASE("a hostname without a private uts namespace is an error", "[namespaces]") {
    std::string before = host_hostname();
    Bundle b;
    b.config["hostname"] = "must-not-leak";
    b.config["linux"]["namespaces"] = namespaces_of({"pid", "network", "ipc", "mount"});
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("\"namespaces\"") == std::string::npos);
    CHECK(host_hostname() == before);
}

TEST_CASE("timeOffsets shift the clocks of the new time namespace", "[namespaces][time]") {
    Bundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "time"}});
    b.config["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 86400}, {"nanosecs", 0}}},
                                        {"boottime", {{"secs", 172800}, {"nanosecs", 500}}}};
    json rep = run_report(b);
    CHECK(rep["namespaces"]["time"] != host_ns("time"));
    CHECK(rep["time_offsets"]["monotonic"]["secs"] == 86400);
    CHECK(rep["time_offsets"]["monotonic"]["nanosecs"] == 0);
    CHECK(rep["time_offsets"]["boottime"]["secs"] == 172800);
    CHECK(rep["time_offsets"]["boottime"]["nanosecs"] == 500);

    // /proc/uptime follows the boottime offset.
    Bundle up;
    up.config = b.config;
    up.set_args({"/probe", "cat", "/proc/uptime"});
    double host_before = std::stod(read_text("/proc/uptime"));
    RunResult r = up.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    double inside = std::stod(r.out);
    double host_after = std::stod(read_text("/proc/uptime"));
    CHECK(inside >= host_before + 172800.0 - 1.0);
    CHECK(inside <= host_after + 172800.0 + 1.0);
}

namespace {

// A user namespace held open by a child of the test, with maps written from the host.
class UserNsHolder {
  public:
    explicit UserNsHolder(const json& maps) {
        int ready[2], hold[2];
        REQUIRE(::pipe2(ready, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(hold, O_CLOEXEC) == 0);
        pid_ = ::fork();
        REQUIRE(pid_ >= 0);
        if (pid_ == 0) {
            ::close(ready[0]);
            ::close(hold[1]);
            char ok = ::unshare(CLONE_NEWUSER) == 0 ? 'y' : 'n';
            (void)!::write(ready[1], &ok, 1);
            char c;
            (void)!::read(hold[0], &c, 1); // EOF: the test is done
            ::_exit(0);
        }
        ::close(ready[1]);
        ::close(hold[0]);
        hold_ = hold[1];
        char ok = 0;
        REQUIRE(::read(ready[0], &ok, 1) == 1);
        ::close(ready[0]);
        REQUIRE(ok == 'y');
        std::string text;
        for (const auto& m : maps)
            text += std::to_string(m["containerID"].get<unsigned>()) + " " +
                    std::to_string(m["hostID"].get<unsigned>()) + " " +
                    std::to_string(m["size"].get<unsigned>()) + "\n";
        write_text(proc("uid_map"), text);
        write_text(proc("gid_map"), text);
        REQUIRE(read_text(proc("uid_map")).find("100000") != std::string::npos);
    }
    ~UserNsHolder() {
        ::close(hold_);
        ::waitpid(pid_, nullptr, 0);
    }
    std::string path() const { return proc("ns/user"); }
    std::string pid() const { return std::to_string(pid_); }

  private:
    std::string proc(const std::string& name) const {
        return "/proc/" + std::to_string(pid_) + "/" + name;
    }
    pid_t pid_ = -1;
    int hold_ = -1;
};

// A new mount/uts/ipc/network namespace in the user namespace at user_path; the host pid
// namespace, so /proc is a bind of the host's.
void join_user_namespace(Bundle& b, const std::string& user_path) {
    json ns = namespaces_of({"network", "ipc", "uts", "mount"});
    ns.push_back({{"type", "user"}, {"path", user_path}});
    b.config["linux"]["namespaces"] = ns;
    for (auto& m : b.config["mounts"])
        if (m["destination"] == "/proc")
            m = {{"destination", "/proc"},
                 {"type", "bind"},
                 {"source", "/proc"},
                 {"options", json::array({"rbind"})}};
}

// The inode of the user namespace that owns the namespace file `path` (NS_GET_USERNS).
ino_t owner_userns(const std::string& path) {
    hull::UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) return 0;
    hull::UniqueFd owner(::ioctl(ns.get(), NS_GET_USERNS));
    struct stat st {};
    if (!owner || ::fstat(owner.get(), &st) != 0) return 0;
    return st.st_ino;
}

} // namespace

TEST_CASE("a user namespace joined by path owns the namespaces created with it",
          "[namespaces][userns]") {
    UserNsHolder holder(user_mappings());
    struct stat user_st {};
    REQUIRE(::stat(holder.path().c_str(), &user_st) == 0);

    Bundle b;
    b.chown_rootfs(100000, 100000);
    join_user_namespace(b, holder.path());
    json rep = run_report(b); // no uidMappings: the namespace's own are used
    CHECK(rep["namespaces"]["user"] == ns_of(holder.pid(), "user"));
    CHECK(rep["uid_map"] == user_mappings());
    CHECK(rep["gid_map"] == user_mappings());
    CHECK(rep["uid"]["effective"] == 0);
    CHECK(rep["hostname"] == "hull-spec");
    for (const char* t : {"mnt", "uts", "ipc", "net"}) {
        INFO("type " << t);
        CHECK(rep["namespaces"][t] != host_ns(t));
    }

    // From the host: each new namespace of a created container belongs to the joined one.
    Bundle c;
    c.chown_rootfs(100000, 100000);
    join_user_namespace(c, holder.path());
    c.config["linux"]["uidMappings"] = user_mappings(); // the same maps are accepted
    c.config["linux"]["gidMappings"] = user_mappings();
    const std::string pid = create_sleeper(c);
    for (const char* t : {"mnt", "uts", "ipc", "net"}) {
        INFO("type " << t);
        CHECK(owner_userns("/proc/" + pid + "/ns/" + t) == user_st.st_ino);
    }
    CHECK(read_text("/proc/" + pid + "/uid_map") ==
          read_text("/proc/" + holder.pid() + "/uid_map"));
}

TEST_CASE("mappings that differ from the joined user namespace's are an error",
          "[namespaces][userns]") {
    UserNsHolder holder(user_mappings());
    Bundle b;
    join_user_namespace(b, holder.path());
    b.config["linux"]["uidMappings"] =
        json::array({{{"containerID", 0}, {"hostID", 200000}, {"size", 65536}}});
    b.config["linux"]["gidMappings"] = user_mappings();
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("differ from those of the user namespace joined by path") !=
          std::string::npos);
    CHECK(b.state().is_null());
}

namespace {

// Every namespace the config can create, the user namespace joined by path, and the clocks
// shifted: /proc is a fresh one of the new pid namespace.
void join_user_namespace_all_new(Bundle& b, const std::string& user_path) {
    json ns = namespaces_of({"pid", "network", "ipc", "uts", "mount", "cgroup", "time"});
    ns.push_back({{"type", "user"}, {"path", user_path}});
    b.config["linux"]["namespaces"] = ns;
    b.config["linux"]["timeOffsets"] = {{"monotonic", {{"secs", 86400}, {"nanosecs", 0}}},
                                        {"boottime", {{"secs", 172800}, {"nanosecs", 0}}}};
}

ino_t inode_of(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// The live processes in the user namespace with inode `user` (zombies have no namespaces).
std::vector<std::string> processes_in_userns(ino_t user) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        if (inode_of("/proc/" + name + "/ns/user") == user) out.push_back(name);
    }
    return out;
}

// The state letter of /proc/<pid>/stat (R, S, Z, ...), or 0 when it is gone.
char process_state(const std::string& pid) {
    try {
        const std::string stat = read_text("/proc/" + pid + "/stat");
        const size_t close = stat.rfind(')');
        return close != std::string::npos && close + 2 < stat.size() ? stat[close + 2] : 0;
    } catch (...) {
        return 0;
    }
}

// The children of `pid` (all its threads are one: hull is single threaded).
std::string children_of(const std::string& pid) {
    try {
        return read_text("/proc/" + pid + "/task/" + pid + "/children");
    } catch (...) {
        return "?";
    }
}

} // namespace

TEST_CASE("a user namespace joined by path owns new pid, time and cgroup namespaces",
          "[namespaces][userns]") {
    UserNsHolder holder(user_mappings());
    const ino_t user = inode_of(holder.path());
    REQUIRE(user != 0);

    Bundle b;
    b.chown_rootfs(100000, 100000);
    join_user_namespace_all_new(b, holder.path());
    json rep = run_report(b);
    CHECK(rep["pid"] == 1);
    CHECK(rep["namespaces"]["user"] == ns_of(holder.pid(), "user"));
    CHECK(rep["uid_map"] == user_mappings());
    CHECK(rep["gid_map"] == user_mappings());
    CHECK(rep["uid"]["effective"] == 0);
    CHECK(rep["hostname"] == "hull-spec");
    CHECK(rep["time_offsets"]["boottime"]["secs"] == 172800);
    CHECK(rep["time_offsets"]["monotonic"]["secs"] == 86400);
    for (const char* t : {"pid", "mnt", "uts", "ipc", "net", "cgroup", "time"}) {
        INFO("type " << t);
        CHECK(rep["namespaces"][t] != host_ns(t));
    }
    // The cgroup namespace was made once the init was in its cgroup: that is its root.
    REQUIRE(rep["cgroup"].size() >= 1);
    for (const auto& cg : rep["cgroup"]) {
        INFO("hierarchy " << cg["controllers"]);
        CHECK(cg["path"] == "/");
    }

    // /proc/uptime follows the boottime offset.
    Bundle up;
    up.chown_rootfs(100000, 100000);
    up.config = b.config;
    up.set_args({"/probe", "cat", "/proc/uptime"});
    const double host_before = std::stod(read_text("/proc/uptime"));
    RunResult r = up.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const double inside = std::stod(r.out);
    const double host_after = std::stod(read_text("/proc/uptime"));
    CHECK(inside >= host_before + 172800.0 - 1.0);
    CHECK(inside <= host_after + 172800.0 + 1.0);

    // From the host: each new namespace of a created container belongs to the joined one,
    // and only the holder and the init are in it (the joiner is gone).
    Bundle c;
    c.chown_rootfs(100000, 100000);
    join_user_namespace_all_new(c, holder.path());
    const std::string pid = create_sleeper(c);
    for (const char* t : {"pid", "mnt", "uts", "ipc", "net", "cgroup", "time"}) {
        INFO("type " << t);
        CHECK(owner_userns("/proc/" + pid + "/ns/" + t) == user);
    }
    CHECK(inode_of("/proc/" + pid + "/ns/user") == user);
    CHECK(read_text("/proc/" + pid + "/uid_map") ==
          read_text("/proc/" + holder.pid() + "/uid_map"));
    CHECK(read_text("/proc/" + pid + "/gid_map") ==
          read_text("/proc/" + holder.pid() + "/gid_map"));
    auto inside_ns = processes_in_userns(user);
    std::sort(inside_ns.begin(), inside_ns.end());
    std::vector<std::string> want{holder.pid(), pid};
    std::sort(want.begin(), want.end());
    CHECK(inside_ns == want);
}

TEST_CASE("create, start and delete with a joined user namespace leave nothing behind",
          "[namespaces][userns]") {
    UserNsHolder holder(user_mappings());
    const ino_t user = inode_of(holder.path());
    Bundle b;
    b.chown_rootfs(100000, 100000);
    join_user_namespace_all_new(b, holder.path());
    const std::string out = temp_dir() + "/out";
    const std::string pid = create_sleeper(b, {.args = {"/probe"}, .stdout_file = out});
    CHECK(b.state()["status"] == "created");
    CHECK(processes_in_userns(user).size() == 2); // the holder and the init

    RunResult sr = b.start();
    INFO(describe(sr));
    REQUIRE(sr.exit_code == 0);
    REQUIRE(b.wait_status("stopped"));
    json rep = parse_probe_json(read_text(out));
    CHECK(rep["pid"] == 1);
    CHECK(rep["namespaces"]["user"] == ns_of(holder.pid(), "user"));
    CHECK(rep["time_offsets"]["boottime"]["secs"] == 172800);

    RunResult dr = b.remove();
    INFO(describe(dr));
    CHECK(dr.exit_code == 0);
    CHECK(b.state().is_null());
    // Nothing else lives in the namespace. The init, reparented when `create` exited, may
    // stay a zombie if the host's pid 1 does not reap (a zombie keeps its user namespace).
    for (const auto& p : processes_in_userns(user)) {
        INFO("pid " << p);
        CHECK((p == holder.pid() || (p == pid && process_state(p) == 'Z')));
    }
}

TEST_CASE("run with a joined user namespace keeps the init as its only child",
          "[namespaces][userns]") {
    UserNsHolder holder(user_mappings());
    const ino_t user = inode_of(holder.path());
    Bundle b;
    b.chown_rootfs(100000, 100000);
    join_user_namespace_all_new(b, holder.path());
    b.set_args({"/probe", "sleep", "60"});
    b.write();
    SpawnOptions so;
    so.stdout_file = temp_dir() + "/run-out";
    so.stderr_file = temp_dir() + "/run-err";
    std::vector<std::string> argv = b.hull_args({"run", "--bundle", b.dir, b.id});
    argv.insert(argv.begin(), hull_binary());
    const int run_pid = spawn_command(argv, so);
    REQUIRE(run_pid > 0);
    REQUIRE(b.wait_status("running"));
    const std::string init = std::to_string(b.state()["pid"].get<int>());
    // The joiner was reaped: `hull run` has exactly one child, the init.
    CHECK(children_of(std::to_string(run_pid)) == init + " ");
    CHECK(owner_userns("/proc/" + init + "/ns/pid") == user);

    RunResult k = b.kill("SIGKILL");
    INFO(describe(k));
    CHECK(k.exit_code == 0);
    CHECK(wait_command(run_pid, 30) == 137);
    CHECK(b.state().is_null());                                                 // run deleted it
    CHECK(processes_in_userns(user) == std::vector<std::string>{holder.pid()}); // reaped by run
}

TEST_CASE("a user namespace and a pid namespace joined by path", "[namespaces][userns]") {
    UserNsHolder holder(user_mappings());
    Bundle first;
    first.chown_rootfs(100000, 100000);
    join_user_namespace_all_new(first, holder.path());
    const std::string pid = create_sleeper(first);

    Bundle second;
    second.chown_rootfs(100000, 100000);
    json ns = namespaces_of({"network", "ipc", "uts", "mount", "cgroup"});
    ns.push_back({{"type", "user"}, {"path", holder.path()}});
    ns.push_back({{"type", "pid"}, {"path", "/proc/" + pid + "/ns/pid"}});
    second.config["linux"]["namespaces"] = ns;
    json rep = run_report(second);
    CHECK(rep["namespaces"]["pid"] == ns_of(pid, "pid"));
    CHECK(rep["namespaces"]["user"] == ns_of(holder.pid(), "user"));
    CHECK(rep["pid"].get<int>() > 1); // the first container's init is pid 1 there
    CHECK(rep["uid"]["effective"] == 0);
    CHECK(rep["namespaces"]["mnt"] != ns_of(pid, "mnt"));
}

TEST_CASE("a failure in the user namespace joiner fails create and leaves nothing",
          "[namespaces][userns]") {
    UserNsHolder holder(user_mappings());
    const ino_t user = inode_of(holder.path());
    Bundle b;
    json ns = namespaces_of({"network", "ipc", "uts", "mount"});
    ns.push_back({{"type", "user"}, {"path", holder.path()}});
    // The joiner opens it before the clone: a uts namespace file for a pid namespace.
    ns.push_back({{"type", "pid"}, {"path", "/proc/" + holder.pid() + "/ns/uts"}});
    b.config["linux"]["namespaces"] = ns;
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("is not a pid namespace") != std::string::npos);
    CHECK(r.out.find("\"namespaces\"") == std::string::npos);
    CHECK(b.state().is_null());
    CHECK(processes_in_userns(user) == std::vector<std::string>{holder.pid()});
}

namespace {

// Mount points in this process's (the runtime's) mount table at or below `dir`.
std::vector<std::string> host_mounts_below(const std::string& path) {
    std::string dir = fs::canonical(path).string();
    std::ifstream in("/proc/self/mountinfo");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        std::string id, parent, dev, root, mp;
        f >> id >> parent >> dev >> root >> mp;
        if (mp == dir || mp.starts_with(dir + "/")) out.push_back(mp);
    }
    return out;
}

} // namespace

TEST_CASE("without a mount namespace the container shares the runtime's and delete unmounts",
          "[namespaces][mntns]") {
    Bundle b;
    b.config["linux"]["namespaces"] = namespaces_of({"pid", "network", "ipc", "uts"});
    REQUIRE(host_mounts_below(b.rootfs).empty());
    std::string pid = create_sleeper(b);
    CHECK(ns_of(pid, "mnt") == host_ns("mnt"));
    // The init is chrooted into the rootfs: its root is the rootfs, its mounts are the host's.
    CHECK(fs::read_symlink("/proc/" + pid + "/root") == fs::canonical(b.rootfs));
    auto mounted = host_mounts_below(b.rootfs);
    CHECK(std::find(mounted.begin(), mounted.end(), fs::canonical(b.rootfs).string() + "/proc") !=
          mounted.end());
    CHECK(b.start().exit_code == 0);
    CHECK(b.wait_status("running"));
    CHECK(b.remove(true).exit_code == 0);
    CHECK(host_mounts_below(b.rootfs).empty());
}

TEST_CASE("run without a mount namespace: the probe sees the runtime's mount namespace",
          "[namespaces][mntns]") {
    Bundle b;
    b.config["linux"]["namespaces"] = namespaces_of({"pid", "ipc", "uts"});
    json rep = run_report(b);
    CHECK(rep["namespaces"]["mnt"] == host_ns("mnt"));
    CHECK(rep["namespaces"]["pid"] != host_ns("pid"));
    CHECK(rep["pid"] == 1);
    CHECK(host_mounts_below(b.rootfs).empty());
}

TEST_CASE("maskedPaths without a mount namespace are an error and leave nothing mounted",
          "[namespaces][mntns]") {
    Bundle b;
    b.config["linux"]["namespaces"] = namespaces_of({"pid", "ipc", "uts"});
    b.config["linux"]["maskedPaths"] = json::array({"/proc/kcore"});
    b.set_args({"/probe"});
    RunResult r = b.run();
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("mount namespace") != std::string::npos);
    CHECK(host_mounts_below(b.rootfs).empty());
}

TEST_CASE(
    "with no namespace listed every namespace is the runtime's (runtime-tools linux_ns_itype)",
    "[namespaces][mntns]") {
    Bundle b;
    b.config["linux"]["namespaces"] = json::array();
    b.config.erase("hostname"); // a hostname needs a uts namespace of its own
    json rep = run_report(b);
    for (const auto& [type, name] : kNsNames) {
        INFO("type " << type);
        CHECK(rep["namespaces"][name] == host_ns(name));
    }
    CHECK(host_mounts_below(b.rootfs).empty());
}
