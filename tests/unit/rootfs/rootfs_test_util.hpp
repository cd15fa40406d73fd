// Helpers for the [rootfs] tests: a temp bundle with a rootfs, running a check in a forked
// child inside a private mount namespace (optionally a user namespace too), the child's
// findings as key=value lines, and /proc/self/mountinfo parsing.
#pragma once

#include "hull/config.hpp"
#include "ns_child.hpp"
#include "rootfs/rootfs.hpp"

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

// Report, ChildResult, UserNs, in_child_ns: ns_child.hpp.
using nstest::ChildResult;
using nstest::in_child_ns;
using nstest::Report;
using nstest::UserNs;

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

// The options of prepare() for the bundle b.
inline rootfs::PrepareOptions prepare_options(const Bundle& b) {
    rootfs::PrepareOptions o;
    o.rootfs = b.rootfs();
    o.bundle = b.dir();
    return o;
}

// prepare() in the child; records "prepare" = "ok" or the error text.
inline bool run_prepare(const Config& cfg, const Bundle& b, Report& rep) {
    auto fd = rootfs::prepare(cfg, prepare_options(b));
    rep.set("prepare", fd ? std::string("ok") : fd.error().message());
    return fd.has_value();
}

inline Config make_config(const Bundle& b) {
    Config cfg;
    cfg.ociVersion = "1.3.0";
    cfg.root.path = b.rootfs();
    cfg.linux = Linux{};
    return cfg;
}

} // namespace hull::rootfs_test
