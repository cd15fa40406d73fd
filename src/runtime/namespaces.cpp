#include "runtime/namespaces.hpp"

#include "runtime/idmap_write.hpp"
#include "sys/ns.hpp"
#include "util/fs.hpp"
#include "util/io.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace hull::runtime::ns {
namespace {

// The config's NamespaceType and sys::NsType give each type the same value.
static_assert(clone_flag(NamespaceType::Pid) == CLONE_NEWPID);
static_assert(clone_flag(NamespaceType::Network) == CLONE_NEWNET);
static_assert(clone_flag(NamespaceType::Mount) == CLONE_NEWNS);
static_assert(clone_flag(NamespaceType::Ipc) == CLONE_NEWIPC);
static_assert(clone_flag(NamespaceType::Uts) == CLONE_NEWUTS);
static_assert(clone_flag(NamespaceType::User) == CLONE_NEWUSER);
static_assert(clone_flag(NamespaceType::Cgroup) == CLONE_NEWCGROUP);
static_assert(clone_flag(NamespaceType::Time) == CLONE_NEWTIME);

Result<std::string> time_offsets_text(const Config& cfg) {
    std::string offsets;
    for (const auto& [clock, off] : cfg.linux->timeOffsets) {
        if (clock != "boottime" && clock != "monotonic")
            return fail("linux.timeOffsets: unknown clock \"" + clock + "\"");
        offsets += clock + " " + std::to_string(off.secs.value_or(0)) + " " +
                   std::to_string(off.nanosecs.value_or(0)) + "\n";
    }
    return offsets;
}

bool same_maps(const std::vector<IdMapping>& a, const std::vector<IdMapping>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
        return x.containerID == y.containerID && x.hostID == y.hostID && x.size == y.size;
    });
}

// The uid_map and gid_map of the user namespace at `path`, as a child that joined it reads
// them (hostID relative to the namespace's parent).
Result<std::pair<std::vector<IdMapping>, std::vector<IdMapping>>>
read_userns_maps(const std::string& path) {
    UniqueFd nsfd = HULL_TRY(sys::open_namespace(path, CLONE_NEWUSER));
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return fail_errno("pipe");
    UniqueFd rd(p[0]), wr(p[1]);
    const pid_t pid = ::fork();
    if (pid < 0) return fail_errno("fork to read the user namespace maps");
    if (pid == 0) {
        rd.reset();
        std::string out;
        if (::setns(nsfd.get(), CLONE_NEWUSER) < 0) {
            out = "E" + std::to_string(errno);
        } else {
            auto u = fs::read_file("/proc/self/uid_map");
            auto g = fs::read_file("/proc/self/gid_map");
            out = u && g ? "M" + *u + '\0' + *g : "E" + std::to_string(EIO);
        }
        (void)io::write_all(wr.get(), out);
        ::_exit(0);
    }
    wr.reset();
    // A failed read leaves `got` empty: reported as "no answer" below.
    const std::string got = io::read_all(rd.get()).value_or(std::string());
    (void)io::wait_pid(pid);
    const std::string what = "read the maps of user namespace " + path;
    if (got.starts_with("E")) return fail_sys(std::atoi(got.c_str() + 1), what);
    const size_t sep = got.find('\0');
    if (!got.starts_with("M") || sep == std::string::npos) return fail(what + ": no answer");
    return std::pair{parse_id_map(got.substr(1, sep - 1)), parse_id_map(got.substr(sep + 1))};
}

} // namespace

