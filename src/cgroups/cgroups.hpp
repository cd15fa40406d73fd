// hull::cgroups: a container's control group on a cgroup v1 (legacy), hybrid or v2 (unified)
// host. One Cgroup object stands for the container's directory in every mounted hierarchy (the
// same relative path in each, except for a relative cgroupsPath on a v1/hybrid host: see
// Placement); each controller is used in the hierarchy where it actually lives (on a hybrid
// host hugetlb may sit on the cgroup2 tree while memory sits on a v1 tree).
//
//     auto host = HULL_TRY(cgroups::detect());
//     auto where = HULL_TRY(cgroups::container_placement(host, cfg.linux->cgroupsPath, id));
//     auto cg = HULL_TRY(cgroups::Cgroup::create(host, where));
//     HULL_TRY(cg.add(pid));                                   // before any user code runs
//     HULL_TRY(cg.apply(resources, cgroups::ApplyMode::Create, warnings));
//     ...
//     HULL_TRY(cgroups::Cgroup::attach(host, where).destroy()); // at delete
//
// See docs/cgroups.md for the model, the v1 <-> v2 conversions and what each resource does on
// each kind of host.
#pragma once

#include "hull/config_linux.hpp"
#include "hull/config_resources.hpp"
#include "hull/error.hpp"
#include "util/fd.hpp"

