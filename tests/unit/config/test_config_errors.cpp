// config.json parse errors: type, required, enum, range, version, JSON syntax, semantic rules.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>

#include "hull/config_parse.hpp"

#include "full_config.hpp"

using namespace hull;
using json = nlohmann::json;

namespace {

// A valid minimal config with `patch` merged in (RFC 7386 merge patch: null deletes a key).
std::string with(const char* patch) {
    json base = json::parse(R"({"ociVersion": "1.3.0", "root": {"path": "rootfs"},
        "process": {"cwd": "/", "args": ["sh"], "user": {"uid": 0, "gid": 0}}})");
    base.merge_patch(json::parse(patch));
    return base.dump();
}

std::string error_of(const std::string& text) {
    auto r = parse_config(text);
    if (r) return "<parsed>";
    return r.error().message();
}

} // namespace

TEST_CASE("config errors: wrong JSON type names the path", "[config]") {
    CHECK(error_of(with(R"({"linux": {"resources": {"memory": {"limit": "1G"}}}})")) ==
          "linux.resources.memory.limit: expected integer, got string");
    CHECK(error_of(with(R"({"root": {"readonly": "yes"}})")) ==
          "root.readonly: expected boolean, got string");
    CHECK(error_of(with(R"({"hostname": 5})")) == "hostname: expected string, got number");
    CHECK(error_of(with(R"({"mounts": {"destination": "/x"}})")) ==
          "mounts: expected array, got object");
    CHECK(error_of(with(R"({"linux": {"sysctl": {"a.b": 1}}})")) ==
          "linux.sysctl[\"a.b\"]: expected string, got number");
    CHECK(error_of(with(R"({"linux": {"resources": {"cpu": {"shares": 1.5}}}})")) ==
          "linux.resources.cpu.shares: expected integer, got number");
    CHECK(error_of(with(R"({"process": {"args": ["sh", 1]}})")) ==
          "process.args[1]: expected string, got number");
    CHECK(error_of(with(R"({"linux": []})")) == "linux: expected object, got array");
    CHECK(error_of("[1, 2]") == "expected object, got array");
}

TEST_CASE("config errors: required fields", "[config]") {
    CHECK(error_of(with(R"({"mounts": [{"destination": "/a"}, {"destination": "/b"},
                                        {"type": "tmpfs"}]})")) ==
          "mounts[2].destination: required field missing");
    CHECK(error_of(with(R"({"root": null})")) == "root: required field missing");
    CHECK(error_of(with(R"({"root": {"path": null, "readonly": true}})")) ==
          "root.path: required field missing");
    CHECK(error_of(with(R"({"ociVersion": null})")) == "ociVersion: required field missing");
    CHECK(error_of(with(R"({"process": {"cwd": null}})")) == "process.cwd: required field missing");
    CHECK(error_of(with(R"({"process": {"user": {"uid": null}}})")) ==
          "process.user.uid: required field missing");
    CHECK(error_of(with(R"({"process": {"user": {"gid": null}}})")) ==
          "process.user.gid: required field missing");
    CHECK(error_of(with(R"({"process": {"user": null}})")) ==
          "process.user: required field missing");
    CHECK(error_of(with(R"({"process": {"consoleSize": {"height": 3}}})")) ==
          "process.consoleSize.width: required field missing");
    CHECK(error_of(with(R"({"process": {"rlimits": [{"type": "RLIMIT_CPU", "soft": 1}]}})")) ==
          "process.rlimits[0].hard: required field missing");
    CHECK(error_of(with(R"({"hooks": {"poststop": [{"args": ["x"]}]}})")) ==
          "hooks.poststop[0].path: required field missing");
    CHECK(error_of(with(R"({"linux": {"namespaces": [{"path": "/proc/1/ns/net"}]}})")) ==
          "linux.namespaces[0].type: required field missing");
    CHECK(error_of(with(R"({"linux": {"seccomp": {"syscalls": []}}})")) ==
          "linux.seccomp.defaultAction: required field missing");
    CHECK(error_of(with(R"({"linux": {"uidMappings": [{"containerID": 0, "size": 1}]}})")) ==
          "linux.uidMappings[0].hostID: required field missing");
    CHECK(error_of(
              with(R"({"linux": {"devices": [{"type": "c", "path": "/dev/x", "minor": 1}]}})")) ==
          "linux.devices[0].major: required field missing");
    CHECK(error_of(with(R"({"linux": {"resources": {"devices": [{"access": "r"}]}}})")) ==
          "linux.resources.devices[0].allow: required field missing");
    CHECK(
        error_of(with(R"({"linux": {"resources": {"hugepageLimits": [{"pageSize": "2MB"}]}}})")) ==
        "linux.resources.hugepageLimits[0].limit: required field missing");
    CHECK(error_of(with(R"({"linux": {"personality": {}}})")) ==
          "linux.personality.domain: required field missing");
    CHECK(error_of(with(R"({"linux": {"memoryPolicy": {"nodes": "0"}}})")) ==
          "linux.memoryPolicy.mode: required field missing");
    CHECK(error_of(with(R"({"process": {"ioPriority": {"priority": 1}}})")) ==
          "process.ioPriority.class: required field missing");
    CHECK(error_of(with(R"({"process": {"scheduler": {"nice": 1}}})")) ==
          "process.scheduler.policy: required field missing");
}

