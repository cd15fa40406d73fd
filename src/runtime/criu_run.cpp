#include "runtime/criu_run.hpp"

#include "util/fd.hpp"
#include "util/fs.hpp"
#include "util/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <sstream>

namespace hull::criu {
namespace {

// criu's path in PATH, or "".
std::string find_criu() {
    const char* path = getenv("PATH");
    std::string dirs =
        path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    std::stringstream ss(dirs);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        if (dir.empty()) continue;
        std::string p = dir + "/criu";
        if (access(p.c_str(), X_OK) == 0) return p;
    }
    return {};
}

// The lines of `text` that carry an error ("Error (criu/...)"), the last `n` of them, joined.
std::string error_lines(const std::string& text, size_t n) {
    std::vector<std::string> lines;
    std::stringstream ss(text);
    std::string line;
    while (std::getline(ss, line))
        if (line.find("Error") != std::string::npos) lines.push_back(line);
    if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<long>(n));
    std::string out;
    for (const auto& l : lines) {
        auto p = l.find("Error");
        out += (out.empty() ? "" : "; ") + l.substr(p);
    }
    return out;
}

} // namespace

Result<pid_t> spawn(const std::vector<std::string>& args,
                    const std::function<Result<void>()>& in_child,
                    const std::vector<int>& keep_fds) {
    std::string criu = find_criu();
    if (criu.empty()) return fail_sys(ENOENT, "criu is not installed (no criu in PATH)");
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>("criu"));
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0) return fail_errno("fork criu");
    if (pid == 0) {
        for (int fd : keep_fds) {
            int fl = fcntl(fd, F_GETFD);
            if (fl >= 0) fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
        }
        if (in_child) {
            if (auto r = in_child(); !r) {
                std::string msg = "hull: " + r.error().message() + "\n";
                (void)!write(2, msg.data(), msg.size());
                _exit(127);
            }
        }
        execv(criu.c_str(), argv.data());
        _exit(127);
    }
    return pid;
}

Result<int> wait_exit(pid_t pid) {
    const int status = HULL_TRY(io::wait_pid(pid, "wait for criu"));
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

Error failure(std::string_view what, int code, const std::string& log_path) {
    std::string msg = std::string(what) + " failed (criu exit status " + std::to_string(code) + ")";
    if (auto log = fs::read_file(log_path)) {
        std::string errs = error_lines(*log, 3);
        if (!errs.empty()) msg += ": " + errs;
    }
    return Error(0, msg + " (log: " + log_path + ")");
}

Result<void> usable() {
    std::string criu = find_criu();
    if (criu.empty())
        return std::unexpected(
            Error(ENOENT, "criu cannot work here: criu is not installed (no criu in PATH)"));
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return fail_errno("pipe");
    UniqueFd rd(p[0]), wr(p[1]);
    pid_t pid = fork();
    if (pid < 0) return fail_errno("fork criu");
    if (pid == 0) {
        dup2(wr.get(), 1);
        dup2(wr.get(), 2);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0) dup2(null, 0);
        execl(criu.c_str(), "criu", "check", static_cast<char*>(nullptr));
        _exit(127);
    }
    wr.reset();
    const std::string out = io::read_all(rd.get(), "read criu check's output").value_or("");
    int code = HULL_TRY(wait_exit(pid));
    if (code == 0) return {};
    std::string errs = error_lines(out, 2);
    return std::unexpected(
        Error(ENOTSUP, "criu cannot work here: `criu check` failed (exit status " +
                           std::to_string(code) + ")" + (errs.empty() ? "" : ": " + errs) +
                           "; see docs/checkpoint.md for what criu needs"));
}

namespace {

Result<std::string> absolute_dir(const std::string& path, MakeDirs make, std::string_view what) {
    if (make == MakeDirs::Yes && mkdir(path.c_str(), 0700) < 0 && errno != EEXIST)
        return fail_errno(std::string(what) + " " + path);
    char buf[PATH_MAX];
    if (!realpath(path.c_str(), buf)) return fail_errno(std::string(what) + " " + path);
    struct stat st;
    if (stat(buf, &st) < 0) return fail_errno(std::string(what) + " " + path);
    if (!S_ISDIR(st.st_mode)) return fail_sys(ENOTDIR, std::string(what) + " " + path);
    return std::string(buf);
}

} // namespace

std::vector<CgroupBind> cgroup_binds(const Config& cfg, const cgroups::Cgroup& cg) {
    std::vector<CgroupBind> out;
    const auto& host = cg.host();
    if (host.layout == cgroups::Layout::Unified) {
        const auto* ns = cfg.linux ? cfg.linux->find_namespace(NamespaceType::Cgroup) : nullptr;
        if (ns) return out; // a fresh cgroup2 mount: criu dumps it itself
        for (const auto& h : host.hierarchies)
            out.push_back({.name = "", .host_dir = h.mount_point + cg.path()});
        return out;
    }
    for (const auto& h : host.hierarchies)
        out.push_back({.name = h.mount_point.substr(h.mount_point.rfind('/') + 1),
                       .host_dir = h.mount_point + cg.path()});
    return out;
}

Result<Common> common_from(const runtime::CriuOptions& o, MakeDirs make) {
    Common c;
    std::string image = o.image_path.empty() ? "checkpoint" : o.image_path;
    c.image_dir = HULL_TRY(absolute_dir(image, make, "image path"));
    c.work_dir = o.work_path.empty()
                     ? c.image_dir
                     : HULL_TRY(absolute_dir(o.work_path, MakeDirs::Yes, "work path"));
    c.opts = o.opts;
    c.cgroups = o.cgroups;
    for (const auto& ns : o.empty_ns)
        c.empty_ns.push_back(HULL_TRY(empty_ns_name(ns)));
    return c;
}

std::string network_lock_for(const Config& cfg, const Common& c) {
    const auto* ns = cfg.linux ? cfg.linux->find_namespace(NamespaceType::Network) : nullptr;
    if (!ns || ns->path) return {};
    if (std::ranges::find(c.empty_ns, "net") != c.empty_ns.end()) return {};
    return "nftables";
}

} // namespace hull::criu
