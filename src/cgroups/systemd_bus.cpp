// The systemd driver's D-Bus calls, on hull's own D-Bus client (dbus_conn.hpp):
// StartTransientUnit and its job, SetUnitProperties, AttachProcessesToUnit, StopUnit,
// ResetFailedUnit, the unit's ControlGroup.
#include "cgroups/systemd.hpp"

#include "cgroups/dbus_conn.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace hull::cgroups::systemd {

namespace {

constexpr const char* kDest = "org.freedesktop.systemd1";
constexpr const char* kPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";
constexpr const char* kPrivate = "/run/systemd/private";
constexpr auto kJobTimeout = std::chrono::seconds(30);

using dbus::Connection;
using dbus::Message;
using dbus::MessageType;
using dbus::Writer;

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

// A connection to the manager, and who it is for (the errors' words).
struct Bus {
    Connection conn;
    Manager manager;
    std::string unit;
    bool direct;

    Error fail(const std::string& what) const { return bus_error(manager, unit, what); }

    // A Manager method; an error reply is returned as an Error message (see is_error).
    Result<Message> call(const char* member, const char* signature, const Writer& args,
                         const char* path = kPath, const char* interface = kManager) {
        auto reply = conn.call({.destination = kDest,
                                .path = path,
                                .interface = interface,
                                .member = member,
                                .signature = signature,
                                .body = args.bytes()});
        if (!reply)
            return std::unexpected(fail(std::string(member) + ": " + reply.error().message()));
        return reply;
    }
    // The same, any error reply a failure "<member>: <its message>".
    Result<Message> call_ok(const char* member, const char* signature, const Writer& args,
                            const char* path = kPath, const char* interface = kManager) {
        Message r = HULL_TRY(call(member, signature, args, path, interface));
        if (r.type == MessageType::Error)
            return std::unexpected(fail(std::string(member) + ": " + text(r)));
        return r;
    }
    static std::string text(const Message& r) {
        std::string t = dbus::error_text(r);
        return t.empty() ? r.error_name : t;
    }
};

Result<Bus> connect(Manager m, const std::string& unit) {
    const bool direct = private_socket(m);
    auto conn = Connection::open(bus_name(m), direct ? dbus::BusKind::Direct : dbus::BusKind::Bus);
    if (!conn)
        return std::unexpected(
            bus_error(m, unit, "cannot connect to the bus: " + conn.error().message()));
    return Bus{.conn = std::move(*conn), .manager = m, .unit = unit, .direct = direct};
}

Writer args_s(const std::string& a) {
    Writer w;
    w.string('s', a);
    return w;
}

Writer args_ss(const std::string& a, const std::string& b) {
    Writer w;
    w.string('s', a);
    w.string('s', b);
    return w;
}

void append_value(Writer& w, const Value& value) {
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>)
                w.boolean(v);
            else if constexpr (std::is_same_v<T, uint8_t>)
                w.byte(v);
            else if constexpr (std::is_same_v<T, int16_t>)
                w.i16(v);
            else if constexpr (std::is_same_v<T, uint16_t>)
                w.u16(v);
            else if constexpr (std::is_same_v<T, int32_t>)
                w.i32(v);
            else if constexpr (std::is_same_v<T, uint32_t>)
                w.u32(v);
            else if constexpr (std::is_same_v<T, int64_t>)
                w.i64(v);
            else if constexpr (std::is_same_v<T, uint64_t>)
                w.u64(v);
            else if constexpr (std::is_same_v<T, double>)
                w.f64(v);
            else if constexpr (std::is_same_v<T, std::string>)
                w.string('s', v);
            else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                auto a = w.open_array(4);
                for (const auto& s : v)
                    w.string('s', s);
                w.close_array(a);
            } else if constexpr (std::is_same_v<T, std::vector<uint32_t>>) {
                auto a = w.open_array(4);
                for (uint32_t x : v)
                    w.u32(x);
                w.close_array(a);
            } else if constexpr (std::is_same_v<T, std::vector<uint64_t>>) {
                auto a = w.open_array(8);
                for (uint64_t x : v)
                    w.u64(x);
                w.close_array(a);
            } else if constexpr (std::is_same_v<T, Bits>) {
                auto a = w.open_array(1);
                for (uint8_t x : v.bytes)
                    w.byte(x);
                w.close_array(a);
            } else { // DeviceAllowList: a(ss)
                auto a = w.open_array(8);
                for (const auto& [path, access] : v) {
                    w.align(8);
                    w.string('s', path);
                    w.string('s', access);
                }
                w.close_array(a);
            }
        },
        value);
}

