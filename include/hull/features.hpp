// The runtime-spec "features" document: what this build of hull implements.
#pragma once

#include <nlohmann/json_fwd.hpp>

namespace hull {

// Fixed at compile time except for the libseccomp version and supported seccomp flags.
nlohmann::ordered_json features_document();

} // namespace hull
