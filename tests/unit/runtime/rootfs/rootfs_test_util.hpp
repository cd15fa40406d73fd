// Helpers for the [rootfs] tests: a temp bundle with a rootfs, running a check in a forked
// child inside a private mount namespace (optionally a user namespace too), the child's
// findings as key=value lines, and /proc/self/mountinfo parsing.
#pragma once

#include "hull/config.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace hull::rootfs_test {

inline bool is_root() {
    return ::geteuid() == 0;
}

// A bundle directory under /tmp with an empty "rootfs" inside; removed by the destructor
// (the children's mounts are gone with their mount namespaces by then).
class Bundle {
  public:
    Bundle() {
        std::string tmpl = "/tmp/hull-unit-rootfs-XXXXXX";
        if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
        dir_ = tmpl;
        std::filesystem::create_directory(rootfs());
    }
    ~Bundle() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    Bundle(const Bundle&) = delete;
    Bundle& operator=(const Bundle&) = delete;

    const std::string& dir() const { return dir_; }
    std::string rootfs() const { return dir_ + "/rootfs"; }
    // A path inside the rootfs as the host sees it.
    std::string in_root(const std::string& p) const { return rootfs() + p; }

    // Writes a file (creating parents) under the bundle.
    void write(const std::string& rel, const std::string& data) const {
        std::filesystem::path p = dir_ + "/" + rel;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p) << data;
    }

  private:
    std::string dir_;
};

// What a child reports: key=value lines (values must not contain newlines).
class Report {
  public:
    void set(const std::string& key, const std::string& value) {
        text_ += key + "=" + value + "\n";
    }
    void set(const std::string& key, long value) { set(key, std::to_string(value)); }
    const std::string& text() const { return text_; }

  private:
    std::string text_;
};

struct ChildResult {
    int status = -1; // exit code of the child (0 when fn returned normally)
    std::map<std::string, std::string> values;

    bool has(const std::string& k) const { return values.count(k) != 0; }
    std::string get(const std::string& k) const {
        auto it = values.find(k);
        return it == values.end() ? std::string("<missing " + k + ">") : it->second;
    }
};

enum class UserNs { No, Yes };

// Runs fn in a forked child that unshares a mount namespace (plus `extra` CLONE_NEW* flags)
// and makes "/" recursively private. With CLONE_NEWPID in `extra`, fn runs in a grandchild
// that is pid 1 of the new pid namespace. With UserNs::Yes the child first unshares a user
// namespace and the parent maps container ids 0..65535 to host ids 0..65535.
inline ChildResult in_child_ns(const std::function<void(Report&)>& fn, int extra = 0,
                               UserNs userns = UserNs::No) {
    int out[2], sync1[2], sync2[2];
    if (::pipe2(out, O_CLOEXEC) < 0 || ::pipe2(sync1, O_CLOEXEC) < 0 ||
        ::pipe2(sync2, O_CLOEXEC) < 0)
        std::abort();
    pid_t pid = ::fork();
    if (pid < 0) std::abort();
    if (pid == 0) {
        ::close(out[0]);
        Report rep;
        int code = 0;
        try {
            if (userns == UserNs::Yes) {
                if (::unshare(CLONE_NEWUSER) < 0) ::_exit(90);
                char c = 'u';
                (void)!::write(sync1[1], &c, 1);
                if (::read(sync2[0], &c, 1) != 1) ::_exit(91);
            }
            if (::unshare(CLONE_NEWNS | extra) < 0) ::_exit(92);
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) ::_exit(93);
            if (extra & CLONE_NEWPID) {
                // Only children enter the new pid namespace: fn runs as its pid 1.
                pid_t inner = ::fork();
                if (inner < 0) ::_exit(94);
                if (inner > 0) {
                    int st = 0;
                    while (::waitpid(inner, &st, 0) < 0 && errno == EINTR) {
                    }
                    ::_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
                }
            }
            fn(rep);
        } catch (const std::exception& e) {
            rep.set("exception", e.what());
            code = 98;
        } catch (...) {
            code = 99;
        }
        const std::string& t = rep.text();
        size_t off = 0;
        while (off < t.size()) {
            ssize_t n = ::write(out[1], t.data() + off, t.size() - off);
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        ::_exit(code);
    }
    ::close(out[1]);
    ::close(sync1[1]);
    ::close(sync2[0]);
    if (userns == UserNs::Yes) {
        char c;
        if (::read(sync1[0], &c, 1) == 1) {
            for (const char* f : {"uid_map", "gid_map"}) {
                std::ofstream m("/proc/" + std::to_string(pid) + "/" + f);
                m << "0 0 65536\n";
            }
            (void)!::write(sync2[1], "g", 1);
        }
    }
    ::close(sync1[0]);
    ::close(sync2[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof(buf))) > 0)
        text.append(buf, static_cast<size_t>(n));
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ChildResult r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) r.values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return r;
}

