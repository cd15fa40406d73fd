// The starter config.json of `hull spec` (like `runc spec`), built from the typed model so it
// always parses with parse_config.
#include "hull/spec_default.hpp"

#include <unistd.h>

#include "hull/config.hpp"
#include "hull/config_parse.hpp"

#include <nlohmann/json.hpp>

namespace hull {
namespace {

Mount make_mount(std::string dest, std::string type, std::string source,
                 std::vector<std::string> options) {
    Mount m;
    m.destination = std::move(dest);
    m.type = std::move(type);
    m.source = std::move(source);
    m.options = std::move(options);
    return m;
}

Process default_process() {
    Process p;
    p.terminal = false; // runc says true; false runs without a console socket
    p.user.uid = 0;
    p.user.gid = 0;
    p.args = {"sh"};
    p.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
    p.cwd = "/";
    const std::vector<Capability> caps = {Capability::AuditWrite, Capability::Kill,
                                          Capability::NetBindService};
    p.capabilities = Capabilities{
        .bounding = caps, .effective = caps, .inheritable = {}, .permitted = caps, .ambient = {}};
    p.rlimits = {Rlimit{.type = RlimitType::Nofile, .hard = 1024, .soft = 1024}};
    p.noNewPrivileges = true;
    return p;
}

std::vector<Mount> default_mounts(SpecMode mode) {
    const bool rootless = mode == SpecMode::Rootless;
    std::vector<Mount> ms;
    ms.push_back(make_mount("/proc", "proc", "proc", {}));
    ms.push_back(
        make_mount("/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}));
    std::vector<std::string> pts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666",
                                    "mode=0620"};
    if (!rootless) pts.push_back("gid=5"); // no tty group mapped in a rootless userns
    ms.push_back(make_mount("/dev/pts", "devpts", "devpts", std::move(pts)));
    ms.push_back(make_mount("/dev/shm", "tmpfs", "shm",
                            {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}));
    ms.push_back(make_mount("/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}));
    if (rootless) {
        // sysfs needs a netns owned by our userns; bind the host's instead (as runc does).
        ms.push_back(
            make_mount("/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"}));
    } else {
        ms.push_back(make_mount("/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}));
        ms.push_back(make_mount("/sys/fs/cgroup", "cgroup", "cgroup",
                                {"nosuid", "noexec", "nodev", "relatime", "ro"}));
    }
    return ms;
}

Linux default_linux(SpecMode mode) {
    const bool rootless = mode == SpecMode::Rootless;
    Linux l;
    if (rootless) {
        l.uidMappings = {IdMapping{.containerID = 0, .hostID = geteuid(), .size = 1}};
        l.gidMappings = {IdMapping{.containerID = 0, .hostID = getegid(), .size = 1}};
    } else {
        Resources r;
        r.devices = {
            DeviceRule{.allow = false, .type = {}, .major = {}, .minor = {}, .access = "rwm"}};
        l.resources = std::move(r);
    }
    l.namespaces.push_back({NamespaceType::Pid, {}});
    if (!rootless) l.namespaces.push_back({NamespaceType::Network, {}});
    l.namespaces.push_back({NamespaceType::Ipc, {}});
    l.namespaces.push_back({NamespaceType::Uts, {}});
    l.namespaces.push_back({NamespaceType::Mount, {}});
    l.namespaces.push_back({NamespaceType::Cgroup, {}});
    if (rootless) l.namespaces.push_back({NamespaceType::User, {}});
    l.maskedPaths = {"/proc/acpi",
                     "/proc/asound",
                     "/proc/kcore",
                     "/proc/keys",
                     "/proc/latency_stats",
                     "/proc/timer_list",
                     "/proc/timer_stats",
                     "/proc/sched_debug",
                     "/sys/firmware",
                     "/proc/scsi",
                     "/sys/devices/virtual/powercap"};
    l.readonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    return l;
}

} // namespace

nlohmann::ordered_json default_spec(SpecMode mode) {
    Config cfg;
    cfg.ociVersion = "1.3.0";
    cfg.process = default_process();
    cfg.root = Root{.path = "rootfs", .readonly = true};
    cfg.hostname = "hull";
    cfg.mounts = default_mounts(mode);
    cfg.linux = default_linux(mode);
    return to_json(cfg);
}

} // namespace hull
