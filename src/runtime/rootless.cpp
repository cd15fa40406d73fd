#include "runtime/rootless.hpp"

#include "runtime/namespaces.hpp"

#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace hull::rootless {

bool is_identity_map(std::string_view uid_map) {
    auto maps = runtime::ns::parse_id_map(uid_map);
    return maps.size() == 1 && maps[0].containerID == 0 && maps[0].hostID == 0 &&
           maps[0].size == 4294967295U;
}

bool in_user_namespace() {
    auto text = fs::read_file("/proc/self/uid_map");
    // No /proc/self/uid_map: a kernel without user namespaces, hence the initial one.
    return text && !is_identity_map(*text);
}

bool unprivileged() {
    return geteuid() != 0 || in_user_namespace();
}

CgroupRules cgroup_rules(Setting flag) {
    switch (flag) {
    case Setting::True:
        return CgroupRules::Rootless;
    case Setting::False:
        return CgroupRules::Root;
    case Setting::Auto:
        break;
    }
    return unprivileged() ? CgroupRules::Rootless : CgroupRules::Root;
}

Caller this_caller() {
    const uid_t euid = geteuid();
    return Caller{.euid = euid,
                  .in_userns = euid == 0 && in_user_namespace(),
                  .xdg_runtime_dir = std::getenv("XDG_RUNTIME_DIR"),
                  .user = std::getenv("USER")};
}

Result<std::string> default_root(const Caller& c) {
    const bool real_root = c.euid == 0 && !c.in_userns;
    // uid 0 in a user namespace that says it is root keeps runc's /run path.
    const bool userns_root =
        c.euid == 0 && c.in_userns && c.user && std::string_view(c.user) == "root";
    if (real_root || userns_root) return std::string("/run/hull");
    if (c.xdg_runtime_dir && *c.xdg_runtime_dir) {
        std::string dir = c.xdg_runtime_dir;
        while (dir.size() > 1 && dir.back() == '/')
            dir.pop_back();
        return dir + "/hull";
    }
    return fail("rootless: no state directory: XDG_RUNTIME_DIR is not set; set it (to a "
                "directory of your own, such as /run/user/" +
                std::to_string(c.euid) + ") or give --root");
}

std::optional<std::string> first_limit(const Resources& r) {
    if (r.memory && *r.memory != Memory{}) return "memory";
    if (r.cpu && *r.cpu != Cpu{}) return "cpu";
    if (r.pids && *r.pids != Pids{}) return "pids";
    if (r.blockIO && *r.blockIO != BlockIO{}) return "blkio";
    if (!r.hugepageLimits.empty()) return "hugetlb";
    if (r.network && *r.network != Network{}) return "net_cls";
    if (!r.rdma.empty()) return "rdma";
    if (!r.unified.empty()) return "unified";
    return std::nullopt;
}

Result<std::optional<int32_t>> oom_before_clone(std::optional<int32_t> adj) {
    if (!adj || geteuid() == 0) return adj;
    auto text = HULL_TRY(fs::read_file("/proc/self/oom_score_adj"));
    const int current = std::atoi(text.c_str());
    if (*adj == current) return std::optional<int32_t>{};
    if (*adj < current) {
        log::warn("process.oomScoreAdj " + std::to_string(*adj) + " is below the current " +
                  std::to_string(current) + ": an unprivileged user may not lower it; kept " +
                  std::to_string(current));
        return std::optional<int32_t>{};
    }
    const std::string value = std::to_string(*adj);
    UniqueFd fd(open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
    if (!fd || write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size()))
        return fail_errno("set oom_score_adj to " + value);
    return std::optional<int32_t>{};
}

namespace {

std::string ns_link(const std::string& pid) {
    char buf[64]{};
    const std::string path = "/proc/" + pid + "/ns/pid";
    const ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// The parent pid from /proc/<pid>/stat (after the command's closing parenthesis).
pid_t parent_of(const std::string& pid) {
    auto stat = fs::read_file("/proc/" + pid + "/stat");
    if (!stat) return 0;
    const size_t close = stat->rfind(')');
    if (close == std::string::npos || close + 4 >= stat->size()) return 0;
    return static_cast<pid_t>(std::atol(stat->c_str() + close + 4)); // ") S PPID"
}

} // namespace

std::vector<pid_t> processes_without_cgroup(pid_t init) {
    const std::string init_ns = ns_link(std::to_string(init));
    const bool own_ns = !init_ns.empty() && init_ns != ns_link("self");
    std::vector<std::pair<pid_t, pid_t>> all; // pid, parent
    std::vector<pid_t> out{init};
    DIR* d = opendir("/proc");
    if (!d) return out;
    while (const dirent* e = readdir(d)) {
        const std::string name = e->d_name;
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
        if (pid == init) continue;
        if (own_ns && ns_link(name) == init_ns)
            out.push_back(pid);
        else
            all.emplace_back(pid, parent_of(name));
    }
    closedir(d);
    // Descendants of what is found, until nothing more joins.
    for (bool grew = true; grew;) {
        grew = false;
        for (auto& [pid, parent] : all)
            if (pid > 0 && std::ranges::find(out, parent) != out.end()) {
                out.push_back(pid);
                pid = 0;
                grew = true;
            }
    }
    std::ranges::sort(out);
    return out;
}

bool is_permission_error(int err) {
    return err == EPERM || err == EACCES || err == EROFS;
}

Result<void> allow_without_cgroup(const Error& err, const Config& cfg, bool unified_host) {
    const Linux& lx = *cfg.linux;
    // An explicit cgroupsPath is the caller's promise that it may be written: its error stays.
    if (lx.cgroupsPath && !lx.cgroupsPath->empty()) return std::unexpected(err);
    const auto limit = lx.resources ? first_limit(*lx.resources) : std::nullopt;
    if (!limit) return {};
    if (unified_host)
        return std::unexpected(Error(err.err(), "rootless needs no limits + no cgrouppath when "
                                                "no permission is granted for cgroups: " +
                                                    err.message()));
    return fail("cannot set " + *limit + " limit: container could not join or create cgroup");
}

} // namespace hull::rootless

namespace hull::runtime {

Result<std::string> default_root() {
    return rootless::default_root(rootless::this_caller());
}

std::string default_root_for(uid_t euid, const char* xdg_runtime_dir) {
    return rootless::default_root({.euid = euid, .xdg_runtime_dir = xdg_runtime_dir}).value_or("");
}

CgroupRules cgroup_rules(RootlessFlag flag) {
    return rootless::cgroup_rules(flag);
}

} // namespace hull::runtime
