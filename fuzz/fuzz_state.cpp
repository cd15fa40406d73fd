// libFuzzer target: the state.json reader, the round trip of what it accepts, and the runc
// shaped `state` output built from it.
#include "state/state.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto st = hull::from_persisted_json(text);
    if (!st) return 0;
    auto again = hull::from_persisted_json(hull::to_persisted_json(*st).dump());
    if (!again || again->id != st->id || again->annotations != st->annotations) std::abort();
    (void)hull::to_runc_json(*st, st->status).dump(2);
    return 0;
}
