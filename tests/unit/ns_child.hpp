// Unit-test helper shared by the runtime modules (rootfs, terminal, ...): runs a check in a
// forked child inside private namespaces (a mount namespace, optionally user/pid/...) and
// brings back what it found as key=value lines through a pipe.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>

namespace hull::nstest {

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

// A child started by start_in_ns, still running; collect() reads its report and reaps it.
struct NsChild {
    pid_t pid = -1;
    int out = -1; // read end of the report pipe
    ChildResult collect();
};

// Starts fn in a forked child that unshares a mount namespace (plus `extra` CLONE_NEW* flags)
// and makes "/" recursively private. With CLONE_NEWPID in `extra`, fn runs in a grandchild
// that is pid 1 of the new pid namespace. With UserNs::Yes the child first unshares a user
// namespace and the parent maps container ids 0..65535 to host ids 0..65535.
inline NsChild start_in_ns(const std::function<void(Report&)>& fn, int extra = 0,
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
    return NsChild{pid, out[0]};
}

inline ChildResult NsChild::collect() {
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) text.append(buf, static_cast<size_t>(n));
    ::close(out);
    out = -1;
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

// start_in_ns(...).collect(): runs fn and waits for its report.
inline ChildResult in_child_ns(const std::function<void(Report&)>& fn, int extra = 0,
                               UserNs userns = UserNs::No) {
    return start_in_ns(fn, extra, userns).collect();
}

} // namespace hull::nstest