std::vector<IdMapping> parse_id_map(std::string_view text) {
    // Not an istringstream: that would set up std::locale on every `create`.
    std::vector<IdMapping> out;
    auto number = [&](uint32_t& v) {
        while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
            text.remove_prefix(1);
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end == text.data()) return false;
        text.remove_prefix(static_cast<size_t>(end - text.data()));
        return true;
    };
    IdMapping m;
    while (number(m.containerID) && number(m.hostID) && number(m.size))
        out.push_back(m);
    return out;
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
            p.clone_flags |= static_cast<uint64_t>(clone_flag(n.type));
            continue;
        }
        Join j{.type = n.type, .path = *n.path};
        if (n.type == NamespaceType::Pid || n.type == NamespaceType::Time)
            p.join_before_clone.push_back(std::move(j));
        else if (n.type == NamespaceType::User) {
            user_joined = true;
            p.user_path = *n.path;
        } else
            p.join_in_child.push_back(std::move(j));
    }
    p.new_user = p.clone_flags & CLONE_NEWUSER;
    // A new time namespace is made by the process that clones the init (it needs its offsets
    // before any process enters it); the init then starts in it as its time_for_children.
    p.new_time = p.clone_flags & CLONE_NEWTIME;
    p.clone_flags &= ~static_cast<uint64_t>(CLONE_NEWTIME);
    p.private_mount = lx.find_namespace(NamespaceType::Mount) != nullptr;
    p.private_uts = lx.find_namespace(NamespaceType::Uts) != nullptr;

    if (p.new_user) {
        p.uid_map = lx.uidMappings;
        p.gid_map = lx.gidMappings;
    }
    if (user_joined) {
        // The joined user namespace must own what is created: the joiner clones the init
        // from inside it (see namespaces.hpp).
        p.joined_user = true;
        const std::string& path = p.user_path;
        auto [uids, gids] = HULL_TRY(read_userns_maps(path));
        if ((!lx.uidMappings.empty() || !lx.gidMappings.empty()) &&
            (!same_maps(lx.uidMappings, uids) || !same_maps(lx.gidMappings, gids)))
            return fail("linux.uidMappings: the mappings differ from those of the user "
                        "namespace joined by path (" +
                        path + "); give none, or the same");
        p.uid_map = std::move(uids);
        p.gid_map = std::move(gids);
    }
    if (!p.new_user && !p.joined_user && (!lx.uidMappings.empty() || !lx.gidMappings.empty()))
        return fail("linux.uidMappings: id mappings need a new user namespace");
    if (p.new_user && (lx.uidMappings.empty() || lx.gidMappings.empty()))
        return fail("linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
    if ((cfg.hostname || cfg.domainname) && !p.private_uts)
        return fail("hostname: setting the hostname or domainname needs a private UTS namespace");
    if (!lx.timeOffsets.empty() && !p.new_time)
        return fail("linux.timeOffsets: time offsets need a new time namespace");
    return p;
}

Result<void> prepare_cloner(const Plan& plan, const Config& cfg) {
    // Every file is opened first: paths may be relative to namespaces we leave.
    std::vector<UniqueFd> fds;
    for (const auto& j : plan.join_before_clone)
        fds.push_back(HULL_TRY(sys::open_namespace(j.path, clone_flag(j.type))));
    UniqueFd user;
    if (plan.joined_user) user = HULL_TRY(sys::open_namespace(plan.user_path, CLONE_NEWUSER));
    // pid and time first, while we hold the privileges of our own user namespace over them.
    for (size_t i = 0; i < fds.size(); ++i) {
        const Join& j = plan.join_before_clone[i];
        HULL_TRY_CTX(sys::join_namespace(fds[i].get(), clone_flag(j.type)),
                     "join " + std::string(to_string(j.type)) + " namespace " + j.path);
    }
    if (user)
        HULL_TRY_CTX(sys::join_namespace(user.get(), CLONE_NEWUSER),
                     "join user namespace " + plan.user_path);
    if (!plan.new_time) return {};
    // A time namespace takes its offsets before any process enters it, so it is made here:
    // it applies to the children of this process only, and belongs to our user namespace.
    std::string offsets = HULL_TRY(time_offsets_text(cfg));
    if (unshare(CLONE_NEWTIME) < 0) return fail_errno("unshare time namespace");
    if (!offsets.empty())
        HULL_TRY_CTX(write_proc_file("/proc/self/timens_offsets", offsets), "linux.timeOffsets");
    return {};
}

Result<void> write_id_maps(pid_t pid, const Config& cfg) {
    if (geteuid() != 0) return write_id_maps_unprivileged(pid, cfg);
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
        fds.push_back(HULL_TRY(sys::open_namespace(j.path, clone_flag(j.type))));
    // The joiner has put us in the joined user namespace: become its root before joining the
    // others with its privileges.
    if (plan.joined_user && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        return fail_errno("become root in the user namespace " + plan.user_path);
    for (size_t i = 0; i < fds.size(); ++i) {
        const Join& j = plan.join_in_child[i];
        HULL_TRY_CTX(sys::join_namespace(fds[i].get(), clone_flag(j.type)),
                     "join " + std::string(to_string(j.type)) + " namespace " + j.path);
    }
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
