// The fuzz targets link the parsers and the global options, not the runtime: the default
// state root the global options ask for when --root is absent is not what is fuzzed.
#include "hull/runtime.hpp"

namespace hull::runtime {
Result<std::string> default_root() {
    return std::string("/run/hull");
}
} // namespace hull::runtime
