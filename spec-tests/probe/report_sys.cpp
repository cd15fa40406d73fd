// probe: report parts read through syscalls and small /proc files: scheduler, I/O priority,
// NUMA memory policy, user-namespace id maps, cgroups, time-namespace offsets, terminal.
#include "probe.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <map>

namespace probe {
namespace {

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

} // namespace

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

} // namespace probe
