// The JSON `hull state` and `hull list --format json` print for a container: runc's state
// object, keys in runc's order (ociVersion, id, pid, status, bundle, rootfs, created,
// annotations only when there are some, owner).
#pragma once

#include "hull/runtime.hpp"

#include <nlohmann/json.hpp>

namespace hull::cli {

nlohmann::ordered_json state_json(const runtime::ContainerInfo& info);

} // namespace hull::cli