#include <nlohmann/json_fwd.hpp>

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hull::cgroups {

enum class Layout {
    Unified, // only cgroup2 at /sys/fs/cgroup (every controller there)
    Legacy,  // only v1 hierarchies
    Hybrid,  // v1 hierarchies plus a cgroup2 mount (e.g. /sys/fs/cgroup/unified)
};
std::string_view to_string(Layout l);

// One mounted hierarchy.
struct Hierarchy {
    std::string mount_point; // e.g. /sys/fs/cgroup/memory, /sys/fs/cgroup/unified
    // v1: the controllers from the mount options ("cpu", "cpuacct", "name=systemd");
    // v2: the root's cgroup.controllers ("hugetlb" on this host; may be empty).
    std::vector<std::string> controllers;
    bool v2 = false;
    bool has(std::string_view controller) const;
};

struct Host {
    Layout layout = Layout::Unified;
    std::vector<Hierarchy> hierarchies; // each mounted hierarchy once (first mount wins)
    // The hierarchy that holds `controller` ("memory", "hugetlb", "freezer", ...): a v1
    // hierarchy that has it, else the cgroup2 mount when its cgroup.controllers lists it.
    // nullptr when no mounted hierarchy offers it.
    const Hierarchy* find(std::string_view controller) const;
    const Hierarchy* unified() const; // the cgroup2 mount, nullptr when there is none
};

// The layout from /proc/self/mountinfo; v2 controllers from the cgroup2 root's
// cgroup.controllers.
Result<Host> detect();
// The same from given mountinfo text, for tests: v2 controllers are read from the mount point
// only when `read_controllers` is set.
enum class ReadControllers { No, Yes };
Result<Host> parse_mountinfo(std::string_view mountinfo, ReadControllers read);

// The cgroup path (relative to every hierarchy root, starting with '/') a container uses:
//   absolute cgroupsPath  -> itself, normalised ("//a/./b" -> "/a/b"); ".." is rejected
//   relative cgroupsPath  -> under the calling process's own cgroup (its memory line, else
//                            its cgroup2 line); container_placement() resolves it in every
//                            hierarchy, as runc does
//   unset                 -> "/hull/<id>"
Result<std::string> container_path(const std::optional<std::string>& cgroupsPath,
                                   std::string_view id);
// The same with /proc/self/cgroup given as text (used only for a relative cgroupsPath).
Result<std::string> container_path(const std::optional<std::string>& cgroupsPath,
                                   std::string_view id, std::string_view proc_self_cgroup);

// Where a container's cgroup sits in each hierarchy (paths relative to the hierarchy root,
// starting with '/'). Mostly one path for all; a relative cgroupsPath on a v1 or hybrid host
// has one per hierarchy, since the caller's own cgroup differs per controller.
struct Placement {
    std::string path;                             // every hierarchy not in per_mount
    std::map<std::string, std::string> per_mount; // mount_point -> path
    const std::string& in(const Hierarchy& h) const;
};

// container_path() per hierarchy: a relative cgroupsPath goes below the caller's own cgroup
// in EACH hierarchy, as runc's v1 driver resolves it (`path` is then container_path()'s, the
// one under the memory hierarchy's own cgroup); otherwise `path` alone.
Result<Placement> container_placement(const Host& host,
                                      const std::optional<std::string>& cgroupsPath,
                                      std::string_view id);
// The same with /proc/self/cgroup given as text, for tests.
Result<Placement> container_placement(const Host& host,
                                      const std::optional<std::string>& cgroupsPath,
                                      std::string_view id, std::string_view proc_self_cgroup);

enum class ApplyMode {
    Create, // a new container: write every field that is set
    Update, // `hull update`: same, plus the memory.checkBeforeUpdate check
};

class Cgroup {
  public:
    // Makes the directory in every hierarchy (mkdir -p). v1 cpuset: new directories get
    // cpuset.cpus/mems from their parent. v2: controllers are enabled in the ancestors'
    // cgroup.subtree_control as needed. A cgroup that already holds processes is refused
    // (the spec's "fit for purpose" check).
    static Result<Cgroup> create(const Host& host, std::string path);
    // An existing container cgroup (for delete, update, pause, ...). Never fails: directories
    // that are missing are skipped by every operation.
    static Cgroup attach(const Host& host, std::string path);
    // The same for a placement with a path per hierarchy.
    static Result<Cgroup> create(const Host& host, Placement where);
    static Cgroup attach(const Host& host, Placement where);

    const std::string& path() const { return path_; }
    const Placement& placement() const { return where_; }
    // <mount_point><path in h>: the container's directory in hierarchy h.
    std::string dir_in(const Hierarchy& h) const { return h.mount_point + where_.in(h); }
    const Host& host() const { return host_; }
    // <mount_point><path> in the hierarchy holding `controller`, or nullopt.
    std::optional<std::string> dir_of(std::string_view controller) const;

    // Moves `pid` into this cgroup in every hierarchy.
    Result<void> add(pid_t pid) const;
    // An O_PATH|O_DIRECTORY fd of the cgroup2 directory, for CLONE_INTO_CGROUP. Only on a
    // Unified host; an error elsewhere.
    Result<UniqueFd> open_unified_dir() const;

    // Writes linux.resources. Fields the host cannot apply either fail with a clear error or,
    // where runc/crun ignore them (documented in docs/cgroups.md), add a warning.
    Result<void> apply(const Resources& r, ApplyMode mode,
                       std::vector<std::string>& warnings) const;

    Result<void> freeze() const; // v1 freezer.state FROZEN, v2 cgroup.freeze 1; waits for it
    Result<void> thaw() const;
    Result<bool> frozen() const;

    // Every process in the cgroup and its descendants (host pids), sorted.
    Result<std::vector<pid_t>> pids() const;
    // Sends `sig` to every process: cgroup.kill on v2 for SIGKILL, otherwise freeze, signal each
    // pid, thaw (so no fork escapes).
    Result<void> signal_all(int sig) const;

    // runc's `events --stats` "data" object: cpu, memory, pids, blkio, hugetlb (see runc's
    // types.Stats); fields a host lacks are left out.
    Result<nlohmann::json> stats() const;
    // How many times the OOM killer has killed in this cgroup (v2 memory.events oom_kill,
    // v1 memory.oom_control oom_kill). 0 when unknown.
    uint64_t oom_kills() const;

    // Removes the directory in every hierarchy, children first. Missing directories are fine.
    // Retries briefly on EBUSY (exiting processes).
    Result<void> destroy() const;

  private:
    Cgroup(Host host, Placement where)
        : host_(std::move(host)), path_(where.path), where_(std::move(where)) {}
    Host host_;
    std::string path_;
    Placement where_;
};

// The device rules every container needs besides linux.resources.devices, as runc and crun
// add them: mknod of any char/block device ("c *:* m", "b *:* m"), then rwm on /dev/null,
// zero, full, random, urandom, tty, console, ptmx, the pts devices (136:*) and /dev/net/tun,
// then rwm on each linux.devices entry (char/block; fifos need no rule), in config order.
// Contract: the caller APPENDS these after the config's own rules
// (resources.devices = config rules + default_device_rules(linux.devices)), so v1 devices.list
// follows the config order and the defaults stay usable even after a config "deny all".
std::vector<DeviceRule> default_device_rules(const std::vector<Device>& config_devices);

// The v1 <-> v2 conversions runc and crun use (exposed for tests and `update`).
uint64_t shares_to_weight(uint64_t shares);   // cpu.shares 2..262144 -> cpu.weight 1..10000
uint64_t blkio_weight_to_io(uint64_t weight); // blkio 10..1000 -> io.weight 1..10000

} // namespace hull::cgroups
