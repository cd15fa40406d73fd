// Spec tests for idmapped bind mounts (config.md "Mounts": uidMappings, gidMappings and the
// idmap/ridmap options) in a container that has its own user namespace. The mount's hostID
// is relative to the runtime's (host) user namespace, as runc 1.2 and crun read it: the
// runtime makes a user namespace with exactly those maps, written from the host.
#include "checks.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>

using namespace spectest;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json mapping(unsigned container_id, unsigned host_id, unsigned size) {
    return json::array({{{"containerID", container_id}, {"hostID", host_id}, {"size", size}}});
}

json idmapped_bind(const std::string& dest, const std::string& source, const json& map) {
    return {{"destination", dest}, {"type", "bind"},
            {"source", source},    {"options", json::array({"bind", "idmap"})},
            {"uidMappings", map},  {"gidMappings", map}};
}

// The JSON objects the probe printed, one per `probe stat`, in order.
std::vector<json> stat_reports(const std::string& out) {
    std::vector<json> v;
    for (const auto& l : lines_of(out)) {
        json j = json::parse(l, nullptr, false);
        if (j.is_object() && j.contains("uid")) v.push_back(j);
    }
    return v;
}

} // namespace

TEST_CASE("idmap mounts map host ids in a container with its own user namespace",
          "[mounts][idmap][userns]") {
    Bundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = mapping(0, 100000, 65536);
    b.config["linux"]["gidMappings"] = mapping(0, 100000, 65536);
    b.chown_rootfs(100000, 100000);

    // On disk: the directory and one file belong to host root, another file to 1000:1000.
    const std::string src = temp_dir() + "/src";
    fs::create_directory(src);
    write_text(src + "/root-owned", "r");
    write_text(src + "/user-owned", "u");
    REQUIRE(::chown((src + "/user-owned").c_str(), 1000, 1000) == 0);

    // /idm: on-disk 0..65535 -> host 100000.. = the container's 0..65535 (its own ids).
    b.config["mounts"].push_back(idmapped_bind("/idm", src, mapping(0, 100000, 65536)));
    // /one: only on-disk 0 -> host 101000 = container 1000; other ids are unmapped.
    b.config["mounts"].push_back(idmapped_bind("/one", src, mapping(0, 101000, 1)));
    b.set_args({"/bin/sh", "-c",
                "/probe stat /idm/root-owned && /probe stat /idm/user-owned && "
                "/probe write /idm/made-inside hi && /probe stat /idm/made-inside && "
                "/probe stat /one/root-owned && /probe stat /one/user-owned"});
    RunResult r = b.run();
    INFO(describe(r));
    REQUIRE(r.exit_code == 0);
    const auto st = stat_reports(r.out);
    REQUIRE(st.size() == 5);
    CHECK(st[0]["uid"] == 0);
    CHECK(st[0]["gid"] == 0);
    CHECK(st[1]["uid"] == 1000);
    CHECK(st[1]["gid"] == 1000);
    CHECK(st[2]["uid"] == 0); // made by container root
    CHECK(st[3]["uid"] == 1000);
    CHECK(st[3]["gid"] == 1000);
    CHECK(st[4]["uid"] == 65534); // on-disk 1000 has no mapping in /one: the overflow id
    CHECK(st[4]["gid"] == 65534);

    // Container root (host 100000) wrote through /idm: on disk that is uid 0 again.
    struct stat made {};
    REQUIRE(::stat((src + "/made-inside").c_str(), &made) == 0);
    CHECK(made.st_uid == 0u);
    CHECK(made.st_gid == 0u);
    CHECK(read_text(src + "/made-inside") == "hi");
}

TEST_CASE("an idmap mapping the kernel refuses fails create, naming the mount",
          "[mounts][idmap][userns]") {
    Bundle b;
    b.config["linux"]["namespaces"].push_back({{"type", "user"}});
    b.config["linux"]["uidMappings"] = mapping(0, 100000, 65536);
    b.config["linux"]["gidMappings"] = mapping(0, 100000, 65536);
    b.chown_rootfs(100000, 100000);
    const std::string src = temp_dir();
    // Two overlapping ranges: the kernel refuses the map, and create fails naming the mount.
    json bad = mapping(0, 100000, 10);
    bad.push_back({{"containerID", 5}, {"hostID", 200000}, {"size", 10}});
    b.config["mounts"].push_back(idmapped_bind("/idm", src, bad));
    RunResult r = b.run();
    INFO(describe(r));
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("/idm") != std::string::npos);
    CHECK(r.out.empty());
    CHECK(b.state().is_null());
}
