// The spec-test harness; see harness.hpp.
#include "harness.hpp"

#include "sys/fdpass.hpp"
#include "sys/pidfd.hpp"

#include <atomic>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace spectest {
namespace {

namespace fs = std::filesystem;

std::string& base_dir_storage() {
    static std::string base;
    return base;
}

std::string must_env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

[[noreturn]] void die(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

// The per-run directory, created on first use (mode 0755 so that a container whose root
// is mapped to another uid can still reach its rootfs).
const std::string& base_dir() {
    std::string& base = base_dir_storage();
    if (!base.empty()) return base;
    std::string parent = must_env("HULL_SPEC_TMPDIR");
    if (parent.empty()) parent = "/tmp";
    std::string tmpl = parent + "/hull-spec-" + std::to_string(::getpid()) + "-XXXXXX";
    if (!::mkdtemp(tmpl.data())) die("mkdtemp " + tmpl);
    ::chmod(tmpl.c_str(), 0755);
    base = tmpl;
    return base;
}

// A fresh path name under the per-run directory (nothing is created).
// Atomic: the race tests run hull from two threads at once, and two runs must never share an
// output file.
std::string fresh_name(const std::string& stem) {
    static std::atomic<unsigned> counter = 0;
    return base_dir() + "/" + stem + std::to_string(++counter);
}

int open_or_die(const std::string& path, int flags, mode_t mode = 0644) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    if (fd < 0) die("open " + path);
    return fd;
}

std::optional<std::uint64_t> mount_id_at(int dirfd, const char* name) {
    struct statx sx {};
    if (::statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) != 0)
        return std::nullopt;
    if (!(sx.stx_mask & STATX_MNT_ID)) return std::nullopt;
    return sx.stx_mnt_id;
}

