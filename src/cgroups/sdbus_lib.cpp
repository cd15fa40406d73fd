// Loading sd-bus; see sdbus_lib.hpp.
#include "cgroups/sdbus_lib.hpp"

#include <dlfcn.h>

#include <string>

namespace hull::cgroups::systemd {
namespace {

SdBusLib lib;
bool loaded = false;

} // namespace

Result<void> load_sdbus() {
    if (loaded) return {};
    constexpr const char* kName = "libsystemd.so.0";
    void* handle = dlopen(kName, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    auto failure = [&](const std::string& what) -> Result<void> {
        const char* why = dlerror();
        return fail(std::string("cannot load ") + kName +
                    " (the systemd cgroup driver needs it): " + what + (why ? why : ""));
    };
    if (!handle) return failure("");
    SdBusLib l;
#define HULL_SDBUS_LOAD(f)                                                                         \
    l.f = reinterpret_cast<decltype(l.f)>(dlsym(handle, #f));                                      \
    if (!l.f) return failure(#f ": ");
    HULL_SDBUS_FUNCTIONS(HULL_SDBUS_LOAD)
#undef HULL_SDBUS_LOAD
    lib = l;
    loaded = true;
    return {};
}

const SdBusLib& sdbus() {
    return lib;
}

} // namespace hull::cgroups::systemd
