// Small checks shared by the spec-test files (they use Catch2 macros, so they live apart
// from harness.hpp, which does not depend on Catch2).
#pragma once

#include "harness.hpp"

#include <catch2/catch.hpp>

#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace spectest {

// True while pid exists and is not a zombie.
inline bool pid_alive(long pid) {
    if (pid <= 0) return false;
    std::string st = read_text("/proc/" + std::to_string(pid) + "/stat");
    if (st.empty()) return false;
    auto close = st.rfind(')');
    if (close == std::string::npos || close + 2 >= st.size()) return false;
    return st[close + 2] != 'Z';
}

// True when something (even a dangling symlink) is at p.
inline bool path_exists(const std::string& p) {
    std::error_code ec;
    return std::filesystem::exists(std::filesystem::symlink_status(p, ec));
}

// True on a pure cgroup v2 host (cgroup2 mounted at /sys/fs/cgroup itself).
inline bool pure_v2() {
    struct statfs sf {};
    return ::statfs("/sys/fs/cgroup", &sf) == 0 &&
           static_cast<unsigned long>(sf.f_type) == CGROUP2_SUPER_MAGIC;
}

// `s` without trailing newlines and spaces.
inline std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

// The lines of text, without their newlines.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    for (std::string l; std::getline(ss, l);)
        out.push_back(l);
    return out;
}

// Pids of live processes whose root directory is the bundle rootfs (same dev + inode).
inline std::vector<long> procs_in_rootfs(const Bundle& b) {
    std::vector<long> out;
    struct stat want {};
    if (::stat(b.rootfs.c_str(), &want) != 0) return out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        struct stat st {};
        if (::stat(("/proc/" + name + "/root").c_str(), &st) != 0) continue;
        if (st.st_dev == want.st_dev && st.st_ino == want.st_ino && pid_alive(std::stol(name)))
            out.push_back(std::stol(name));
    }
    return out;
}

// Runs the bundle with `args`, requires exit 0 and returns the probe's report.
inline nlohmann::json run_report(Bundle& b, std::vector<std::string> args = {"/probe"}) {
    b.set_args(std::move(args));
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return Bundle::probe_report(r);
}

// The hull command behind `r` succeeded (exit 0); its output is shown when not.
inline void require_ok(const RunResult& r) {
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
}

// The hull command behind `r` failed with exit 1 and printed exactly "hull: <message>\n".
inline void check_refused(const RunResult& r, const std::string& message) {
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(r.err == "hull: " + message + "\n");
}

// `create` succeeds; returns the container's state object.
inline nlohmann::json require_create(Bundle& b) {
    require_ok(b.create());
    nlohmann::json st = b.state();
    REQUIRE(st.is_object());
    return st;
}

// `create` and `start` succeed; returns the init's host pid.
inline long require_create_start(Bundle& b) {
    const long pid = require_create(b)["pid"].get<long>();
    require_ok(b.start());
    return pid;
}

} // namespace spectest
