// libFuzzer target: the config.json reader (parse + validate), and the round trip of what it
// accepts (to_json, then parse again: a config hull wrote as its snapshot must read back).
#include "hull/config_parse.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto cfg = hull::parse_config(text);
    if (!cfg) return 0;
    auto again = hull::parse_config(hull::to_json(*cfg).dump());
    if (!again) std::abort(); // the snapshot of an accepted config must parse
    return 0;
}
