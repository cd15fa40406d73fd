// The `hull features` document (runtime-spec features.md / features-linux.md).
#include "hull/features.hpp"

#include <seccomp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "cgroups/systemd.hpp"
#include "config/mount_options.hpp"
#include "hull/config_enums.hpp"
#include "seccomp/seccomp.hpp"
#include "util/build_info.h"

namespace hull {
namespace {

// What this build implements. Flip these as the matching subsystems land.
constexpr bool kCgroupV1 = true;   // src/cgroups: legacy and hybrid hosts
constexpr bool kCgroupV2 = true;   // unified hosts (tested in the qemu lane)
constexpr bool kCgroupRdma = true; // rdma.max is written where the controller exists
constexpr bool kSeccompEnabled = true;
constexpr bool kApparmorEnabled = false;
constexpr bool kSelinuxEnabled = false;
constexpr bool kIntelRdtEnabled = false;
constexpr bool kIntelRdtSchemata = false;
constexpr bool kIntelRdtMonitoring = false;
constexpr bool kIdmapMounts = true;
constexpr bool kNetDevices = true;

constexpr const char* kOciVersionMin = "1.0.0";
constexpr const char* kOciVersionMax = "1.3.0";

template <class E> nlohmann::ordered_json names_of(bool sorted = false) {
    std::vector<std::string> v;
    for (auto n : enum_names<E>())
        v.emplace_back(n);
    if (sorted) std::sort(v.begin(), v.end());
    return v;
}

} // namespace

nlohmann::ordered_json features_document() {
    using ojson = nlohmann::ordered_json;
    ojson doc = ojson::object();
    doc["ociVersionMin"] = kOciVersionMin;
    doc["ociVersionMax"] = kOciVersionMax;
    doc["hooks"] = {"prestart",       "createRuntime", "createContainer",
                    "startContainer", "poststart",     "poststop"};
    ojson mount_opts = ojson::array();
    for (auto o : known_mount_options())
        mount_opts.push_back(std::string(o));
    doc["mountOptions"] = mount_opts;

    ojson linux = ojson::object();
    linux["namespaces"] = names_of<NamespaceType>(true);
    linux["capabilities"] = names_of<Capability>();
    linux["cgroup"] = {
        {"v1", kCgroupV1},
        {"v2", kCgroupV2},
        // the driver is built in; these say whether its manager answers here
        {"systemd", cgroups::systemd::reachable(cgroups::systemd::Manager::System)},
        {"systemdUser", cgroups::systemd::reachable(cgroups::systemd::Manager::User)},
        {"rdma", kCgroupRdma}};
    // Probed: what this libseccomp can generate and this kernel can load.
    const seccomp::Support sec = seccomp::probe_support();
    ojson seccomp = ojson::object();
    seccomp["enabled"] = kSeccompEnabled;
    seccomp["actions"] = sec.actions;
    seccomp["operators"] = sec.operators;
    seccomp["archs"] = sec.archs;
    seccomp["knownFlags"] = sec.known_flags;
    seccomp["supportedFlags"] = sec.supported_flags;
    linux["seccomp"] = seccomp;
    linux["apparmor"] = {{"enabled", kApparmorEnabled}};
    linux["selinux"] = {{"enabled", kSelinuxEnabled}};
    linux["intelRdt"] = {{"enabled", kIntelRdtEnabled},
                         {"schemata", kIntelRdtSchemata},
                         {"monitoring", kIntelRdtMonitoring}};
    linux["memoryPolicy"] = {{"modes", names_of<MemoryPolicyMode>()},
                             {"flags", names_of<MemoryPolicyFlag>()}};
    linux["mountExtensions"] = {{"idmap", {{"enabled", kIdmapMounts}}}};
    linux["netDevices"] = {{"enabled", kNetDevices}};
    doc["linux"] = linux;

    doc["annotations"] = {{"io.github.seccomp.libseccomp.version", sec.libseccomp_version},
                          {"org.hull.commit", HULL_COMMIT},
                          {"org.hull.version", HULL_VERSION}};
    doc["potentiallyUnsafeConfigAnnotations"] = ojson::array();
    return doc;
}

} // namespace hull