// One line of /proc/self/mountinfo.
struct MountInfo {
    std::string root;        // path inside the mounted filesystem
    std::string mount_point; // as seen from our root
    std::string mount_opts;  // per-mount options
    std::string optional;    // "shared:N master:M ..." (space separated)
    std::string fstype;
    std::string source;
    std::string super_opts;
};

inline std::string unescape_octal(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

inline std::vector<MountInfo> read_mountinfo() {
    std::vector<MountInfo> out;
    std::ifstream f("/proc/self/mountinfo");
    std::string line;
    while (std::getline(f, line)) {
        std::istringstream in(line);
        std::string id, parent, devno, tok;
        MountInfo m;
        in >> id >> parent >> devno >> m.root >> m.mount_point >> m.mount_opts;
        while (in >> tok && tok != "-")
            m.optional += (m.optional.empty() ? "" : " ") + tok;
        in >> m.fstype >> m.source >> m.super_opts;
        m.root = unescape_octal(m.root);
        m.mount_point = unescape_octal(m.mount_point);
        out.push_back(std::move(m));
    }
    return out;
}

// The mounts at or below `prefix`, in mountinfo order, with mount points made relative to
// it ("/" for the prefix itself).
inline std::vector<MountInfo> mounts_under(const std::string& prefix) {
    std::vector<MountInfo> out;
    for (auto m : read_mountinfo()) {
        if (m.mount_point == prefix) {
            m.mount_point = "/";
        } else if (m.mount_point.starts_with(prefix + "/")) {
            m.mount_point = m.mount_point.substr(prefix.size());
        } else {
            continue;
        }
        out.push_back(std::move(m));
    }
    return out;
}

// The last mount at `point` (relative to prefix), or nullptr.
inline const MountInfo* find_mount(const std::vector<MountInfo>& ms, const std::string& point) {
    const MountInfo* found = nullptr;
    for (const auto& m : ms)
        if (m.mount_point == point) found = &m;
    return found;
}

// Not on a temporary: the pointer would dangle.
const MountInfo* find_mount(std::vector<MountInfo>&&, const std::string&) = delete;

inline bool has_opt(const std::string& opts, const std::string& opt) {
    return ("," + opts + ",").find("," + opt + ",") != std::string::npos;
}

// "errno text" of writing a new file at path: "ok" or strerror.
inline std::string try_create(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return std::strerror(errno);
    ::close(fd);
    return "ok";
}

inline std::string read_text(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

inline Mount make_mount(std::string dest, std::string type, std::string source,
                        std::vector<std::string> options) {
    Mount m;
    m.destination = std::move(dest);
    if (!type.empty()) m.type = std::move(type);
    if (!source.empty()) m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

inline Config make_config(const Bundle& b) {
    Config cfg;
    cfg.ociVersion = "1.3.0";
    cfg.root.path = b.rootfs();
    cfg.linux = Linux{};
    return cfg;
}

} // namespace hull::rootfs_test
