// probe: the `report` subcommand's JSON object (ids, groups, capabilities, status fields,
// rlimits, namespaces, mounts, fds, env, ...). Syscall-based parts are in report_sys.cpp.
#include "probe.hpp"

#include <dirent.h>
#include <grp.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <utility>

extern char** environ;

namespace probe {
namespace {

// "Key:\tvalue" lines of /proc/self/status.
std::map<std::string, std::string> proc_status() {
    std::map<std::string, std::string> m;
    auto s = read_file("/proc/self/status");
    if (!s) return m;
    for (const auto& l : lines_of(*s)) {
        auto colon = l.find(':');
        if (colon == std::string::npos) continue;
        auto v = l.find_first_not_of(" \t", colon + 1);
        m[l.substr(0, colon)] = v == std::string::npos ? "" : l.substr(v);
    }
    return m;
}

json id_set(const std::map<std::string, std::string>& st, const char* key) {
    auto it = st.find(key);
    if (it == st.end()) return nullptr;
    auto w = words_of(it->second);
    if (w.size() < 4) return nullptr;
    return {{"real", std::stoul(w[0])},
            {"effective", std::stoul(w[1])},
            {"saved", std::stoul(w[2])},
            {"fs", std::stoul(w[3])}};
}

json capabilities(const std::map<std::string, std::string>& st) {
    json hex, names;
    for (auto [key, name] : std::array<std::pair<const char*, const char*>, 5>{{
             {"CapInh", "inheritable"},
             {"CapPrm", "permitted"},
             {"CapEff", "effective"},
             {"CapBnd", "bounding"},
             {"CapAmb", "ambient"},
         }}) {
        auto it = st.find(key);
        if (it == st.end()) continue;
        hex[name] = it->second;
        names[name] = cap_names(it->second);
    }
    return {{"hex", hex}, {"names", names}};
}

std::optional<long> status_long(const std::map<std::string, std::string>& st, const char* key,
                                int base = 10) {
    auto it = st.find(key);
    if (it == st.end() || it->second.empty()) return std::nullopt;
    return std::strtol(it->second.c_str(), nullptr, base);
}

json status_str(const std::map<std::string, std::string>& st, const char* key) {
    auto it = st.find(key);
    return it == st.end() ? json(nullptr) : json(it->second);
}

json rlimits() {
    constexpr std::array<std::pair<int, const char*>, 16> kLimits{{
        {RLIMIT_CPU, "RLIMIT_CPU"},
        {RLIMIT_FSIZE, "RLIMIT_FSIZE"},
        {RLIMIT_DATA, "RLIMIT_DATA"},
        {RLIMIT_STACK, "RLIMIT_STACK"},
        {RLIMIT_CORE, "RLIMIT_CORE"},
        {RLIMIT_RSS, "RLIMIT_RSS"},
        {RLIMIT_NPROC, "RLIMIT_NPROC"},
        {RLIMIT_NOFILE, "RLIMIT_NOFILE"},
        {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},
        {RLIMIT_AS, "RLIMIT_AS"},
        {RLIMIT_LOCKS, "RLIMIT_LOCKS"},
        {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
        {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"},
        {RLIMIT_NICE, "RLIMIT_NICE"},
        {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},
        {RLIMIT_RTTIME, "RLIMIT_RTTIME"},
    }};
    json out = json::object();
    for (auto [res, name] : kLimits) {
        rlimit rl{};
        if (::getrlimit(static_cast<__rlimit_resource>(res), &rl) != 0) {
            out[name] = nullptr;
            continue;
        }
        out[name] = {{"soft", static_cast<std::uint64_t>(rl.rlim_cur)},
                     {"hard", static_cast<std::uint64_t>(rl.rlim_max)}};
    }
    return out;
}

json namespaces() {
    json out = json::object();
    for (const char* ns : {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
                           "time_for_children", "user", "uts"})
        out[ns] = opt(read_link(std::string("/proc/self/ns/") + ns));
    return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            int v = 0;
            bool ok = true;
            for (size_t j = 1; j <= 3; ++j) {
                char c = s[i + j];
                if (c < '0' || c > '7') ok = false;
                v = v * 8 + (c - '0');
            }
            if (ok) {
                out += static_cast<char>(v);
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

json mounts() {
    json out = json::array();
    auto s = read_file("/proc/self/mountinfo");
    if (!s) return nullptr;
    for (const auto& l : lines_of(*s)) {
        auto w = words_of(l);
        auto dash = std::find(w.begin(), w.end(), "-");
        if (w.size() < 10 || dash == w.end() || w.end() - dash < 4) continue;
        json opt_fields = json::array();
        for (auto it = w.begin() + 6; it != dash; ++it)
            opt_fields.push_back(*it);
        out.push_back({{"id", std::stol(w[0])},
                       {"parent", std::stol(w[1])},
                       {"major_minor", w[2]},
                       {"root", unescape(w[3])},
                       {"mount_point", unescape(w[4])},
                       {"options", w[5]},
                       {"optional", opt_fields},
                       {"fs_type", *(dash + 1)},
                       {"source", unescape(*(dash + 2))},
                       {"super_options", *(dash + 3)}});
    }
    return out;
}

json open_fds() {
    json out = json::object();
    DIR* d = ::opendir("/proc/self/fd");
    if (!d) return nullptr;
    int self = ::dirfd(d);
    while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') continue;
        int fd = std::atoi(e->d_name);
        if (fd == self) continue;
        out[e->d_name] = opt(read_link(std::string("/proc/self/fd/") + e->d_name));
    }
    ::closedir(d);
    return out;
}

} // namespace

json report(int argc, char** argv) {
    json r;
    auto st = proc_status();
    r["pid"] = ::getpid();
    r["ppid"] = ::getppid();
    r["pgid"] = ::getpgid(0);
    r["sid"] = ::getsid(0);
    r["uid"] = id_set(st, "Uid");
    r["gid"] = id_set(st, "Gid");
    {
        int n = ::getgroups(0, nullptr);
        std::vector<gid_t> g(static_cast<size_t>(std::max(n, 0)));
        if (n > 0) n = ::getgroups(n, g.data());
        json groups = json::array();
        for (int i = 0; i < n; ++i)
            groups.push_back(g[static_cast<size_t>(i)]);
        r["groups"] = groups;
    }
    auto um = status_long(st, "Umask", 8);
    r["umask"] = um ? json(*um) : json(nullptr);
    {
        char buf[4096];
        r["cwd"] = ::getcwd(buf, sizeof(buf)) ? json(buf) : json(nullptr);
    }
    {
        char host[256] = {};
        r["hostname"] = ::gethostname(host, sizeof(host)) == 0 ? json(host) : json(nullptr);
        utsname u{};
        r["domainname"] = ::uname(&u) == 0 ? json(u.domainname) : json(nullptr);
    }
    r["capabilities"] = capabilities(st);
    auto nnp = status_long(st, "NoNewPrivs");
    r["no_new_privs"] = nnp ? json(*nnp) : json(nullptr);
    auto sec = status_long(st, "Seccomp");
    r["seccomp"] = sec ? json(*sec) : json(nullptr);
    auto secf = status_long(st, "Seccomp_filters");
    r["seccomp_filters"] = secf ? json(*secf) : json(nullptr);
    r["signals"] = {{"blocked", status_str(st, "SigBlk")},
                    {"ignored", status_str(st, "SigIgn")},
                    {"caught", status_str(st, "SigCgt")}};
    r["cpus_allowed_list"] = status_str(st, "Cpus_allowed_list");
    r["mems_allowed_list"] = status_str(st, "Mems_allowed_list");
    r["securebits"] = ::prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
    r["dumpable"] = ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    r["rlimits"] = rlimits();
    auto oom = read_file("/proc/self/oom_score_adj");
    r["oom_score_adj"] = oom ? json(std::atoi(oom->c_str())) : json(nullptr);
    r["namespaces"] = namespaces();
    r["mounts"] = mounts();
    r["fds"] = open_fds();
    json env = json::array();
    for (char** e = environ; e && *e; ++e)
        env.push_back(*e);
    r["env"] = env;
    json args = json::array();
    for (int i = 0; i < argc; ++i)
        args.push_back(argv[i]);
    r["args"] = args;
    int pers = ::personality(0xffffffff);
    r["personality"] = {{"raw", pers},
                        {"domain", (pers & PER_MASK) == PER_LINUX32 ? "LINUX32"
                                   : (pers & PER_MASK) == PER_LINUX ? "LINUX"
                                                                    : "OTHER"}};
    r["scheduler"] = scheduler();
    r["ioprio"] = ioprio();
    r["mempolicy"] = mempolicy();
    r["uid_map"] = id_map("/proc/self/uid_map");
    r["gid_map"] = id_map("/proc/self/gid_map");
    auto setgroups = read_file("/proc/self/setgroups");
    if (setgroups && !setgroups->empty() && setgroups->back() == '\n') setgroups->pop_back();
    r["setgroups"] = opt(setgroups);
    r["time_offsets"] = time_offsets();
    r["cgroup"] = cgroups();
    r["tty"] = tty_info();
    r["exe"] = opt(read_link("/proc/self/exe"));
    return r;
}

} // namespace probe
