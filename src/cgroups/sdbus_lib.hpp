// libsystemd's sd-bus, loaded with dlopen the first time the systemd cgroup driver needs the
// bus: a hull that never runs with --systemd-cgroup never maps libsystemd and the six
// libraries it pulls in (docs/performance.md). Only sd-bus's header is used at build time.
#pragma once

#include "hull/error.hpp"

#include <systemd/sd-bus.h>

namespace hull::cgroups::systemd {

// Every sd-bus function the driver calls (systemd_bus.cpp), one pointer each, named as the
// function itself: sdbus().sd_bus_call(...).
#define HULL_SDBUS_FUNCTIONS(X)                                                                    \
    X(sd_bus_new)                                                                                  \
    X(sd_bus_set_address)                                                                          \
    X(sd_bus_set_bus_client)                                                                       \
    X(sd_bus_start)                                                                                \
    X(sd_bus_flush_close_unref)                                                                    \
    X(sd_bus_message_unref)                                                                        \
    X(sd_bus_error_free)                                                                           \
    X(sd_bus_error_is_set)                                                                         \
    X(sd_bus_error_has_name)                                                                       \
    X(sd_bus_message_append_basic)                                                                 \
    X(sd_bus_message_open_container)                                                               \
    X(sd_bus_message_close_container)                                                              \
    X(sd_bus_message_append_array)                                                                 \
    X(sd_bus_message_append)                                                                       \
    X(sd_bus_slot_unref)                                                                           \
    X(sd_bus_message_read)                                                                         \
    X(sd_bus_call_method)                                                                          \
    X(sd_bus_match_signal)                                                                         \
    X(sd_bus_process)                                                                              \
    X(sd_bus_wait)                                                                                 \
    X(sd_bus_get_property_string)                                                                  \
    X(sd_bus_message_new_method_call)                                                              \
    X(sd_bus_call)

struct SdBusLib {
#define HULL_SDBUS_FIELD(f) decltype(&::f) f = nullptr;
    HULL_SDBUS_FUNCTIONS(HULL_SDBUS_FIELD)
#undef HULL_SDBUS_FIELD
};

// Loads libsystemd.so.0 (once per process; it stays loaded). Error: "cannot load
// libsystemd.so.0 (the systemd cgroup driver needs it): <dlerror>".
Result<void> load_sdbus();
// The loaded functions; only after load_sdbus() succeeded.
const SdBusLib& sdbus();

} // namespace hull::cgroups::systemd
