// Serialisation round trip, the features document and the default spec.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "config/mount_options.hpp"
#include "hull/config_parse.hpp"
#include "hull/features.hpp"
#include "hull/spec_default.hpp"

#include "full_config.hpp"

using namespace hull;
using json = nlohmann::json;

TEST_CASE("config: round trip of a config covering every field", "[config]") {
    auto first = parse_config(test::kFullConfig);
    REQUIRE(first);
    const auto out = to_json(*first);
    auto second = parse_config(out.dump());
    INFO(out.dump(2));
    REQUIRE(second);
    CHECK(*second == *first);
    // The serialised JSON equals the input JSON (no field lost or invented).
    CHECK(json::parse(out.dump()) == json::parse(test::kFullConfig));
    // Key order follows the spec: ociVersion first, then process, root.
    auto it = out.begin();
    CHECK(it.key() == "ociVersion");
    CHECK((++it).key() == "process");
    CHECK((++it).key() == "root");
}

TEST_CASE("config: serialisation omits absent fields", "[config]") {
    Config c;
    c.ociVersion = "1.0.0";
    c.root.path = "rootfs";
    const auto j = to_json(c);
    CHECK(j.dump() == R"({"ociVersion":"1.0.0","root":{"path":"rootfs"}})");
    auto back = parse_config(j.dump());
    REQUIRE(back);
    CHECK(*back == c);
}

TEST_CASE("config: Process and Resources serialise on their own", "[config]") {
    const auto cfg = *parse_config(test::kFullConfig);
    const auto pj = to_json(*cfg.process);
    CHECK(pj.at("execCPUAffinity").at("final") == "1");
    CHECK(pj.at("ioPriority").at("class") == "IOPRIO_CLASS_BE");
    auto p = parse_process(pj.dump());
    REQUIRE(p);
    CHECK(*p == *cfg.process);
    const auto rj = to_json(*cfg.linux->resources);
    auto r = parse_resources(rj.dump());
    REQUIRE(r);
    CHECK(*r == *cfg.linux->resources);
    CHECK(rj.at("pids").at("limit") == 0);
}

TEST_CASE("config: features document shape", "[config]") {
    const auto f = features_document();
    CHECK(f.at("ociVersionMin") == "1.0.0");
    CHECK(f.at("ociVersionMax") == "1.3.0");
    CHECK(check_oci_version(f.at("ociVersionMin").get<std::string>()));
    CHECK(check_oci_version(f.at("ociVersionMax").get<std::string>()));
    CHECK(f.at("hooks") == json::array({"prestart", "createRuntime", "createContainer",
                                        "startContainer", "poststart", "poststop"}));
    const auto& mo = f.at("mountOptions");
    CHECK(mo.size() == 64);
    std::set<std::string> opts;
    for (const auto& o : mo)
        opts.insert(o.get<std::string>());
    for (const char* o : {"ro", "rbind", "idmap", "ridmap", "rnodev", "tmpcopyup", "rro"})
        CHECK(opts.count(o) == 1);
    const auto& l = f.at("linux");
    CHECK(l.at("namespaces").size() == 8);
    CHECK(l.at("namespaces").dump().find("\"time\"") != std::string::npos);
    CHECK(l.at("capabilities").size() == 41);
    CHECK(l.at("capabilities")[0] == "CAP_CHOWN");
    for (const char* k : {"v1", "v2", "systemd", "systemdUser", "rdma"})
        CHECK(l.at("cgroup").at(k).is_boolean());
    CHECK(l.at("cgroup").at("v1") == true);
    CHECK(l.at("cgroup").at("v2") == true);
    // systemd: whether the system manager answers (no systemd as PID 1 where unit tests run)
    CHECK(l.at("seccomp").at("enabled").is_boolean());
    // actions and archs are probed (kernel, libseccomp): a subset of the spec's 9 and 23.
    CHECK(l.at("seccomp").at("enabled") == true);
    CHECK(l.at("seccomp").at("actions").size() <= 9);
    CHECK(l.at("seccomp").at("actions").dump().find("SCMP_ACT_ALLOW") != std::string::npos);
    CHECK(l.at("seccomp").at("operators").size() == 7);
    CHECK(l.at("seccomp").at("archs").size() <= 23);
    CHECK(l.at("seccomp").at("archs").dump().find("SCMP_ARCH_X86_64") != std::string::npos);
    CHECK(l.at("seccomp").at("knownFlags").size() == 4);
    CHECK(l.at("seccomp").at("supportedFlags").is_array());
    CHECK(l.at("apparmor").at("enabled").is_boolean());
    CHECK(l.at("selinux").at("enabled").is_boolean());
    CHECK(l.at("intelRdt").at("enabled").is_boolean());
    CHECK(l.at("mountExtensions").at("idmap").at("enabled") == true);
    CHECK(l.at("netDevices").at("enabled").is_boolean());
    CHECK(l.at("memoryPolicy").at("modes").size() == 7);
    const auto& a = f.at("annotations");
    CHECK(a.at("org.hull.version").is_string());
    CHECK(a.at("org.hull.commit").is_string());
    const auto sv = a.at("io.github.seccomp.libseccomp.version").get<std::string>();
    CHECK(std::count(sv.begin(), sv.end(), '.') == 2);
    CHECK(f.dump().find("null") == std::string::npos);
    // Everything the features document lists must parse.
    for (const auto& ns : l.at("namespaces"))
        CHECK(parse_namespace_type(ns.get<std::string>()));
    for (const auto& o : mo)
        CHECK(is_known_mount_option(o.get<std::string>()));
}