TEST_CASE("config errors: unknown enum values", "[config]") {
    CHECK(error_of(with(R"({"linux": {"namespaces": [{"type": "pid"}, {"type": "foo"}]}})")) ==
          "linux.namespaces[1].type: unknown value \"foo\"");
    CHECK(error_of(with(R"({"process": {"rlimits": [{"type": "RLIMIT_FOO", "hard": 1,
                                                     "soft": 1}]}})")) ==
          "process.rlimits[0].type: unknown value \"RLIMIT_FOO\"");
    CHECK(error_of(with(R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_MAYBE"}}})")) ==
          "linux.seccomp.defaultAction: unknown value \"SCMP_ACT_MAYBE\"");
    CHECK(error_of(with(R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                                                  "architectures": ["SCMP_ARCH_Z80"]}}})")) ==
          "linux.seccomp.architectures[0]: unknown value \"SCMP_ARCH_Z80\"");
    CHECK(error_of(with(R"({"linux": {"rootfsPropagation": "weird"}})")) ==
          "linux.rootfsPropagation: unknown value \"weird\"");
    CHECK(error_of(with(R"({"linux": {"devices": [{"type": "x", "path": "/dev/x"}]}})")) ==
          "linux.devices[0].type: unknown value \"x\"");
    CHECK(error_of(with(R"({"linux": {"personality": {"domain": "BSD"}}})")) ==
          "linux.personality.domain: unknown value \"BSD\"");
    CHECK(error_of(with(R"({"process": {"scheduler": {"policy": "SCHED_FAST"}}})")) ==
          "process.scheduler.policy: unknown value \"SCHED_FAST\"");
    CHECK(error_of(with(R"({"linux": {"namespaces": [{"type": 3}]}})")) ==
          "linux.namespaces[0].type: expected string, got number");
}

TEST_CASE("config errors: integer ranges", "[config]") {
    CHECK(error_of(with(R"({"process": {"user": {"uid": -1}}})")) ==
          "process.user.uid: value -1 out of range for uint32");
    CHECK(error_of(with(R"({"process": {"user": {"gid": 4294967296}}})")) ==
          "process.user.gid: value 4294967296 out of range for uint32");
    CHECK(error_of(with(R"({"linux": {"resources": {"blockIO": {"weight": 70000}}}})")) ==
          "linux.resources.blockIO.weight: value 70000 out of range for uint16");
    CHECK(error_of(with(R"({"process": {"oomScoreAdj": 3000000000}})")) ==
          "process.oomScoreAdj: value 3000000000 out of range for int32");
    CHECK(error_of(with(R"({"process": {"oomScoreAdj": -3000000000}})")) ==
          "process.oomScoreAdj: value -3000000000 out of range for int32");
    CHECK(
        error_of(with(R"({"linux": {"resources": {"memory": {"limit": 9223372036854775808}}}})")) ==
        "linux.resources.memory.limit: value 9223372036854775808 out of range for int64");
    CHECK(error_of(with(R"({"process": {"rlimits": [{"type": "RLIMIT_CPU", "hard": -1,
                                                     "soft": 0}]}})")) ==
          "process.rlimits[0].hard: value -1 out of range for uint64");
    // Boundaries are accepted.
    CHECK(error_of(with(R"({"process": {"user": {"uid": 4294967295, "gid": 0}},
        "linux": {"resources": {"memory": {"limit": -9223372036854775808}}}})")) == "<parsed>");
}

