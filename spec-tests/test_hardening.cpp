// [hardening] the defects a hostile tester found (issue 15), each driven through the binary:
// lost namespace-join errors, list on a root that is a file, control characters in ids,
// impossible rlimits, a cwd through /proc/*/fd, and the cost of a large annotation.
#include "harness.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string>

using namespace spectest;
using nlohmann::json;

namespace {

std::string lower(std::string s) {
    std::ranges::transform(s, s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// Total bytes of the regular files under a directory.
uintmax_t tree_bytes(const std::string& dir) {
    uintmax_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) n += it->file_size(ec);
    return n;
}

} // namespace

TEST_CASE("hardening: a namespace path that cannot be joined is reported by its own error",
          "[hardening]") {
    Bundle b;
    for (auto& ns : b.config["linux"]["namespaces"])
        if (ns["type"] == "network") ns["path"] = "/proc/999999/ns/net";
    int runs = 12, named = 0;
    for (int i = 0; i < runs; i++) {
        auto r = b.create();
        INFO(describe(r));
        REQUIRE(r.exit_code != 0);
        CHECK(r.err.find("Broken pipe") == std::string::npos);
        CHECK(r.err.find("Connection reset") == std::string::npos);
        if (r.err.find("/proc/999999/ns/net") != std::string::npos) named++;
        (void)b.remove(true);
    }
    WARN("namespace join: " << named << " of " << runs << " creates named the path");
    CHECK(named == runs);
}

TEST_CASE("hardening: list with a --root that is a regular file fails like runc", "[hardening]") {
    std::string file = temp_dir() + "/not-a-dir";
    write_text(file, "x");
    auto r = run_hull({"--root", file, "list"});
    INFO(describe(r));
    CHECK(r.exit_code == 1);
    CHECK(lower(r.err).find("not a directory") != std::string::npos);
    // A root that does not exist yet still lists as empty.
    auto empty = run_hull({"--root", temp_dir() + "/missing/state", "list", "-q"});
    INFO(describe(empty));
    CHECK(empty.exit_code == 0);
    CHECK(empty.out.empty());
}

TEST_CASE("hardening: a container id with control characters is never echoed raw", "[hardening]") {
    std::string root = temp_dir() + "/state";
    for (std::string id : {std::string("evil\nlevel=info msg=forged"), std::string("a\rb"),
                           std::string("tab\there"), std::string("esc\x1b[31m")}) {
        for (const char* cmd : {"state", "kill", "delete", "start"}) {
            auto r = run_hull({"--root", root, cmd, id});
            INFO(cmd << ": " << describe(r));
            CHECK(r.exit_code != 0);
            std::string err = r.err;
            while (!err.empty() && err.back() == '\n')
                err.pop_back();
            CHECK(err.find('\n') == std::string::npos);
            CHECK(err.find('\r') == std::string::npos);
            CHECK(err.find('\x1b') == std::string::npos);
            CHECK(err.find('\t') == std::string::npos);
        }
    }
}

TEST_CASE("hardening: an rlimit whose soft value is above its hard value is refused at create",
          "[hardening]") {
    Bundle b;
    b.config["process"]["rlimits"] =
        json::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 4096}}});
    auto r = b.create();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("process.rlimits[0]") != std::string::npos);
    CHECK(b.state().is_null()); // nothing left to delete
}

TEST_CASE("hardening: a cwd through /proc/<pid>/fd is refused", "[hardening]") {
    for (const char* cwd : {"/proc/self/fd/3", "/proc/1/fd/4", "/proc/thread-self/fd/5",
                            "//proc/./self/../self/fd/6", "/proc/self/cwd", "/proc/self/root"}) {
        Bundle b;
        b.config["process"]["cwd"] = cwd;
        auto r = b.create();
        INFO(cwd << ": " << describe(r));
        CHECK(r.exit_code != 0);
        CHECK(r.err.find("process.cwd") != std::string::npos);
    }
}