// JobRemoved(u id, o job, s unit, s result) on the manager: its job and result.
struct JobEnd {
    std::string job, result;
};
std::optional<JobEnd> job_removed(const Message& s) {
    if (s.member != "JobRemoved" || s.interface != kManager || s.signature != "uoss")
        return std::nullopt;
    dbus::Reader r(s.body, s.big_endian);
    if (!r.u32()) return std::nullopt;
    auto job = r.string();
    auto unit = r.string();
    auto result = r.string();
    if (!job || !unit || !result) return std::nullopt;
    return JobEnd{.job = *job, .result = *result};
}

// Asks for JobRemoved: Subscribe (systemd only signals on the bus once someone subscribed) and,
// on a message bus, a match rule so that the bus routes the signal to us.
Result<void> watch_jobs(Bus& bus) {
    (void)bus.call("Subscribe", "", Writer());
    if (!bus.direct) {
        Writer rule = args_s(std::string("type='signal',sender='") + kDest + "',path='" + kPath +
                             "',interface='" + kManager + "',member='JobRemoved'");
        auto r = bus.conn.call({.destination = "org.freedesktop.DBus",
                                .path = "/org/freedesktop/DBus",
                                .interface = "org.freedesktop.DBus",
                                .member = "AddMatch",
                                .signature = "s",
                                .body = rule.bytes()});
        if (!r || r->type == MessageType::Error)
            return std::unexpected(
                bus.fail("watch JobRemoved: " + (r ? Bus::text(*r) : r.error().message())));
    }
    return {};
}

// The job path of a reply "o".
Result<std::string> job_of(Bus& bus, const Message& reply, const char* member) {
    dbus::Reader r(reply.body, reply.big_endian);
    auto job = reply.signature == "o" ? r.string() : Result<std::string>(std::unexpected(Error()));
    if (!job || job->empty())
        return std::unexpected(bus.fail(std::string(member) + ": no job in the reply"));
    return *job;
}

Result<std::string> wait_job(Bus& bus, const std::string& job) {
    const auto deadline = Connection::Clock::now() + kJobTimeout;
    for (;;) {
        auto s = bus.conn.next_signal(deadline);
        if (!s)
            return std::unexpected(bus.fail("waiting for job " + job + ": " + s.error().message()));
        if (!*s) return std::unexpected(bus.fail("job " + job + " did not finish in 30 s"));
        if (auto end = job_removed(**s); end && end->job == job) return end->result;
    }
}

// "unit" -> its object path, or "" when systemd does not know it.
std::string unit_object(Bus& bus, const std::string& unit) {
    auto reply = bus.call("GetUnit", "s", args_s(unit));
    if (!reply || reply->type != MessageType::Return || reply->signature != "o") return "";
    dbus::Reader r(reply->body, reply->big_endian);
    auto path = r.string();
    return path ? *path : "";
}

// Properties.Get of a string property.
Result<std::string> string_property(Bus& bus, const char* object, const char* interface,
                                    const char* name) {
    Message reply =
        HULL_TRY(bus.call_ok("Get", "ss", args_ss(interface, name), object, kProperties));
    dbus::Reader r(reply.body, reply.big_endian);
    auto sig = r.signature();
    if (!sig || *sig != "s")
        return std::unexpected(bus.fail(std::string(name) + " is not a string"));
    auto value = r.string();
    if (!value)
        return std::unexpected(bus.fail(std::string(name) + ": " + value.error().message()));
    return *value;
}

