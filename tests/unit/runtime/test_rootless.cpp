// Rootless mode's pure logic: the identity map test, the default state root, what counts as a
// limit, runc's rules for a container without cgroup permission, and who writes the maps.
#include "hull/config_parse.hpp"
#include "runtime/idmap_write.hpp"
#include "runtime/namespaces.hpp"
#include "runtime/rootless.hpp"

#include <catch2/catch.hpp>

#include <cerrno>

using namespace hull;

namespace {

Config config_with(const std::string& linux_json) {
    auto c = parse_config(R"({"ociVersion":"1.3.0","root":{"path":"rootfs"},"linux":)" +
                          linux_json + "}");
    REQUIRE(c);
    return *c;
}

} // namespace

TEST_CASE("rootless: the identity map of the initial user namespace", "[rootless]") {
    CHECK(rootless::is_identity_map("         0          0 4294967295\n"));
    CHECK_FALSE(rootless::is_identity_map("         0       1001          1\n"));
    CHECK_FALSE(rootless::is_identity_map("0 1001 1\n1 100000 65536\n"));
    CHECK_FALSE(rootless::is_identity_map("0 0 4294967295\n0 0 1\n"));
    CHECK_FALSE(rootless::is_identity_map(""));
}

TEST_CASE("rootless: the default state root follows runc's rule", "[rootless]") {
    using rootless::Caller;
    CHECK(rootless::default_root(Caller{
              .euid = 0, .in_userns = false, .xdg_runtime_dir = "/run/user/0", .user = "root"}) ==
          "/run/hull");
    CHECK(rootless::default_root(Caller{.euid = 1000,
                                        .in_userns = false,
                                        .xdg_runtime_dir = "/run/user/1000/",
                                        .user = "alice"}) == "/run/user/1000/hull");
    // uid 0 in rootless podman's user namespace: the caller's XDG_RUNTIME_DIR...
    CHECK(
        rootless::default_root(Caller{
            .euid = 0, .in_userns = true, .xdg_runtime_dir = "/run/user/1000", .user = "alice"}) ==
        "/run/user/1000/hull");
    // ...unless it says it is root.
    CHECK(rootless::default_root(Caller{
              .euid = 0, .in_userns = true, .xdg_runtime_dir = "/run/user/1000", .user = "root"}) ==
          "/run/hull");
    auto none = rootless::default_root(
        Caller{.euid = 1000, .in_userns = false, .xdg_runtime_dir = "", .user = "alice"});
    REQUIRE_FALSE(none);
    CHECK(none.error().message().find("XDG_RUNTIME_DIR is not set") != std::string::npos);
    CHECK(none.error().message().find("--root") != std::string::npos);
}

TEST_CASE("rootless: --rootless true and false override the detection", "[rootless]") {
    CHECK(rootless::cgroup_rules(rootless::Setting::True) == rootless::CgroupRules::Rootless);
    CHECK(rootless::cgroup_rules(rootless::Setting::False) == rootless::CgroupRules::Root);
}

TEST_CASE("rootless: what counts as a limit", "[rootless]") {
    CHECK_FALSE(rootless::first_limit(Resources{}));
    Resources devices_only;
    devices_only.devices.push_back(
        DeviceRule{.allow = false, .type = {}, .major = {}, .minor = {}, .access = "rwm"});
    CHECK_FALSE(rootless::first_limit(devices_only));
    Resources empty_memory;
    empty_memory.memory = Memory{};
    CHECK_FALSE(rootless::first_limit(empty_memory));
    Resources pids;
    pids.pids = Pids{.limit = 10};
    CHECK(rootless::first_limit(pids) == "pids");
    Resources unified;
    unified.unified["memory.high"] = "1M";
    CHECK(rootless::first_limit(unified) == "unified");
}

