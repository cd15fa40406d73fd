// The systemd driver's D-Bus calls (sd-bus from libsystemd, loaded on first use: sdbus_lib.hpp):
// StartTransientUnit and its job, SetUnitProperties, StopUnit, ResetFailedUnit, the unit's
// ControlGroup.
#include "cgroups/systemd.hpp"

#include "cgroups/sdbus_lib.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <thread>

namespace hull::cgroups::systemd {

namespace {

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kPrivate = "/run/systemd/private";
constexpr auto kJobTimeout = std::chrono::seconds(30);

struct BusDeleter {
    void operator()(sd_bus* b) const { sdbus().sd_bus_flush_close_unref(b); }
};
using Bus = std::unique_ptr<sd_bus, BusDeleter>;
struct MsgDeleter {
    void operator()(sd_bus_message* m) const { sdbus().sd_bus_message_unref(m); }
};
using Msg = std::unique_ptr<sd_bus_message, MsgDeleter>;

// An sd_bus_error that frees itself.
struct BusError {
    sd_bus_error e = SD_BUS_ERROR_NULL;
    ~BusError() { sdbus().sd_bus_error_free(&e); }
    std::string text(int r) const {
        if (sdbus().sd_bus_error_is_set(&e)) return e.message ? e.message : e.name;
        return std::strerror(-r);
    }
    bool is(const char* name) const { return sdbus().sd_bus_error_has_name(&e, name); }
};

bool private_socket(Manager m) {
    return m == Manager::System && geteuid() == 0 && access(kPrivate, F_OK) == 0;
}

// Errors name the unit (when there is one) and the bus.
Error bus_error(Manager m, const std::string& unit, const std::string& what) {
    std::string msg = "systemd";
    if (!unit.empty()) msg += " unit " + unit;
    msg += " (" + std::string(to_string(m)) + " manager on " + bus_name(m) + "): " + what;
    return Error::msg(std::move(msg));
}

Result<Bus> connect(Manager m, const std::string& unit) {
    if (auto loaded = load_sdbus(); !loaded)
        return std::unexpected(bus_error(m, unit, loaded.error().message()));
    sd_bus* raw = nullptr;
    int r = sdbus().sd_bus_new(&raw);
    if (r < 0)
        return std::unexpected(bus_error(m, unit, "sd_bus_new: " + std::string(std::strerror(-r))));
    Bus bus(raw);
    const std::string address = bus_name(m);
    r = sdbus().sd_bus_set_address(bus.get(), address.c_str());
    if (r >= 0 && !private_socket(m)) r = sdbus().sd_bus_set_bus_client(bus.get(), 1);
    if (r >= 0) r = sdbus().sd_bus_start(bus.get());
    if (r < 0)
        return std::unexpected(
            bus_error(m, unit, "cannot connect to the bus: " + std::string(std::strerror(-r))));
    return bus;
}

int append_value(sd_bus_message* msg, const Value& value) {
    return std::visit(
        [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            const char sig = signature(value)[0];
            if constexpr (std::is_same_v<T, bool>) {
                int b = v ? 1 : 0;
                return sdbus().sd_bus_message_append_basic(msg, 'b', &b);
            } else if constexpr (std::is_same_v<T, std::string>) {
                return sdbus().sd_bus_message_append_basic(msg, 's', v.c_str());
            } else if constexpr (std::is_arithmetic_v<T>) {
                return sdbus().sd_bus_message_append_basic(msg, sig, &v);
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                int r = sdbus().sd_bus_message_open_container(msg, 'a', "s");
                for (const auto& s : v)
                    if (r >= 0) r = sdbus().sd_bus_message_append_basic(msg, 's', s.c_str());
                return r < 0 ? r : sdbus().sd_bus_message_close_container(msg);
            } else if constexpr (std::is_same_v<T, std::vector<uint32_t>>) {
                return sdbus().sd_bus_message_append_array(msg, 'u', v.data(),
                                                           v.size() * sizeof(uint32_t));
            } else if constexpr (std::is_same_v<T, std::vector<uint64_t>>) {
                return sdbus().sd_bus_message_append_array(msg, 't', v.data(),
                                                           v.size() * sizeof(uint64_t));
            } else if constexpr (std::is_same_v<T, Bits>) {
                return sdbus().sd_bus_message_append_array(msg, 'y', v.bytes.data(),
                                                           v.bytes.size());
            } else { // DeviceAllowList
                int r = sdbus().sd_bus_message_open_container(msg, 'a', "(ss)");
                for (const auto& [path, access] : v)
                    if (r >= 0)
                        r = sdbus().sd_bus_message_append(msg, "(ss)", path.c_str(),
                                                          access.c_str());
                return r < 0 ? r : sdbus().sd_bus_message_close_container(msg);
            }
        },
        value);
}

int append_properties(sd_bus_message* msg, const Properties& props) {
    int r = sdbus().sd_bus_message_open_container(msg, 'a', "(sv)");
    for (const auto& p : props) {
        if (r >= 0) r = sdbus().sd_bus_message_open_container(msg, 'r', "sv");
        if (r >= 0) r = sdbus().sd_bus_message_append_basic(msg, 's', p.name.c_str());
        const std::string sig(signature(p.value));
        if (r >= 0) r = sdbus().sd_bus_message_open_container(msg, 'v', sig.c_str());
        if (r >= 0) r = append_value(msg, p.value);
        if (r >= 0) r = sdbus().sd_bus_message_close_container(msg);
        if (r >= 0) r = sdbus().sd_bus_message_close_container(msg);
    }
    return r < 0 ? r : sdbus().sd_bus_message_close_container(msg);
}

// JobRemoved(u id, o job, s unit, s result) signals, collected by job path.
struct Jobs {
    std::map<std::string, std::string> results;
    sd_bus_slot* slot = nullptr;
    ~Jobs() { sdbus().sd_bus_slot_unref(slot); }
};

int on_job_removed(sd_bus_message* m, void* userdata, sd_bus_error*) {
    uint32_t id = 0;
    const char *job = nullptr, *unit = nullptr, *result = nullptr;
    if (sdbus().sd_bus_message_read(m, "uoss", &id, &job, &unit, &result) >= 0 && job && result)
        static_cast<Jobs*>(userdata)->results[job] = result;
    return 0;
}

Result<void> watch_jobs(sd_bus* bus, Jobs& jobs, Manager m, const std::string& unit) {
    BusError err;
    // On the bus systemd only sends signals once someone subscribed; harmless elsewhere.
    (void)sdbus().sd_bus_call_method(bus, kDest, kPath, kManager, "Subscribe", &err.e, nullptr, "");
    int r = sdbus().sd_bus_match_signal(bus, &jobs.slot, kDest, kPath, kManager, "JobRemoved",
                                        on_job_removed, &jobs);
    if (r < 0)
        return std::unexpected(
            bus_error(m, unit, "watch JobRemoved: " + std::string(std::strerror(-r))));
    return {};
}

Result<std::string> wait_job(sd_bus* bus, Jobs& jobs, const std::string& job, Manager m,
                             const std::string& unit) {
    const auto deadline = std::chrono::steady_clock::now() + kJobTimeout;
    for (;;) {
        if (auto it = jobs.results.find(job); it != jobs.results.end()) return it->second;
        int r = sdbus().sd_bus_process(bus, nullptr);
        if (r < 0)
            return std::unexpected(
                bus_error(m, unit, "waiting for job " + job + ": " + std::strerror(-r)));
        if (r > 0) continue;
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::seconds(0))
            return std::unexpected(bus_error(m, unit, "job " + job + " did not finish in 30 s"));
        r = sdbus().sd_bus_wait(
            bus, std::chrono::duration_cast<std::chrono::microseconds>(left).count());
        if (r < 0)
            return std::unexpected(
                bus_error(m, unit, "waiting for job " + job + ": " + std::strerror(-r)));
    }
}

// "unit" -> its object path, or "" when systemd does not know it.
std::string unit_object(sd_bus* bus, const std::string& unit) {
    BusError err;
    sd_bus_message* reply = nullptr;
    if (sdbus().sd_bus_call_method(bus, kDest, kPath, kManager, "GetUnit", &err.e, &reply, "s",
                                   unit.c_str()) < 0)
        return "";
    Msg r(reply);
    const char* path = nullptr;
    if (sdbus().sd_bus_message_read(reply, "o", &path) < 0 || !path) return "";
    return path;
}

Result<void> stop_on(sd_bus* bus, Manager m, const std::string& unit) {
    Jobs jobs;
    HULL_TRY(watch_jobs(bus, jobs, m, unit));
    BusError err;
    sd_bus_message* reply = nullptr;
    int r = sdbus().sd_bus_call_method(bus, kDest, kPath, kManager, "StopUnit", &err.e, &reply,
                                       "ss", unit.c_str(), "replace");
    Msg owned(reply);
    if (r < 0 && !err.is("org.freedesktop.systemd1.NoSuchUnit"))
        return std::unexpected(bus_error(m, unit, "StopUnit: " + err.text(r)));
    if (r >= 0) {
        const char* job = nullptr;
        if (sdbus().sd_bus_message_read(reply, "o", &job) < 0 || !job)
            return std::unexpected(bus_error(m, unit, "StopUnit: no job in the reply"));
        auto result = HULL_TRY(wait_job(bus, jobs, job, m, unit));
        if (result != "done")
            return std::unexpected(bus_error(m, unit, "stop job finished with result " + result));
    }
    BusError reset;
    (void)sdbus().sd_bus_call_method(bus, kDest, kPath, kManager, "ResetFailedUnit", &reset.e,
                                     nullptr, "s", unit.c_str());
    // The stopped unit is garbage-collected shortly after its job: wait until it is gone.
    for (int i = 0; i < 100 && !unit_object(bus, unit).empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return {};
}

} // namespace

std::string bus_name(Manager m) {
    if (private_socket(m)) return std::string("unix:path=") + kPrivate;
    if (m == Manager::System) {
        const char* env = std::getenv("DBUS_SYSTEM_BUS_ADDRESS");
        return env && *env ? env : "unix:path=/run/dbus/system_bus_socket";
    }
    const char* env = std::getenv("DBUS_SESSION_BUS_ADDRESS");
    if (env && *env) return env;
    const char* xdg = std::getenv("XDG_RUNTIME_DIR");
    return std::string("unix:path=") +
           (xdg && *xdg ? xdg : "/run/user/" + std::to_string(geteuid())) + "/bus";
}

bool reachable(Manager m) {
    auto bus = connect(m, "");
    if (!bus) return false;
    BusError err;
    char* version = nullptr;
    int r = sdbus().sd_bus_get_property_string(bus->get(), kDest, kPath, kManager, "Version",
                                               &err.e, &version);
    free(version);
    return r >= 0;
}

Result<std::string> start_unit(Manager m, const std::string& unit, const Properties& props) {
    auto bus = HULL_TRY(connect(m, unit));
    Jobs jobs;
    HULL_TRY(watch_jobs(bus.get(), jobs, m, unit));
    sd_bus_message* raw = nullptr;
    int r = sdbus().sd_bus_message_new_method_call(bus.get(), &raw, kDest, kPath, kManager,
                                                   "StartTransientUnit");
    Msg call(raw);
    if (r >= 0) r = sdbus().sd_bus_message_append(raw, "ss", unit.c_str(), "fail");
    if (r >= 0) r = append_properties(raw, props);
    if (r >= 0) r = sdbus().sd_bus_message_append(raw, "a(sa(sv))", 0);
    if (r < 0)
        return std::unexpected(
            bus_error(m, unit, "build StartTransientUnit: " + std::string(std::strerror(-r))));
    BusError err;
    sd_bus_message* reply = nullptr;
    r = sdbus().sd_bus_call(bus.get(), raw, 0, &err.e, &reply);
    Msg owned(reply);
    if (r < 0 && err.is("org.freedesktop.systemd1.UnitExists"))
        return std::unexpected(bus_error(
            m, unit, "the unit exists already (StartTransientUnit: " + err.text(r) + ")"));
    if (r < 0) return std::unexpected(bus_error(m, unit, "StartTransientUnit: " + err.text(r)));
    const char* job = nullptr;
    if (sdbus().sd_bus_message_read(reply, "o", &job) < 0 || !job)
        return std::unexpected(bus_error(m, unit, "StartTransientUnit: no job in the reply"));
    const std::string job_path = job;
    auto result = wait_job(bus.get(), jobs, job_path, m, unit);
    if (!result || *result != "done") {
        (void)stop_on(bus.get(), m, unit);
        if (!result) return std::unexpected(result.error());
        return std::unexpected(bus_error(m, unit, "the start job finished with result " + *result));
    }
    const std::string object = unit_object(bus.get(), unit);
    BusError perr;
    char* cgroup = nullptr;
    const bool slice = unit.ends_with(".slice");
    r = object.empty()
            ? -ENOENT
            : sdbus().sd_bus_get_property_string(bus.get(), kDest, object.c_str(),
                                                 slice ? "org.freedesktop.systemd1.Slice"
                                                       : "org.freedesktop.systemd1.Scope",
                                                 "ControlGroup", &perr.e, &cgroup);
    std::string path = cgroup ? cgroup : "";
    free(cgroup);
    if (r < 0 || path.empty() || path[0] != '/') {
        (void)stop_on(bus.get(), m, unit);
        return std::unexpected(bus_error(m, unit, "the unit has no ControlGroup: " + perr.text(r)));
    }
    return path;
}

Result<void> set_unit_properties(Manager m, const std::string& unit, const Properties& props) {
    if (props.empty()) return {};
    auto bus = HULL_TRY(connect(m, unit));
    sd_bus_message* raw = nullptr;
    int r = sdbus().sd_bus_message_new_method_call(bus.get(), &raw, kDest, kPath, kManager,
                                                   "SetUnitProperties");
    Msg call(raw);
    if (r >= 0) r = sdbus().sd_bus_message_append(raw, "sb", unit.c_str(), 1);
    if (r >= 0) r = append_properties(raw, props);
    if (r < 0)
        return std::unexpected(
            bus_error(m, unit, "build SetUnitProperties: " + std::string(std::strerror(-r))));
    BusError err;
    r = sdbus().sd_bus_call(bus.get(), raw, 0, &err.e, nullptr);
    if (r < 0) return std::unexpected(bus_error(m, unit, "SetUnitProperties: " + err.text(r)));
    return {};
}

Result<void> attach_process(Manager m, const std::string& unit, pid_t pid) {
    auto bus = HULL_TRY(connect(m, unit));
    sd_bus_message* raw = nullptr;
    int r = sdbus().sd_bus_message_new_method_call(bus.get(), &raw, kDest, kPath, kManager,
                                                   "AttachProcessesToUnit");
    Msg call(raw);
    const auto p = static_cast<uint32_t>(pid);
    if (r >= 0) r = sdbus().sd_bus_message_append(raw, "ss", unit.c_str(), "");
    if (r >= 0) r = sdbus().sd_bus_message_append_array(raw, 'u', &p, sizeof(p));
    if (r < 0)
        return std::unexpected(
            bus_error(m, unit, "build AttachProcessesToUnit: " + std::string(std::strerror(-r))));
    BusError err;
    r = sdbus().sd_bus_call(bus.get(), raw, 0, &err.e, nullptr);
    if (r < 0) return std::unexpected(bus_error(m, unit, "AttachProcessesToUnit: " + err.text(r)));
    return {};
}

Result<void> stop_unit(Manager m, const std::string& unit) {
    auto bus = HULL_TRY(connect(m, unit));
    return stop_on(bus.get(), m, unit);
}

} // namespace hull::cgroups::systemd