TEST_CASE("config errors: ociVersion", "[config]") {
    CHECK(error_of(with(R"({"ociVersion": "2.0.0"})")) ==
          "ociVersion: unsupported version \"2.0.0\" (hull supports 1.0.0 to 1.3.x)");
    CHECK(error_of(with(R"({"ociVersion": "1.4.0"})")) ==
          "ociVersion: unsupported version \"1.4.0\" (hull supports 1.0.0 to 1.3.x)");
    CHECK(error_of(with(R"({"ociVersion": "0.5.0"})")) ==
          "ociVersion: unsupported version \"0.5.0\" (hull supports 1.0.0 to 1.3.x)");
    for (const char* bad : {"1.0", "1", "", "v1.0.0", "1.0.0.0", "01.0.0", "1.0.0-", "1.0.0-01",
                            "1.0.0+", "1.0.0-a..b", "1.x.0", "garbage"}) {
        INFO(bad);
        auto r = check_oci_version(bad);
        REQUIRE(!r);
        CHECK(r.error().message() ==
              std::string("ociVersion: invalid version \"") + bad + "\" (not SemVer 2.0.0)");
    }
    CHECK(error_of(with(R"({"ociVersion": 1})")) == "ociVersion: expected string, got number");
}

TEST_CASE("config errors: invalid JSON", "[config]") {
    const std::string e = error_of("{\"ociVersion\": ");
    CHECK(e.rfind("invalid JSON: ", 0) == 0);
    CHECK(e.find("parse error") != std::string::npos);
    CHECK(error_of("").rfind("invalid JSON: ", 0) == 0);
    CHECK(error_of("{} trailing").rfind("invalid JSON: ", 0) == 0);
}

TEST_CASE("config errors: load_config_file adds the file context", "[config]") {
    char dir[] = "/tmp/hull-config-XXXXXX";
    REQUIRE(mkdtemp(dir));
    const std::string path = std::string(dir) + "/config.json";
    FILE* f = fopen(path.c_str(), "w");
    REQUIRE(f);
    fputs("{not json", f);
    fclose(f);
    auto r = load_config_file(path);
    REQUIRE(!r);
    CHECK(r.error().message().rfind("config.json: invalid JSON: ", 0) == 0);

    f = fopen(path.c_str(), "w");
    fputs(hull::test::kFullConfig, f);
    fclose(f);
    auto ok = load_config_file(path);
    REQUIRE(ok);
    CHECK(ok->hostname == "box");

    unlink(path.c_str());
    auto missing = load_config_file(path);
    REQUIRE(!missing);
    CHECK(missing.error().err() == ENOENT);
    CHECK(missing.error().message().rfind("config.json: ", 0) == 0);
    rmdir(dir);
}

