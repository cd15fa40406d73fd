// hull::cgroups::systemd: the systemd cgroup driver (`hull --systemd-cgroup`). systemd owns the
// cgroup tree on a host whose PID 1 is systemd; with this driver hull asks systemd (over D-Bus,
// with hull's own client: dbus_conn.hpp) for a transient scope (or slice) and then uses the
// unit's cgroup directory as the container's cgroup with the ordinary cgroups::Cgroup code
// (files, freezer, stats, kill).
//
//     auto spec = HULL_TRY(systemd::parse_cgroups_path(cfg.linux->cgroupsPath, id, manager));
//     auto props = systemd::unit_properties(spec, placeholder_pid, "hull container " + id);
//     ... + HULL_TRY(systemd::resource_properties(resources, proc_devices))
//     ... + HULL_TRY(systemd::annotation_properties(cfg.annotations));
//     std::string cgroup_path = HULL_TRY(systemd::start_unit(manager, spec.unit, props));
//     ...
//     HULL_TRY(systemd::stop_unit(manager, spec.unit)); // at delete
//
// See docs/cgroups.md ("The systemd driver").
#pragma once

#include "hull/config_resources.hpp"
#include "hull/error.hpp"

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hull::cgroups::dbus {
class Writer;
}

namespace hull::cgroups::systemd {

// Which systemd instance: the system manager (root) or the calling user's manager (rootless).
enum class Manager { System, User };
std::string_view to_string(Manager m); // "system", "user"

// linux.cgroupsPath read as "slice:prefix:name" (runc's rules).
struct UnitSpec {
    std::string slice; // the parent slice unit, e.g. "system.slice" ("-.slice" = the root)
    std::string unit;  // "prefix-name.scope", or name itself when it ends in ".slice"
    bool is_slice() const;
    bool operator==(const UnitSpec&) const = default;
};
// Unset or empty cgroupsPath: slice "system.slice" ("user.slice" for the user manager), unit
// "hull-<id>.scope". Otherwise exactly three ':'-separated parts; an empty slice means the
// default one; the unit is "<prefix>-<name>.scope" unless name ends in ".slice".
Result<UnitSpec> parse_cgroups_path(const std::optional<std::string>& cgroupsPath,
                                    std::string_view id, Manager m);
// A slice name to its cgroup path: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice",
// "-.slice" -> "/". Empty components ("a--b.slice", "-a.slice") and '/' are refused.
Result<std::string> expand_slice(std::string_view slice);

// The ay of AllowedCPUs / AllowedMemoryNodes: bit n of byte n/8 stands for cpu (node) n.
struct Bits {
    std::vector<uint8_t> bytes;
    bool operator==(const Bits&) const = default;
};
// a(ss): DeviceAllow entries (device node or group, access).
using DeviceAllowList = std::vector<std::pair<std::string, std::string>>;

// A D-Bus value of a unit property: the types systemd's properties use.
using Value = std::variant<bool, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, uint64_t,
                           double, std::string, std::vector<std::string>, std::vector<uint32_t>,
                           std::vector<uint64_t>, Bits, DeviceAllowList>;
// The D-Bus signature of a value ("t", "as", "a(ss)", ...).
std::string_view signature(const Value& v);

struct Property {
    std::string name;
    Value value;
    bool operator==(const Property&) const = default;
};
using Properties = std::vector<Property>;

// The unit's own properties: Description, then for a scope Slice, Delegate=yes, PIDs=[pid]; for
// a slice Wants=<parent slice>; DefaultDependencies=no for both.
Properties unit_properties(const UnitSpec& spec, pid_t pid, const std::string& description);

// The resources systemd has properties for, converted as runc's v2 driver does: memory
// (MemoryMax, MemoryLow, MemorySwapMax), CPU (CPUWeight from shares, CPUQuotaPerSecUSec rounded
// up to 10 ms, CPUQuotaPeriodUSec), TasksMax, AllowedCPUs / AllowedMemoryNodes, IOWeight, and
// the device rules (DevicePolicy, DeviceAllow). `proc_devices` is the text of /proc/devices
// (for rules naming a major with any minor: "char-<driver name>"). -1 means "infinity".
Result<Properties> resource_properties(const Resources& r, std::string_view proc_devices);
// The device rules alone (part of resource_properties): "strict" plus allow entries when the
// rules start by denying everything; "auto" and no list when they end by allowing everything.
Properties device_properties(const std::vector<DeviceRule>& rules, std::string_view proc_devices);
// "0-3,7" -> bits. Refuses malformed lists.
Result<Bits> list_to_bits(std::string_view list);

// annotations "org.systemd.property.<Name>" = "<GVariant text>", as runc: Name must be letters
// and digits starting with an upper-case letter; a name ending in "Sec" becomes "...USec" with
// the value (seconds, a number) converted to microseconds as uint64.
Result<Properties> annotation_properties(const std::map<std::string, std::string>& annotations);
// The GVariant text form of one value: true/false, numbers (bare integers are int32, int64 when
// they do not fit; with '.' or 'e' a double; or typed: "uint64 5", "byte 1", "int16 -2", ...),
// strings ('x' or "x"), and arrays of those ("['a', 'b']", "[uint32 1, 2]", "@as []").
Result<Value> parse_gvariant(std::string_view text);

// ---- D-Bus (systemd_bus.cpp, on hull's own client: dbus_conn.hpp) ----

// Marshals `props` as the a(sv) of StartTransientUnit and SetUnitProperties.
void append_properties(dbus::Writer& w, const Properties& props);

// The address hull uses for the manager (for messages): as root the manager's private socket
// (unix:path=/run/systemd/private) when it exists, else the system bus; the user bus for User.
std::string bus_name(Manager m);
// Whether the manager answers on its bus (connects and reads its Version property).
bool reachable(Manager m);
// StartTransientUnit(unit, "fail", props), waits for the job (JobRemoved) and returns the unit's
// cgroup (its ControlGroup property, a path under the cgroup root). A job that does not end in
// "done" is undone (the unit stopped, its failed state reset) before the error is returned.
// Errors name the unit and the bus.
Result<std::string> start_unit(Manager m, const std::string& unit, const Properties& props);
// SetUnitProperties(unit, runtime=true, props).
Result<void> set_unit_properties(Manager m, const std::string& unit, const Properties& props);
// AttachProcessesToUnit(unit, "", [pid]): systemd moves a process into the unit's cgroup (a user
// manager asks the system manager to, where the caller itself may not write there).
Result<void> attach_process(Manager m, const std::string& unit, pid_t pid);
// StopUnit(unit, "replace"), waits for the job, then ResetFailedUnit. A unit that is already
// gone is fine.
Result<void> stop_unit(Manager m, const std::string& unit);

} // namespace hull::cgroups::systemd