bool remove_at(int parent, const std::string& name, std::uint64_t mnt, const std::string& shown) {
    struct stat st {};
    if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT;
    if (!S_ISDIR(st.st_mode)) return ::unlinkat(parent, name.c_str(), 0) == 0 || errno == ENOENT;
    auto id = mount_id_at(parent, name.c_str());
    std::string via = "/proc/self/fd/" + std::to_string(parent) + "/" + name;
    for (int i = 0; id && *id != mnt && i < 32; ++i) {
        // A mount left behind: detach it (and whatever is stacked on it), never empty it.
        if (::umount2(via.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0) break;
        id = mount_id_at(parent, name.c_str());
    }
    if (!id || *id != mnt) {
        std::fprintf(stderr, "hull-spec: leaving %s alone (a mount that cannot be detached)\n",
                     shown.c_str());
        return false;
    }
    int fd = ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return false;
    hull::UniqueFd dir(fd);
    std::vector<std::string> names;
    if (DIR* d = ::fdopendir(::dup(dir.get()))) {
        while (dirent* e = ::readdir(d))
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
                names.emplace_back(e->d_name);
        ::closedir(d);
    }
    bool ok = true;
    for (const auto& n : names)
        ok = remove_at(dir.get(), n, mnt, shown + "/" + n) && ok;
    dir.reset();
    return ::unlinkat(parent, name.c_str(), AT_REMOVEDIR) == 0 && ok;
}

const std::string& template_rootfs() {
    static std::string tmpl;
    if (!tmpl.empty()) return tmpl;
    std::string root = base_dir() + "/template-rootfs";
    for (const char* d : {"bin", "etc", "proc", "sys", "dev", "tmp", "root", "usr/bin"})
        fs::create_directories(root + "/" + d);
    fs::permissions(root + "/tmp", fs::perms(01777));
    fs::copy_file(probe_binary(), root + "/probe");
    fs::permissions(root + "/probe", fs::perms(0755));
    fs::copy_file("/bin/busybox", root + "/bin/busybox");
    fs::permissions(root + "/bin/busybox", fs::perms(0755));
    for (const char* applet :
         {"sh",      "ash",     "ls",      "cat",      "echo",     "sleep",  "ps",     "id",
          "mount",   "umount",  "chown",   "chmod",    "touch",    "mkdir",  "rm",     "rmdir",
          "ln",      "cp",      "mv",      "env",      "true",     "false",  "kill",   "grep",
          "head",    "tail",    "stat",    "readlink", "hostname", "uname",  "wc",     "test",
          "[",       "printf",  "pwd",     "tty",      "stty",     "nproc",  "whoami", "setsid",
          "cut",     "tr",      "sed",     "awk",      "find",     "date",   "dd",     "tee",
          "yes",     "ip",      "sync",    "pidof",    "mknod",    "mkfifo", "ionice", "taskset",
          "nsenter", "unshare", "timeout", "xargs",    "dmesg",    "sysctl"})
        fs::create_symlink("busybox", root + "/bin/" + applet);
    write_text(root + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                                     "user:x:1000:1000:user:/tmp:/bin/sh\n"
                                     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    write_text(root + "/etc/group", "root:x:0:\ntty:x:5:\nuser:x:1000:\nnogroup:x:65534:\n");
    tmpl = root;
    return tmpl;
}

} // namespace

std::string hull_binary() {
    return must_env("HULL_BINARY");
}
std::string probe_binary() {
    return must_env("HULL_PROBE");
}
std::string unguarded_binary() {
    return must_env("HULL_UNGUARDED");
}

std::string temp_dir() {
    std::string d = fresh_name("t");
    if (::mkdir(d.c_str(), 0755) != 0) die("mkdir " + d);
    return d;
}

void cleanup_temp() {
    std::string& base = base_dir_storage();
    if (base.empty()) return;
    if (!must_env("HULL_SPEC_KEEP").empty()) {
        std::fprintf(stderr, "hull-spec: keeping %s\n", base.c_str());
        return;
    }
    remove_tree(base);
    base.clear();
}

bool remove_tree(const std::string& path) {
    fs::path p = fs::path(path).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    std::string parent = p.parent_path().string();
    int pfd = ::open(parent.empty() ? "." : parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (pfd < 0) return false;
    hull::UniqueFd pdir(pfd);
    std::string name = p.filename().string();
    struct stat st {};
    if (::fstatat(pfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT;
    auto mnt = mount_id_at(pfd, name.c_str());
    if (!mnt) return false;
    return remove_at(pfd, name, *mnt, p.string());
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const std::string& path, std::string_view text) {
    std::ofstream o(path, std::ios::binary | std::ios::trunc);
    o << text;
    if (!o) throw std::runtime_error("write " + path + " failed");
}

RunResult run_command(const std::vector<std::string>& argv, const RunOptions& opts) {
    if (argv.empty()) throw std::runtime_error("run_command: empty argv");
    RunResult res;
    std::string out_path = opts.stdout_file.empty() ? fresh_name("out") : opts.stdout_file;
    std::string err_path = opts.stderr_file.empty() ? fresh_name("err") : opts.stderr_file;
    hull::UniqueFd out(open_or_die(out_path, O_WRONLY | O_CREAT | O_TRUNC));
    hull::UniqueFd err(open_or_die(err_path, O_WRONLY | O_CREAT | O_TRUNC));
    hull::UniqueFd in;
    std::string in_path;
    if (opts.stdin_data.empty()) {
        in.reset(open_or_die("/dev/null", O_RDONLY));
    } else {
        in_path = fresh_name("in");
        write_text(in_path, opts.stdin_data);
        in.reset(open_or_die(in_path, O_RDONLY));
    }
    std::vector<char*> cargv;
    for (const auto& a : argv)
        cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    std::vector<char*> cenv;
    for (const auto& e : opts.env)
        cenv.push_back(const_cast<char*>(e.c_str()));
    cenv.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        ::setpgid(0, 0);
        ::signal(SIGPIPE, SIG_DFL);
        if (::dup2(in.get(), 0) < 0 || ::dup2(out.get(), 1) < 0 || ::dup2(err.get(), 2) < 0)
            ::_exit(126);
        if (!opts.cwd.empty() && ::chdir(opts.cwd.c_str()) != 0) {
            std::fprintf(stderr, "run_command: chdir %s: %s\n", opts.cwd.c_str(),
                         std::strerror(errno));
            ::_exit(127);
        }
        ::syscall(SYS_close_range, 3U, ~0U, 0U);
        ::execve(cargv[0], cargv.data(), opts.env.empty() ? environ : cenv.data());
        std::fprintf(stderr, "run_command: exec %s: %s\n", cargv[0], std::strerror(errno));
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    out.reset();
    err.reset();
    in.reset();

    auto pidfd = hull::sys::pidfd_open(pid);
    if (pidfd) {
        auto exited = hull::sys::pidfd_poll_exit(pidfd->get(), opts.timeout_s * 1000);
        if (exited && !*exited) {
            res.timed_out = true;
            ::kill(-pid, SIGKILL);
            ::kill(pid, SIGKILL);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) res.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) {
        res.signal = WTERMSIG(status);
        res.exit_code = 128 + res.signal;
    }
    if (res.timed_out) res.exit_code = -1;
    res.out = read_text(out_path);
    res.err = read_text(err_path);
    if (opts.stdout_file.empty()) ::unlink(out_path.c_str());
    if (opts.stderr_file.empty()) ::unlink(err_path.c_str());
    if (!in_path.empty()) ::unlink(in_path.c_str());
    return res;
}

int spawn_command(const std::vector<std::string>& argv, const SpawnOptions& opts) {
    if (argv.empty()) throw std::runtime_error("spawn_command: empty argv");
    auto open_out = [](const std::string& path) {
        return path.empty() ? open_or_die("/dev/null", O_WRONLY)
                            : open_or_die(path, O_WRONLY | O_CREAT | O_TRUNC);
    };
    hull::UniqueFd in, out, err;
    if (opts.tty < 0) {
        in.reset(open_or_die("/dev/null", O_RDONLY));
        out.reset(open_out(opts.stdout_file));
        err.reset(open_out(opts.stderr_file));
    }
    std::vector<char*> cargv;
    for (const auto& a : argv)
        cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid < 0) die("fork");
    if (pid != 0) return pid;
    ::signal(SIGPIPE, SIG_DFL);
    if (opts.tty >= 0) {
        if (::setsid() < 0 || ::ioctl(opts.tty, TIOCSCTTY, 0) < 0) ::_exit(126);
        for (int fd = 0; fd <= 2; ++fd)
            if (::dup2(opts.tty, fd) < 0) ::_exit(126);
    } else if (::dup2(in.get(), 0) < 0 || ::dup2(out.get(), 1) < 0 || ::dup2(err.get(), 2) < 0) {
        ::_exit(126);
    }
    // Move the extra fds out of the way first, then into place from 3 on.
    std::vector<int> high;
    for (int fd : opts.extra_fds) {
        high.push_back(::fcntl(fd, F_DUPFD_CLOEXEC, 1000));
        if (high.back() < 0) ::_exit(126);
    }
    const int n = static_cast<int>(high.size());
    for (int i = 0; i < n; ++i)
        if (::dup2(high[static_cast<size_t>(i)], 3 + i) < 0) ::_exit(126);
    ::syscall(SYS_close_range, static_cast<unsigned>(3 + n), ~0U, 0U);
    if (opts.socket_activation) {
        ::setenv("LISTEN_FDS", std::to_string(n).c_str(), 1);
        ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
    }
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
}

int wait_command(int pid, int timeout_s) {
    bool timed_out = false;
    if (auto pidfd = hull::sys::pidfd_open(pid)) {
        auto exited = hull::sys::pidfd_poll_exit(pidfd->get(), timeout_s * 1000);
        if (exited && !*exited) {
            timed_out = true;
            ::kill(pid, SIGKILL);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) return -1;
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

RunResult run_hull(const std::vector<std::string>& args, const RunOptions& opts) {
    std::vector<std::string> argv{hull_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, opts);
}

std::string describe(const RunResult& r) {
    std::string s = "exit " + std::to_string(r.exit_code);
    if (r.signal) s += " (signal " + std::to_string(r.signal) + ")";
    if (r.timed_out) s += " (timed out)";
    return s + "\n--- stdout ---\n" + r.out + "\n--- stderr ---\n" + r.err;
}

nlohmann::json parse_probe_json(std::string_view out) {
    size_t end = out.size();
    while (end > 0) {
        size_t start = out.rfind('\n', end - 1);
        start = start == std::string_view::npos ? 0 : start + 1;
        std::string_view line = out.substr(start, end - start);
        if (!line.empty() && line.front() == '{') {
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (!j.is_discarded() && j.is_object()) return j;
        }
        end = start == 0 ? 0 : start - 1;
    }
    throw std::runtime_error("no probe JSON in the output:\n" + std::string(out));
}

bool wait_until(const std::function<bool()>& pred, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

std::string read_until(int fd, std::string_view needle, int timeout_ms) {
    std::string got;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (needle.empty() || got.find(needle) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now())
                        .count();
        if (left <= 0) break;
        pollfd p{fd, POLLIN, 0};
        int n = ::poll(&p, 1, static_cast<int>(left));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        char buf[4096];
        ssize_t r = ::read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; // EOF, or EIO once the pty slave is closed
        got.append(buf, static_cast<size_t>(r));
    }
    return got;
}

nlohmann::json base_config() {
    using nlohmann::json;
    json caps = json::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
    return {
        {"ociVersion", "1.3.0"},
        {"process",
         {{"terminal", false},
          {"user", {{"uid", 0}, {"gid", 0}}},
          {"args", json::array({"/probe"})},
          {"env", json::array({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                               "TERM=xterm"})},
          {"cwd", "/"},
          {"capabilities", {{"bounding", caps}, {"effective", caps}, {"permitted", caps}}},
          {"rlimits", json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
          {"noNewPrivileges", true}}},
        {"root", {{"path", "rootfs"}, {"readonly", false}}},
        {"hostname", "hull-spec"},
        {"mounts",
         json::array({
             {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
             {{"destination", "/dev"},
              {"type", "tmpfs"},
              {"source", "tmpfs"},
              {"options", json::array({"nosuid", "strictatime", "mode=755", "size=65536k"})}},
             {{"destination", "/dev/pts"},
              {"type", "devpts"},
              {"source", "devpts"},
              {"options", json::array({"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                       "mode=0620", "gid=5"})}},
             {{"destination", "/dev/shm"},
              {"type", "tmpfs"},
              {"source", "shm"},
              {"options", json::array({"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"})}},
             {{"destination", "/sys"},
              {"type", "sysfs"},
              {"source", "sysfs"},
              {"options", json::array({"nosuid", "noexec", "nodev", "ro"})}},
         })},
        {"linux",
         {{"namespaces", json::array({{{"type", "pid"}},
                                      {{"type", "network"}},
                                      {{"type", "ipc"}},
                                      {{"type", "uts"}},
                                      {{"type", "mount"}}})}}},
    };
}

// ---- Bundle ----

Bundle::Bundle() : config(base_config()), tmp_(temp_dir()) {
    static unsigned counter = 0;
    dir = tmp_ + "/bundle";
    rootfs = dir + "/rootfs";
    state_root = tmp_ + "/state";
    id = "spec-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    fs::create_directory(dir);
    fs::create_directory(state_root);
    fs::copy(template_rootfs(), rootfs,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::permissions(rootfs + "/tmp", fs::perms(01777));
}

Bundle::~Bundle() {
    try {
        RunOptions quick;
        quick.timeout_s = 30;
        if (!hull_binary().empty() && fs::exists(state_root))
            (void)hull({"delete", "--force", id}, quick);
        kill_leftovers();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "hull-spec: cleaning up bundle %s: %s\n", id.c_str(), e.what());
    }
    remove_tree(tmp_);
}

void Bundle::kill_leftovers() const {
    // Anything still running with this rootfs as its root (after pivot_root the root is a
    // bind mount of the rootfs directory: same device and inode).
    struct stat want {};
    if (::stat(rootfs.c_str(), &want) != 0) return;
    for (int round = 0; round < 50; ++round) {
        bool found = false;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator("/proc", ec)) {
            std::string name = e.path().filename().string();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            if (std::stoi(name) == ::getpid()) continue;
            struct stat st {};
            if (::stat(("/proc/" + name + "/root").c_str(), &st) != 0) continue;
            if (st.st_dev == want.st_dev && st.st_ino == want.st_ino) {
                ::kill(std::stoi(name), SIGKILL);
                found = true;
            }
        }
        if (!found) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// HULL_SPEC_SYSTEMD=1 (the systemd lane): every hull command gets --systemd-cgroup, and a
// config without a cgroupsPath gets "system.slice:hullspec:<id>".
bool systemd_driver() {
    const char* v = std::getenv("HULL_SPEC_SYSTEMD");
    return v && std::string(v) == "1";
}

void Bundle::write() const {
    nlohmann::json c = config;
    if (systemd_driver() && c.contains("linux") && !c["linux"].contains("cgroupsPath"))
        c["linux"]["cgroupsPath"] = "system.slice:hullspec:" + id;
    write_text(dir + "/config.json", c.dump(2) + "\n");
}

void Bundle::set_args(std::vector<std::string> args) {
    config["process"]["args"] = args;
}

void Bundle::chown_rootfs(unsigned uid, unsigned gid) const {
    auto own = [&](const fs::path& p) {
        if (::lchown(p.c_str(), uid, gid) != 0) die("lchown " + p.string());
    };
    own(rootfs);
    for (const auto& e : fs::recursive_directory_iterator(rootfs))
        own(e.path());
}

std::string Bundle::host_path(std::string_view container_path) const {
    std::string p(container_path);
    if (!p.empty() && p.front() != '/') p.insert(p.begin(), '/');
    return rootfs + p;
}

std::vector<std::string> Bundle::hull_args(const std::vector<std::string>& args) const {
    std::vector<std::string> all{"--root", state_root};
    if (systemd_driver()) all.push_back("--systemd-cgroup");
    all.insert(all.end(), args.begin(), args.end());
    return all;
}

RunResult Bundle::hull(const std::vector<std::string>& args, const RunOptions& opts) const {
    return run_hull(hull_args(args), opts);
}

RunResult Bundle::run(const RunOptions& opts) const {
    write();
    return hull({"run", "--bundle", dir, id}, opts);
}

RunResult Bundle::create(const RunOptions& opts) const {
    write();
    return hull({"create", "--bundle", dir, id}, opts);
}

RunResult Bundle::start() const {
    return hull({"start", id});
}

RunResult Bundle::kill(const std::string& sig) const {
    return hull({"kill", id, sig});
}

RunResult Bundle::remove(bool force) const {
    if (force) return hull({"delete", "--force", id});
    return hull({"delete", id});
}

nlohmann::json Bundle::state() const {
    RunResult r = hull({"state", id});
    if (r.exit_code != 0) return nullptr;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

bool Bundle::wait_status(const std::string& status, int timeout_ms) const {
    return wait_until(
        [&] {
            auto s = state();
            return s.is_object() && s.value("status", "") == status;
        },
        timeout_ms);
}

nlohmann::json Bundle::probe_report(const RunResult& r) {
    return parse_probe_json(r.out);
}

// ---- ConsoleSocket ----

ConsoleSocket::ConsoleSocket() : path(temp_dir() + "/console.sock") {
    auto l = hull::fdpass::listen_unix(path);
    if (!l) throw std::runtime_error(l.error().message());
    listener_ = std::move(*l);
}

std::pair<hull::UniqueFd, std::string> ConsoleSocket::receive(int timeout_ms) {
    pollfd p{listener_.get(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1)
        throw std::runtime_error("console socket: no connection within " +
                                 std::to_string(timeout_ms) + " ms");
    hull::UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) die("accept console socket");
    pollfd c{conn.get(), POLLIN, 0};
    if (::poll(&c, 1, timeout_ms) != 1)
        throw std::runtime_error("console socket: no message within " + std::to_string(timeout_ms) +
                                 " ms");
    auto got = hull::fdpass::recv_fd(conn.get());
    if (!got) throw std::runtime_error("console socket: " + got.error().message());
    return std::move(*got);
}

} // namespace spectest