TEST_CASE("config errors: semantic rules of the spec", "[config]") {
    struct Case {
        const char* patch;
        const char* error;
    };
    const Case cases[] = {
        {R"({"root": {"path": ""}})", "root.path: must not be empty"},
        {R"({"process": {"cwd": "work"}})", "process.cwd: must be an absolute path, got \"work\""},
        {R"({"process": {"args": []}})", "process.args: must have at least one entry"},
        {R"({"process": {"args": null}})", "process.args: must have at least one entry"},
        {R"({"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1, "soft": 1},
                                     {"type": "RLIMIT_CPU", "hard": 1, "soft": 1},
                                     {"type": "RLIMIT_NOFILE", "hard": 2, "soft": 2}]}})",
         "process.rlimits[2].type: duplicate rlimit type \"RLIMIT_NOFILE\""},
        {R"({"process": {"ioPriority": {"class": "IOPRIO_CLASS_RT", "priority": 8}}})",
         "process.ioPriority.priority: must be 0 to 7, got 8"},
        {R"({"linux": {"namespaces": [{"type": "pid"}, {"type": "uts"}, {"type": "pid"}]}})",
         "linux.namespaces[2].type: duplicate namespace type \"pid\""},
        {R"({"linux": {"namespaces": [{"type": "net", "path": "x"}]}})",
         "linux.namespaces[0].type: unknown value \"net\""},
        {R"({"linux": {"namespaces": [{"type": "network", "path": "proc/1/ns/net"}]}})",
         "linux.namespaces[0].path: must be an absolute path, got \"proc/1/ns/net\""},
        {R"({"hooks": {"prestart": [{"path": "hook"}]}})",
         "hooks.prestart[0].path: must be an absolute path, got \"hook\""},
        {R"({"hooks": {"createRuntime": [{"path": "/h", "timeout": 0}]}})",
         "hooks.createRuntime[0].timeout: must be greater than 0, got 0"},
        {R"({"hooks": {"poststart": [{"path": "/h"}, {"path": "/h", "timeout": -3}]}})",
         "hooks.poststart[1].timeout: must be greater than 0, got -3"},
        {R"({"linux": {"maskedPaths": ["/proc/kcore", "proc/keys"]}})",
         "linux.maskedPaths[1]: must be an absolute path, got \"proc/keys\""},
        {R"({"linux": {"readonlyPaths": ["sys"]}})",
         "linux.readonlyPaths[0]: must be an absolute path, got \"sys\""},
        {R"({"mounts": [{"destination": "/d", "uidMappings": [{"containerID": 0, "hostID": 1,
                                                               "size": 1}]}]})",
         "mounts[0].uidMappings: must be given together with gidMappings"},
        {R"({"mounts": [{"destination": "/d", "gidMappings": [{"containerID": 0, "hostID": 1,
                                                               "size": 1}]}]})",
         "mounts[0].gidMappings: must be given together with uidMappings"},
        {R"({"mounts": [{"destination": ""}]})", "mounts[0].destination: must not be empty"},
        {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1}}})",
         "linux.seccomp.defaultErrnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not "
         "SCMP_ACT_ALLOW"},
        {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
              {"names": ["a"], "action": "SCMP_ACT_KILL", "errnoRet": 1}]}}})",
         "linux.seccomp.syscalls[0].errnoRet: only allowed with SCMP_ACT_ERRNO or "
         "SCMP_ACT_TRACE, not SCMP_ACT_KILL"},
        {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "m"}}})",
         "linux.seccomp.listenerMetadata: requires listenerPath"},
        {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
              {"names": [], "action": "SCMP_ACT_KILL"}]}}})",
         "linux.seccomp.syscalls[0].names: must have at least one entry"},
        {R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
              {"names": ["x"], "action": "SCMP_ACT_KILL",
               "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}}})",
         "linux.seccomp.syscalls[0].args[0].index: must be 0 to 5, got 6"},
        {R"({"linux": {"resources": {"hugepageLimits": [{"pageSize": "2MiB", "limit": 1}]}}})",
         "linux.resources.hugepageLimits[0].pageSize: invalid page size \"2MiB\" (expected e.g. "
         "\"2MB\", \"1GB\")"},
        {R"({"linux": {"resources": {"hugepageLimits": [{"pageSize": "02MB", "limit": 1}]}}})",
         "linux.resources.hugepageLimits[0].pageSize: invalid page size \"02MB\" (expected e.g. "
         "\"2MB\", \"1GB\")"},
        {R"({"linux": {"personality": {"domain": "LINUX", "flags": ["X"]}}})",
         "linux.personality.flags[0]: unknown value \"X\" (no personality flags are defined)"},
        {R"({"annotations": {"": "v"}})", "annotations: key must not be empty"},
        {R"({"linux": {"resources": {"unified": {"memory/max": "1"}}}})",
         "linux.resources.unified[\"memory/max\"]: key must not contain '/'"},
        {R"({"linux": {"resources": {"cpu": {"quota": 1000, "burst": 2000}}}})",
         "linux.resources.cpu.burst: must not exceed cpu.quota (1000), got 2000"},
        {R"({"linux": {"resources": {"cpu": {"idle": 2}}}})",
         "linux.resources.cpu.idle: must be 0 or 1, got 2"},
        {R"({"linux": {"resources": {"memory": {"swappiness": 101}}}})",
         "linux.resources.memory.swappiness: must be 0 to 100, got 101"},
        {R"({"linux": {"resources": {"blockIO": {"weightDevice": [{"major": 8, "minor": 0}]}}}})",
         "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight"},
        {R"({"linux": {"resources": {"rdma": {"mlx": {}}}}})",
         "linux.resources.rdma[\"mlx\"]: needs hcaHandles or hcaObjects"},
        {R"({"linux": {"resources": {"devices": [{"allow": true, "access": "rwx"}]}}})",
         "linux.resources.devices[0].access: invalid access \"rwx\" (a mix of r, w, m)"},
        {R"({"linux": {"memoryPolicy": {"mode": "MPOL_BIND"}}})",
         "linux.memoryPolicy.nodes: MPOL_BIND requires at least one node"},
        {R"({"linux": {"memoryPolicy": {"mode": "MPOL_INTERLEAVE", "nodes": ""}}})",
         "linux.memoryPolicy.nodes: MPOL_INTERLEAVE requires at least one node"},
        {R"({"linux": {"memoryPolicy": {"mode": "MPOL_LOCAL", "nodes": "0"}}})",
         "linux.memoryPolicy.nodes: MPOL_LOCAL takes no nodes"},
        {R"({"linux": {"devices": [{"type": "c", "path": "dev/x", "major": 1, "minor": 1}]}})",
         "linux.devices[0].path: must be an absolute path, got \"dev/x\""},
        {R"({"linux": {"timeOffsets": {"realtime": {"secs": 1}}}})",
         "linux.timeOffsets[\"realtime\"]: unknown clock (expected \"boottime\" or \"monotonic\")"},
        {R"({"linux": {"timeOffsets": {"boottime": {"nanosecs": 1000000000}}}})",
         "linux.timeOffsets[\"boottime\"].nanosecs: must be less than 1000000000, got 1000000000"},
        {R"({"linux": {"intelRdt": {"memBwSchema": "L3:0=1"}}})",
         "linux.intelRdt.memBwSchema: must start with \"MB:\""},
        {R"({"linux": {"intelRdt": {"l3CacheSchema": "L3:0=1\nL3:1=1"}}})",
         "linux.intelRdt.l3CacheSchema: must not contain newlines"},
    };
    for (const auto& c : cases) {
        INFO(c.patch);
        CHECK(error_of(with(c.patch)) == c.error);
    }
}