TEST_CASE("hardening: a cwd symlink in the rootfs that leads to /proc/self/fd is refused",
          "[hardening]") {
    Bundle b;
    REQUIRE(::symlink("/proc/self/fd/3", b.host_path("/work").c_str()) == 0);
    b.config["process"]["cwd"] = "/work";
    b.set_args({"/bin/sh", "-c", "pwd > /tmp/ran"});
    auto r = b.create();
    INFO(describe(r));
    bool refused = r.exit_code != 0;
    if (!refused) {
        auto s = b.start();
        INFO(describe(s));
        refused = s.exit_code != 0;
        wait_until([&] { return b.state().value("status", "") == "stopped"; }, 5000);
        CHECK(read_text(b.host_path("/tmp/ran")).empty());
        CHECK((s.err + r.err).find("magic link") != std::string::npos);
    } else {
        CHECK(r.err.find("magic link") != std::string::npos);
    }
    CHECK(refused);
}

TEST_CASE("hardening: a large annotation is stored once and not re-read by kill or start",
          "[hardening]") {
    Bundle b;
    const size_t big = 8u << 20;
    b.config["annotations"] = {{"big", std::string(big, 'a')}, {"small", "x"}};
    b.set_args({"/bin/sh", "-c", "sleep 30"});
    auto c = b.create();
    INFO(describe(c));
    REQUIRE(c.exit_code == 0);
    auto bytes = tree_bytes(b.state_root + "/" + b.id);
    INFO("state dir bytes: " << bytes);
    CHECK(bytes < big + big / 2); // one copy, not two
    std::string state_json = read_text(b.state_root + "/" + b.id + "/state.json");
    CHECK(state_json.size() < 64 * 1024); // what kill, start, pause read stays small
    auto st = b.state();
    REQUIRE(st.is_object());
    CHECK(st["annotations"]["small"] == "x");
    CHECK(st["annotations"]["big"].get<std::string>().size() == big);
    CHECK(b.start().exit_code == 0);
    CHECK(b.wait_status("running"));
    CHECK(b.state()["annotations"]["small"] == "x"); // kept across the saves of start
    CHECK(b.kill("SIGKILL").exit_code == 0);
    CHECK(b.wait_status("stopped"));
    CHECK(b.remove().exit_code == 0);
}

TEST_CASE("hardening: masking never binds what a hostile rootfs put at /dev/null "
          "(CVE-2025-31133 class)",
          "[hardening]") {
    std::string before = read_text("/proc/sys/kernel/core_pattern");
    Bundle b;
    // /dev comes from the rootfs (no tmpfs), and its /dev/null points at a host-sensitive file.
    json mounts = json::array();
    for (const auto& m : b.config["mounts"])
        if (m["destination"] != "/dev" && m["destination"] != "/dev/pts" &&
            m["destination"] != "/dev/shm")
            mounts.push_back(m);
    b.config["mounts"] = mounts;
    std::filesystem::create_directories(b.host_path("/dev"));
    std::filesystem::remove(b.host_path("/dev/null"));
    REQUIRE(::symlink("/proc/sys/kernel/core_pattern", b.host_path("/dev/null").c_str()) == 0);
    b.config["linux"]["maskedPaths"] = json::array({"/proc/version"});
    b.set_args({"/bin/sh", "-c", "stat -L -c '%F %t %T' /proc/version"});
    auto r = b.run();
    INFO(describe(r));
    // Either refused, or masked by the real null device (1:3); never a bind of the target.
    if (r.exit_code == 0)
        CHECK(r.out.find("character special file 1 3") != std::string::npos);
    else
        CHECK(r.err.find("/dev/null") != std::string::npos);
    CHECK(r.out.find("core_pattern") == std::string::npos);
    CHECK(read_text("/proc/sys/kernel/core_pattern") == before);
    WARN("masking with a symlinked /dev/null: exit " << r.exit_code << ", "
                                                     << (r.out.empty() ? r.err : r.out));
}
