#include "namespaces.hpp"

#include "hull/fs.hpp"
#include "hull/sys_ns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>

namespace hull::runtime::ns {
namespace {

#ifndef CLONE_NEWTIME
constexpr int CLONE_NEWTIME = 0x00000080;
#endif

int flag_of(NamespaceType t) {
    switch (t) {
    case NamespaceType::Pid:
        return CLONE_NEWPID;
    case NamespaceType::Network:
        return CLONE_NEWNET;
    case NamespaceType::Mount:
        return CLONE_NEWNS;
    case NamespaceType::Ipc:
        return CLONE_NEWIPC;
    case NamespaceType::Uts:
        return CLONE_NEWUTS;
    case NamespaceType::User:
        return CLONE_NEWUSER;
    case NamespaceType::Cgroup:
        return CLONE_NEWCGROUP;
    case NamespaceType::Time:
        return CLONE_NEWTIME;
    }
    return 0;
}

std::string map_text(const std::vector<IdMapping>& maps) {
    std::string s;
    for (const auto& m : maps)
        s += std::to_string(m.containerID) + " " + std::to_string(m.hostID) + " " +
             std::to_string(m.size) + "\n";
    return s;
}

Result<void> write_proc_file(const std::string& path, const std::string& data) {
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return fail_errno("open " + path);
    // The kernel takes a map in one write.
    if (write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()))
        return fail_errno("write " + path);
    return {};
}

} // namespace

Result<Plan> plan(const Config& cfg) {
    Plan p;
    if (!cfg.linux) {
        if (cfg.hostname || cfg.domainname)
            return fail("hostname: setting the hostname needs a private UTS namespace");
        return p;
    }
    const Linux& lx = *cfg.linux;
    bool user_joined = false;
    for (const auto& n : lx.namespaces) {
        if (!n.path || n.path->empty()) {
            p.clone_flags |= static_cast<uint64_t>(flag_of(n.type));
            continue;
        }
        Join j{n.type, *n.path};
        if (n.type == NamespaceType::Pid || n.type == NamespaceType::Time)
            p.join_in_parent.push_back(std::move(j));
        else if (n.type == NamespaceType::User) {
            user_joined = true;
            p.join_in_child.insert(p.join_in_child.begin(), std::move(j));
        } else
            p.join_in_child.push_back(std::move(j));
    }
    p.new_user = p.clone_flags & CLONE_NEWUSER;
    // A new time namespace is made by the parent (it needs its offsets before any process
    // enters it); the init then starts in it as the parent's time_for_children.
    p.new_time = p.clone_flags & CLONE_NEWTIME;
    p.clone_flags &= ~static_cast<uint64_t>(CLONE_NEWTIME);
    p.private_mount = lx.find_namespace(NamespaceType::Mount) != nullptr;
    p.private_uts = lx.find_namespace(NamespaceType::Uts) != nullptr;

    if (user_joined && (p.clone_flags & ~static_cast<uint64_t>(CLONE_NEWUSER)))
        return fail("linux.namespaces: creating namespaces inside a user namespace joined by "
                    "path is not supported yet");
    if (!p.new_user && (!lx.uidMappings.empty() || !lx.gidMappings.empty()))
        return fail("linux.uidMappings: id mappings need a new user namespace");
    if (p.new_user && (lx.uidMappings.empty() || lx.gidMappings.empty()))
        return fail("linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
    if ((cfg.hostname || cfg.domainname) && !p.private_uts)
        return fail("hostname: setting the hostname or domainname needs a private UTS namespace");
    if (!lx.timeOffsets.empty() && !p.new_time)
        return fail("linux.timeOffsets: time offsets need a new time namespace");
    return p;
}

Result<void> prepare_parent(const Plan& plan, const Config& cfg) {
    for (const auto& j : plan.join_in_parent)
        HULL_TRY_CTX(sys::join_namespace(j.path, flag_of(j.type)),
                     "join " + std::string(to_string(j.type)) + " namespace");
    if (!plan.new_time) return {};
    // A time namespace takes its offsets before any process enters it, so it is made here:
    // it applies to the children of this process only.
    if (unshare(CLONE_NEWTIME) < 0) return fail_errno("unshare time namespace");
    std::string offsets;
    for (const auto& [clock, off] : cfg.linux->timeOffsets) {
        if (clock != "boottime" && clock != "monotonic")
            return fail("linux.timeOffsets: unknown clock \"" + clock + "\"");
        offsets += clock + " " + std::to_string(off.secs.value_or(0)) + " " +
                   std::to_string(off.nanosecs.value_or(0)) + "\n";
    }
    if (!offsets.empty())
        HULL_TRY_CTX(write_proc_file("/proc/self/timens_offsets", offsets), "linux.timeOffsets");
    return {};
}

Result<void> write_id_maps(pid_t pid, const Config& cfg) {
    const std::string dir = "/proc/" + std::to_string(pid) + "/";
    HULL_TRY_CTX(write_proc_file(dir + "uid_map", map_text(cfg.linux->uidMappings)),
                 "write uid mappings");
    HULL_TRY_CTX(write_proc_file(dir + "gid_map", map_text(cfg.linux->gidMappings)),
                 "write gid mappings");
    return {};
}

Result<void> join_child(const Plan& plan) {
    std::vector<UniqueFd> fds;
    for (const auto& j : plan.join_in_child)
        fds.push_back(HULL_TRY(sys::open_namespace(j.path, flag_of(j.type))));
    for (size_t i = 0; i < fds.size(); ++i)
        HULL_TRY_CTX(sys::join_namespace(fds[i].get(), flag_of(plan.join_in_child[i].type)),
                     "join " + std::string(to_string(plan.join_in_child[i].type)) + " namespace " +
                         plan.join_in_child[i].path);
    return {};
}

Result<void> set_names(const Config& cfg) {
    auto set = [](const std::optional<std::string>& v, auto fn, const char* what) -> Result<void> {
        if (!v) return {};
        if (fn(v->c_str(), v->size()) < 0) return fail_errno(std::string("set ") + what);
        return {};
    };
    HULL_TRY(set(cfg.hostname, ::sethostname, "hostname"));
    HULL_TRY(set(cfg.domainname, ::setdomainname, "domainname"));
    return {};
}

} // namespace hull::runtime::ns
