#include "cli/state_json.hpp"

namespace hull::cli {

nlohmann::ordered_json state_json(const runtime::ContainerInfo& s) {
    nlohmann::ordered_json j;
    j["ociVersion"] = s.ociVersion;
    j["id"] = s.id;
    j["pid"] = s.pid;
    j["status"] = s.status;
    j["bundle"] = s.bundle;
    j["rootfs"] = s.rootfs;
    j["created"] = s.created;
    if (!s.annotations.empty()) {
        nlohmann::ordered_json a = nlohmann::ordered_json::object();
        for (const auto& [k, v] : s.annotations)
            a[k] = v;
        j["annotations"] = std::move(a);
    }
    j["owner"] = s.owner;
    return j;
}

} // namespace hull::cli