TEST_CASE("config: rules that must NOT fail", "[config]") {
    // No process at create time is valid (required only at start).
    CHECK(error_of(with(R"({"process": null})")) == "<parsed>");
    // Burst with a non-positive quota is fine; MPOL_PREFERRED without nodes (= local) is fine.
    CHECK(error_of(with(R"({"linux": {"resources": {"cpu": {"quota": -1, "burst": 5}},
        "memoryPolicy": {"mode": "MPOL_PREFERRED"}}})")) == "<parsed>");
    // seccomp errnoRet with SCMP_ACT_TRACE; FIFO devices without major/minor.
    CHECK(error_of(with(R"({"linux": {"seccomp": {"defaultAction": "SCMP_ACT_TRACE",
        "defaultErrnoRet": 5}, "devices": [{"type": "p", "path": "/dev/f"}]}})")) == "<parsed>");
    // Empty namespace path means "new namespace" (as runc).
    CHECK(error_of(with(R"({"linux": {"namespaces": [{"type": "pid", "path": ""}]}})")) ==
          "<parsed>");
    // The consoleSize of a non-terminal process is still parsed but harmless.
    CHECK(error_of(with(R"({"process": {"consoleSize": {"height": 0, "width": 0}}})")) ==
          "<parsed>");
}

TEST_CASE("config: relative mount destination is a warning", "[config]") {
    auto r = parse_config(with(R"({"mounts": [{"destination": "data", "type": "tmpfs"}]})"));
    REQUIRE(r);
    REQUIRE(r->warnings.size() == 1);
    CHECK(r->warnings[0].find("mounts[0].destination: relative path \"data\"") == 0);
}

TEST_CASE("config errors: parse_process / parse_resources paths are relative", "[config]") {
    auto p = parse_process(R"({"cwd": "rel", "args": ["x"], "user": {"uid": 0, "gid": 0}})");
    REQUIRE(!p);
    CHECK(p.error().message() == "cwd: must be an absolute path, got \"rel\"");
    auto p2 = parse_process(R"({"cwd": "/", "args": ["x"], "user": {"uid": -5, "gid": 0}})");
    REQUIRE(!p2);
    CHECK(p2.error().message() == "user.uid: value -5 out of range for uint32");
    auto r = parse_resources(R"({"memory": {"swap": "x"}})");
    REQUIRE(!r);
    CHECK(r.error().message() == "memory.swap: expected integer, got string");
    auto r2 = parse_resources(R"({"unified": {"a/b": "1"}})");
    REQUIRE(!r2);
    CHECK(r2.error().message() == "unified[\"a/b\"]: key must not contain '/'");
    CHECK(!parse_resources("nope"));
}
