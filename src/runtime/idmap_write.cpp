#include "runtime/idmap_write.hpp"

#include "runtime/namespaces.hpp"

#include "util/fd.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

namespace hull::runtime::ns {
namespace {

// The helper's path: $PATH first, then the places Debian installs it.
std::string find_helper(const std::string& name) {
    std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
    dirs += ":/usr/bin:/usr/sbin:/bin:/sbin";
    size_t pos = 0;
    while (pos <= dirs.size()) {
        size_t colon = dirs.find(':', pos);
        if (colon == std::string::npos) colon = dirs.size();
        const std::string dir = dirs.substr(pos, colon - pos);
        pos = colon + 1;
        if (dir.empty() || dir[0] != '/') continue;
        const std::string path = dir + "/" + name;
        if (access(path.c_str(), X_OK) == 0) return path;
    }
    return {};
}

std::string user_name(uid_t uid) {
    struct passwd* pw = getpwuid(uid);
    return pw ? pw->pw_name : std::to_string(uid);
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

// Runs newuidmap/newgidmap; its stderr becomes the error text.
Result<void> run_helper(const std::string& name, pid_t pid, const std::vector<IdMapping>& maps,
                        const char* file) {
    const std::string path = find_helper(name);
    if (path.empty())
        return fail(name + " not found: a map other than the caller's own id needs it (install "
                           "the uidmap package)");
    const auto argv_s = helper_argv(path, pid, maps);
    std::vector<char*> argv;
    for (const auto& a : argv_s)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return fail_errno("pipe");
    UniqueFd rd(p[0]), wr(p[1]);
    const pid_t child = fork();
    if (child < 0) return fail_errno("fork " + name);
    if (child == 0) {
        dup2(wr.get(), 2);
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull >= 0) dup2(devnull, 1);
        execv(path.c_str(), argv.data());
        _exit(127);
    }
    wr.reset();
    std::string err;
    char buf[512];
    for (;;) {
        ssize_t n = read(rd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        err.append(buf, static_cast<size_t>(n));
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
    std::string text = name + " failed";
    if (!trim(err).empty()) text += ": " + trim(err);
    text += std::string(" (the ranges must be given to user ") + user_name(geteuid()) + " in " +
            file + ")";
    return fail(text);
}

} // namespace

MapWriter map_writer(const std::vector<IdMapping>& maps, uint32_t own_id) {
    return maps.size() == 1 && maps[0].size == 1 && maps[0].hostID == own_id ? MapWriter::Self
                                                                             : MapWriter::Helper;
}

std::vector<std::string> helper_argv(const std::string& helper, pid_t pid,
                                     const std::vector<IdMapping>& maps) {
    std::vector<std::string> v{helper, std::to_string(pid)};
    for (const auto& m : maps) {
        v.push_back(std::to_string(m.containerID));
        v.push_back(std::to_string(m.hostID));
        v.push_back(std::to_string(m.size));
    }
    return v;
}

Result<void> check_unprivileged_maps(const Config& cfg) {
    if (!cfg.linux) return {};
    if (map_writer(cfg.linux->gidMappings, getegid()) == MapWriter::Self && cfg.process &&
        !cfg.process->user.additionalGids.empty())
        return fail("process.user.additionalGids: a rootless container whose gid map holds only "
                    "the caller's own gid has setgroups denied (the kernel's rule for an "
                    "unprivileged map writer); map more gids through newgidmap or give none");
    return {};
}

Result<void> write_id_maps_unprivileged(pid_t pid, const Config& cfg) {
    const std::string dir = "/proc/" + std::to_string(pid) + "/";
    const auto& uids = cfg.linux->uidMappings;
    const auto& gids = cfg.linux->gidMappings;
    if (map_writer(uids, geteuid()) == MapWriter::Self)
        HULL_TRY_CTX(write_proc_file(dir + "uid_map", map_text(uids)), "write uid mappings");
    else
        HULL_TRY_CTX(run_helper("newuidmap", pid, uids, "/etc/subuid"), "write uid mappings");
    if (map_writer(gids, getegid()) == MapWriter::Self) {
        HULL_TRY_CTX(write_proc_file(dir + "setgroups", "deny"), "write gid mappings");
        HULL_TRY_CTX(write_proc_file(dir + "gid_map", map_text(gids)), "write gid mappings");
    } else {
        HULL_TRY_CTX(run_helper("newgidmap", pid, gids, "/etc/subgid"), "write gid mappings");
    }
    return {};
}

} // namespace hull::runtime::ns
