// `hull` is built with the CVE-2019-5736 guard (src/runtime/exe_guard.hpp).
#include "runtime/exe_guard.hpp"

namespace hull::runtime::exe_guard {
bool compiled_in() {
    return true;
}
} // namespace hull::runtime::exe_guard
