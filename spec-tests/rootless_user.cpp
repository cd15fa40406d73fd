#include "rootless_user.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace spectest {
namespace {

namespace fs = std::filesystem;

std::optional<RootlessUser>& storage() {
    static std::optional<RootlessUser> u;
    return u;
}

// Drops every line of `file` that starts with "<name>:".
void drop_lines(const std::string& file, const std::string& name) {
    std::ifstream in(file);
    if (!in) return;
    std::ostringstream keep;
    for (std::string line; std::getline(in, line);)
        if (!line.starts_with(name + ":")) keep << line << '\n';
    in.close();
    write_text(file, keep.str());
}

void append_line(const std::string& file, const std::string& line) {
    std::ofstream out(file, std::ios::app);
    out << line << '\n';
    if (!out) throw std::runtime_error("append to " + file);
}

bool& made_here() {
    static bool made = false;
    return made;
}

void must_run(const std::vector<std::string>& argv) {
    RunResult r = run_command(argv);
    if (r.exit_code != 0) throw std::runtime_error(argv[0] + " failed: " + describe(r));
}

} // namespace

const RootlessUser& with_runtime_dir(RootlessUser& u);

const RootlessUser& rootless_user() {
    auto& u = storage();
    if (u) return *u;
    RootlessUser n;
    n.sub_start = 400000;
    n.sub_count = 65536;
    if (const char* given = std::getenv("HULL_SPEC_ROOTLESS_USER"); given && *given) {
        // An account that exists already (the v2 lane's guest has no useradd): used as it
        // is, never removed, no subordinate ids.
        const struct passwd* pw = ::getpwnam(given);
        if (!pw) throw std::runtime_error(std::string("no user ") + given);
        n.name = given;
        n.uid = pw->pw_uid;
        n.gid = pw->pw_gid;
        n.sub_count = 0;
        u = n;
        made_here() = false;
        return with_runtime_dir(*u);
    }
    n.name = "hullrl" + std::to_string(::getpid());
    must_run({"/usr/sbin/useradd", "--no-create-home", "--home-dir", "/nonexistent", "--shell",
              "/usr/sbin/nologin", "--user-group", n.name});
    const struct passwd* pw = ::getpwnam(n.name.c_str());
    if (!pw) throw std::runtime_error("useradd made no " + n.name);
    n.uid = pw->pw_uid;
    n.gid = pw->pw_gid;
    u = n; // from here on remove_rootless_user() cleans up
    const std::string range =
        n.name + ":" + std::to_string(n.sub_start) + ":" + std::to_string(n.sub_count);
    drop_lines("/etc/subuid", n.name); // useradd may have given it a range already
    drop_lines("/etc/subgid", n.name);
    append_line("/etc/subuid", range);
    append_line("/etc/subgid", range);
    made_here() = true;
    return with_runtime_dir(*u);
}

const RootlessUser& with_runtime_dir(RootlessUser& u) {
    u.runtime_dir = temp_dir() + "/xdg";
    fs::create_directory(u.runtime_dir);
    if (::chown(u.runtime_dir.c_str(), u.uid, u.gid) != 0 ||
        ::chmod(u.runtime_dir.c_str(), 0700) != 0)
        throw std::runtime_error("chown " + u.runtime_dir);
    // The per-run directory and the one above the runtime dir are searchable by the user.
    ::chmod(fs::path(u.runtime_dir).parent_path().c_str(), 0755);
    ::chmod(fs::path(u.runtime_dir).parent_path().parent_path().c_str(), 0755);
    return u;
}

std::vector<std::string> rootless_env(bool with_xdg) {
    const RootlessUser& u = rootless_user();
    std::vector<std::string> env{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                                 "HOME=/nonexistent", "USER=" + u.name, "LOGNAME=" + u.name};
    if (with_xdg) env.push_back("XDG_RUNTIME_DIR=" + u.runtime_dir);
    return env;
}

RunResult run_hull_as_user(const std::vector<std::string>& args, const RunOptions& opts) {
    const RootlessUser& u = rootless_user();
    // as-user (spec-tests/as_user.cpp) sits next to the probe.
    const std::string helper = fs::path(probe_binary()).parent_path().string() + "/as-user";
    std::vector<std::string> argv{helper, std::to_string(u.uid), std::to_string(u.gid),
                                  hull_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions o = opts;
    if (o.env.empty()) o.env = rootless_env();
    return run_command(argv, o);
}

void give_bundle_to_user(const Bundle& b) {
    const RootlessUser& u = rootless_user();
    for (fs::path p = fs::path(b.dir).parent_path(); p != "/" && p != "/tmp"; p = p.parent_path())
        ::chmod(p.c_str(), 0755);
    for (const std::string& d : {b.dir, b.state_root})
        if (::chown(d.c_str(), u.uid, u.gid) != 0) throw std::runtime_error("chown " + d);
}

nlohmann::json one_map(unsigned container_id, unsigned host_id, unsigned size) {
    return nlohmann::json::array(
        {{{"containerID", container_id}, {"hostID", host_id}, {"size", size}}});
}

void make_rootless(Bundle& b) {
    const RootlessUser& u = rootless_user();
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = one_map(0, u.uid, 1);
    b.config["linux"]["gidMappings"] = one_map(0, u.gid, 1);
    for (auto& m : b.config["mounts"])
        if (m["destination"] == "/dev/pts") {
            nlohmann::json opts = nlohmann::json::array();
            for (const auto& o : m["options"])
                if (o != "gid=5") opts.push_back(o);
            m["options"] = opts;
        }
    give_bundle_to_user(b);
}

void remove_rootless_user() {
    auto& u = storage();
    if (!u) return;
    if (!made_here()) {
        u.reset();
        return;
    }
    (void)run_command({"/usr/sbin/userdel", u->name});
    drop_lines("/etc/subuid", u->name);
    drop_lines("/etc/subgid", u->name);
    u.reset();
}

} // namespace spectest
