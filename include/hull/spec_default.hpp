// The starter config.json that `hull spec` writes.
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace hull {

enum class SpecMode { Root, Rootless };

// A config that runs as is with a rootfs at "rootfs" holding /bin/sh.
nlohmann::ordered_json default_spec(SpecMode mode);

} // namespace hull
