// hull-unguarded: hull without the CVE-2019-5736 guard (src/runtime/exe_guard.hpp), for the
// negative control of the [cve] tests and for bench/exe_guard.sh. Never installed.
#include "runtime/exe_guard.hpp"

namespace hull::runtime::exe_guard {
bool compiled_in() {
    return false;
}
} // namespace hull::runtime::exe_guard
