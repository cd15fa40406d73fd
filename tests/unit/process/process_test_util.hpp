// Helpers for the [process] unit tests: every test applies its steps in a forked child (they
// change uid, caps, limits ... for good) and reports what it observes through a pipe.
#pragma once

#include "hull/config.hpp"

#include "temp_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

namespace hull::proctest {

// What a child reported: its exit code (128 + signal if killed) and "key=value" lines.
struct ChildReport {
    int code = -1;
    std::map<std::string, std::string> values;
    std::string raw;

    const std::string& at(const std::string& key) const {
        static const std::string missing = "<missing>";
        auto it = values.find(key);
        return it == values.end() ? missing : it->second;
    }
};

// Collects observations in the child.
class Out {
  public:
    void put(const std::string& key, const std::string& value) {
        text_ += key + "=" + value + "\n";
    }
    void put(const std::string& key, long long value) { put(key, std::to_string(value)); }
    const std::string& text() const { return text_; }

  private:
    std::string text_;
};

// Runs fn(out) in a forked child; fn's return value is the exit code. The child never
// returns into Catch (it leaves with _exit). The output is sent when fn returns, so a child
// that execs reports only through its exit code.
inline ChildReport run_child(const std::function<int(Out&)>& fn) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) std::abort();
    pid_t pid = ::fork();
    if (pid < 0) std::abort();
    if (pid == 0) {
        ::close(p[0]);
        Out out;
        int code = 99;
        try {
            code = fn(out);
        } catch (...) {
            code = 98;
        }
        const std::string& t = out.text();
        size_t off = 0;
        while (off < t.size()) {
            ssize_t n = ::write(p[1], t.data() + off, t.size() - off);
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        ::_exit(code);
    }
    ::close(p[1]);
    ChildReport rep;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(p[0], buf, sizeof(buf))) > 0)
        rep.raw.append(buf, static_cast<size_t>(n));
    ::close(p[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    rep.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::istringstream in(rep.raw);
    std::string line;
    while (std::getline(in, line)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) rep.values[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return rep;
}

// A field of /proc/self/status ("CapEff", "NoNewPrivs", ...), trimmed.
inline std::string status_field(const std::string& name) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(name + ":", 0) == 0) {
            auto v = line.substr(name.size() + 1);
            auto b = v.find_first_not_of(" \t");
            return b == std::string::npos ? "" : v.substr(b);
        }
    }
    return "<missing>";
}

// A capability mask field of /proc/self/status as a number.
inline uint64_t cap_mask(const std::string& name) {
    return std::stoull(status_field(name), nullptr, 16);
}

inline uint64_t cap_bits(std::initializer_list<Capability> caps) {
    uint64_t m = 0;
    for (auto c : caps)
        m |= uint64_t{1} << cap_number(c);
    return m;
}

// The same list in all five capability sets.
inline Capabilities same_caps(std::vector<Capability> caps) {
    return Capabilities{caps, caps, caps, caps, caps};
}

// A minimal process: root, cwd "/", nothing else set (prepare() then changes almost nothing).
inline Process basic_process() {
    Process p;
    p.args = {"true"};
    p.cwd = "/";
    p.env = {"PATH=/usr/bin:/bin"};
    return p;
}

// A fresh directory under /tmp, world-searchable, removed by the destructor.
class TempDir : public testutil::TempDir {
  public:
    TempDir() : testutil::TempDir("process", 0755) {}

    // Writes a file with the given mode and returns its path.
    std::string write(const std::string& rel, const std::string& content, mode_t mode) const {
        std::string p = *this / rel;
        {
            std::ofstream f(p);
            f << content;
        }
        ::chmod(p.c_str(), mode);
        return p;
    }
};

} // namespace hull::proctest