TEST_CASE("rootless: a container without cgroup permission, runc's rules", "[rootless]") {
    const Error denied(EACCES, "cgroup /hull/x: mkdir /sys/fs/cgroup/cpu/hull: Permission denied");
    SECTION("no limits, no cgroupsPath: runs without a cgroup") {
        CHECK(rootless::allow_without_cgroup(denied, config_with(R"({})"), false));
        CHECK(rootless::allow_without_cgroup(
            denied, config_with(R"({"resources":{"devices":[{"allow":false,"access":"rwm"}]}})"),
            true));
    }
    SECTION("a limit: v1 and v2 texts") {
        Config c = config_with(R"({"resources":{"pids":{"limit":5}}})");
        auto v1 = rootless::allow_without_cgroup(denied, c, false);
        REQUIRE_FALSE(v1);
        CHECK(v1.error().message() ==
              "cannot set pids limit: container could not join or create cgroup");
        auto v2 = rootless::allow_without_cgroup(denied, c, true);
        REQUIRE_FALSE(v2);
        CHECK(v2.error().message().starts_with("rootless needs no limits + no cgrouppath when no "
                                               "permission is granted for cgroups: cgroup"));
        CHECK(v2.error().err() == EACCES);
    }
    SECTION("an explicit cgroupsPath keeps the error") {
        auto r =
            rootless::allow_without_cgroup(denied, config_with(R"({"cgroupsPath":"/a/b"})"), false);
        REQUIRE_FALSE(r);
        CHECK(r.error().message() == denied.message());
    }
}

TEST_CASE("rootless: who writes the id maps", "[rootless]") {
    using runtime::ns::MapWriter;
    const std::vector<IdMapping> own{{.containerID = 0, .hostID = 1001, .size = 1}};
    const std::vector<IdMapping> ranges{{.containerID = 0, .hostID = 1001, .size = 1},
                                        {.containerID = 1, .hostID = 100000, .size = 65536}};
    CHECK(runtime::ns::map_writer(own, 1001) == MapWriter::Self);
    CHECK(runtime::ns::map_writer(own, 1002) == MapWriter::Helper);
    CHECK(runtime::ns::map_writer(ranges, 1001) == MapWriter::Helper);
    CHECK(runtime::ns::map_writer({{.containerID = 0, .hostID = 1001, .size = 2}}, 1001) ==
          MapWriter::Helper);
    CHECK(runtime::ns::helper_argv("/usr/bin/newuidmap", 42, ranges) ==
          std::vector<std::string>{"/usr/bin/newuidmap", "42", "0", "1001", "1", "1", "100000",
                                   "65536"});
}

TEST_CASE("default_root_for: the state root the manual pages name", "[rootless]") {
    CHECK(hull::runtime::default_root_for(0, "/run/user/1000") == "/run/hull");
    CHECK(hull::runtime::default_root_for(0, nullptr) == "/run/hull");
    CHECK(hull::runtime::default_root_for(1000, "/run/user/1000") == "/run/user/1000/hull");
    CHECK(hull::runtime::default_root_for(1000, "/run/user/1000/") == "/run/user/1000/hull");
    CHECK(hull::runtime::default_root_for(1000, "").empty());
    CHECK(hull::runtime::default_root_for(1000, nullptr).empty());
}

TEST_CASE("id maps are parsed from /proc text", "[rootless]") {
    using hull::runtime::ns::parse_id_map;
    auto m = parse_id_map("         0     100000      65536\n  70000 5 1\n");
    REQUIRE(m.size() == 2);
    CHECK(m[0].containerID == 0);
    CHECK(m[0].hostID == 100000);
    CHECK(m[0].size == 65536);
    CHECK(m[1].containerID == 70000);
    CHECK(m[1].hostID == 5);
    CHECK(m[1].size == 1);
    CHECK(parse_id_map("").empty());
    CHECK(parse_id_map("0 0 4294967295\n").size() == 1);
    // Parsing stops at what is not three numbers: a partial line, a word, an overflow.
    CHECK(parse_id_map("0 1000 1\n5 6\n").size() == 1);
    CHECK(parse_id_map("0 1000 x\n").empty());
    CHECK(parse_id_map("0 0 4294967296\n").empty());
}