Result<void> stop_on(Bus& bus) {
    const std::string& unit = bus.unit;
    HULL_TRY(watch_jobs(bus));
    Message reply = HULL_TRY(bus.call("StopUnit", "ss", args_ss(unit, "replace")));
    if (reply.type == MessageType::Error &&
        reply.error_name != "org.freedesktop.systemd1.NoSuchUnit")
        return std::unexpected(bus.fail("StopUnit: " + Bus::text(reply)));
    if (reply.type == MessageType::Return) {
        const std::string job = HULL_TRY(job_of(bus, reply, "StopUnit"));
        const std::string result = HULL_TRY(wait_job(bus, job));
        if (result != "done")
            return std::unexpected(bus.fail("stop job finished with result " + result));
    }
    (void)bus.call("ResetFailedUnit", "s", args_s(unit));
    // The stopped unit is garbage-collected shortly after its job: wait until it is gone.
    for (int i = 0; i < 100 && !unit_object(bus, unit).empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return {};
}

} // namespace

void append_properties(dbus::Writer& w, const Properties& props) {
    auto a = w.open_array(8);
    for (const auto& p : props) {
        w.align(8);
        w.string('s', p.name);
        w.signature(signature(p.value));
        append_value(w, p.value);
    }
    w.close_array(a);
}

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
    return bus && string_property(*bus, kPath, kManager, "Version").has_value();
}

Result<std::string> start_unit(Manager m, const std::string& unit, const Properties& props) {
    Bus bus = HULL_TRY(connect(m, unit));
    HULL_TRY(watch_jobs(bus));
    Writer args;
    args.string('s', unit);
    args.string('s', "fail");
    append_properties(args, props);
    const auto aux = args.open_array(8); // a(sa(sv)): no auxiliary units
    args.close_array(aux);
    Message reply = HULL_TRY(bus.call("StartTransientUnit", "ssa(sv)a(sa(sv))", args));
    if (reply.type == MessageType::Error &&
        reply.error_name == "org.freedesktop.systemd1.UnitExists")
        return std::unexpected(
            bus.fail("the unit exists already (StartTransientUnit: " + Bus::text(reply) + ")"));
    if (reply.type == MessageType::Error)
        return std::unexpected(bus.fail("StartTransientUnit: " + Bus::text(reply)));
    const std::string job = HULL_TRY(job_of(bus, reply, "StartTransientUnit"));
    auto result = wait_job(bus, job);
    if (!result || *result != "done") {
        (void)stop_on(bus);
        if (!result) return std::unexpected(result.error());
        return std::unexpected(bus.fail("the start job finished with result " + *result));
    }
    const std::string object = unit_object(bus, unit);
    auto path = object.empty()
                    ? Result<std::string>(std::unexpected(Error::msg("systemd does not know it")))
                    : string_property(bus, object.c_str(),
                                      unit.ends_with(".slice") ? "org.freedesktop.systemd1.Slice"
                                                               : "org.freedesktop.systemd1.Scope",
                                      "ControlGroup");
    if (!path || path->empty() || (*path)[0] != '/') {
        (void)stop_on(bus);
        return std::unexpected(bus.fail("the unit has no ControlGroup" +
                                        (path ? std::string() : ": " + path.error().message())));
    }
    return *path;
}

Result<void> set_unit_properties(Manager m, const std::string& unit, const Properties& props) {
    if (props.empty()) return {};
    Bus bus = HULL_TRY(connect(m, unit));
    Writer args;
    args.string('s', unit);
    args.boolean(true);
    append_properties(args, props);
    HULL_TRY(bus.call_ok("SetUnitProperties", "sba(sv)", args));
    return {};
}

Result<void> attach_process(Manager m, const std::string& unit, pid_t pid) {
    Bus bus = HULL_TRY(connect(m, unit));
    Writer args = args_ss(unit, "");
    auto a = args.open_array(4);
    args.u32(static_cast<uint32_t>(pid));
    args.close_array(a);
    HULL_TRY(bus.call_ok("AttachProcessesToUnit", "ssau", args));
    return {};
}

Result<void> stop_unit(Manager m, const std::string& unit) {
    Bus bus = HULL_TRY(connect(m, unit));
    return stop_on(bus);
}

} // namespace hull::cgroups::systemd