TEST_CASE("config: default spec parses (root mode)", "[config]") {
    const auto j = default_spec(SpecMode::Root);
    auto r = parse_config(j.dump());
    INFO((r ? std::string() : r.error().message()));
    REQUIRE(r);
    const Config& c = *r;
    CHECK(c.ociVersion == "1.3.0");
    CHECK(c.root.path == "rootfs");
    CHECK(c.root.readonly == true);
    CHECK(c.hostname == "hull");
    REQUIRE(c.process);
    CHECK(c.process->terminal == false);
    CHECK(c.process->args == std::vector<std::string>{"sh"});
    CHECK(c.process->cwd == "/");
    CHECK(c.process->noNewPrivileges == true);
    CHECK(c.process->capabilities->bounding.size() == 3);
    CHECK(c.process->rlimits.at(0).type == RlimitType::Nofile);
    REQUIRE(c.mounts.size() == 7);
    CHECK(c.mounts[0].destination == "/proc");
    CHECK(c.mounts[2].options.back() == "gid=5");
    CHECK(c.mounts[5].type == "sysfs");
    CHECK(c.mounts[6].destination == "/sys/fs/cgroup");
    REQUIRE(c.linux);
    CHECK(c.linux->namespaces.size() == 6);
    CHECK(c.linux->find_namespace(NamespaceType::Network));
    CHECK(c.linux->find_namespace(NamespaceType::Cgroup));
    CHECK(!c.linux->find_namespace(NamespaceType::User));
    CHECK(c.linux->uidMappings.empty());
    CHECK(!c.linux->maskedPaths.empty());
    CHECK(c.linux->readonlyPaths.size() == 5);
    CHECK(c.linux->resources->devices.at(0).access == "rwm");
    CHECK(c.warnings.empty());
    CHECK(j.dump().find("null") == std::string::npos);
}

TEST_CASE("config: default spec parses (rootless mode)", "[config]") {
    auto r = parse_config(default_spec(SpecMode::Rootless).dump());
    REQUIRE(r);
    const Config& c = *r;
    REQUIRE(c.linux);
    CHECK(c.linux->find_namespace(NamespaceType::User));
    CHECK(!c.linux->find_namespace(NamespaceType::Network));
    CHECK(c.linux->uidMappings == std::vector<IdMapping>{{0, static_cast<uint32_t>(geteuid()), 1}});
    CHECK(c.linux->gidMappings == std::vector<IdMapping>{{0, static_cast<uint32_t>(getegid()), 1}});
    CHECK(!c.linux->resources);
    bool has_cgroup = false, sys_is_bind = false, pts_gid = false;
    for (const auto& m : c.mounts) {
        if (m.destination == "/sys/fs/cgroup") has_cgroup = true;
        if (m.destination == "/sys")
            sys_is_bind = parse_mount_options(m.options).recursive && m.source == "/sys";
        if (m.destination == "/dev/pts")
            for (const auto& o : m.options)
                if (o.rfind("gid=", 0) == 0) pts_gid = true;
    }
    CHECK(!has_cgroup);
    CHECK(sys_is_bind);
    CHECK(!pts_gid);
}
