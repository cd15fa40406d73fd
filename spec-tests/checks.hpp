// Small checks shared by the spec-test files (they use Catch2 macros, so they live apart
// from harness.hpp, which does not depend on Catch2).
#pragma once

#include "harness.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
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

// Runs the bundle with `args`, requires exit 0 and returns the probe's report.
inline nlohmann::json run_report(Bundle& b, std::vector<std::string> args = {"/probe"}) {
    b.set_args(std::move(args));
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    return Bundle::probe_report(r);
}

} // namespace spectest
