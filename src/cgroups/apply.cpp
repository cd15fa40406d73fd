// Cgroup::apply(): sends each part of linux.resources to the hierarchy holding its
// controller, in runc's order (cpuset, devices, memory, cpu, pids, blkio, hugetlb, network,
// rdma), then linux.resources.unified last so that it can override the converted values.
#include "cgroups/cgroups.hpp"

#include "cgroups/devices.hpp"
#include "cgroups/files.hpp"
#include "cgroups/resources.hpp"

#include <fcntl.h>

#include <algorithm>

namespace hull::cgroups {

namespace {

bool any_cpu_field(const Cpu& c) {
    return (c.shares && *c.shares) || (c.quota && *c.quota) || (c.period && *c.period) || c.burst ||
           c.realtimeRuntime || c.realtimePeriod || c.idle;
}

bool any_cpuset_field(const Cpu& c) {
    return (c.cpus && !c.cpus->empty()) || (c.mems && !c.mems->empty());
}

bool any_blkio_field(const BlockIO& b) {
    return b.weight || b.leafWeight || !b.weightDevice.empty() ||
           !b.throttleReadBpsDevice.empty() || !b.throttleWriteBpsDevice.empty() ||
           !b.throttleReadIOPSDevice.empty() || !b.throttleWriteIOPSDevice.empty();
}

} // namespace

Result<void> Cgroup::apply(const Resources& r, ApplyMode mode,
                           std::vector<std::string>& warnings) const {
    // The directory of `controller` for field `f`, checking on v2 that the controller is
    // enabled for this cgroup.
    auto locate = [&](std::string_view controller,
                      std::string_view f) -> Result<std::pair<std::string, bool>> {
        const Hierarchy* h = host_.find(controller);
        if (!h)
            return fail("linux.resources." + std::string(f) + ": " + std::string(controller) +
                        " is not mounted on this host");
        std::string dir = dir_in(*h);
        if (h->v2) {
            auto avail = HULL_TRY_CTX(read_cg(dir, "cgroup.controllers"),
                                      "linux.resources." + std::string(f));
            auto names = split_ws(avail);
            if (std::find(names.begin(), names.end(), controller) == names.end())
                return fail("linux.resources." + std::string(f) + ": the " +
                            std::string(controller) + " controller is not enabled in " + dir);
        }
        return std::pair{dir, h->v2};
    };

    if (r.cpu && any_cpuset_field(*r.cpu)) {
        HULL_TRY(write_cpuset(HULL_TRY(locate("cpuset", "cpu")).first, *r.cpu));
    }
    if (!r.devices.empty()) {
        if (const Hierarchy* h = host_.find("devices"); h && !h->v2) {
            HULL_TRY(v1_devices(dir_in(*h), r.devices));
        } else if (const Hierarchy* u = host_.unified()) {
            std::string dir = dir_in(*u);
            UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (!fd) return fail_errno("linux.resources.devices: open " + dir);
            HULL_TRY_CTX(apply_devices_v2(fd.get(), r.devices), "linux.resources.devices");
        } else {
            return fail("linux.resources.devices: devices is not mounted on this host");
        }
    }
    if (r.memory && *r.memory != Memory{}) {
        auto [dir, v2] = HULL_TRY(locate("memory", "memory"));
        HULL_TRY(v2 ? v2_memory(dir, *r.memory, mode, warnings)
                    : v1_memory(dir, *r.memory, mode, warnings));
    }
    if (r.cpu && any_cpu_field(*r.cpu)) {
        auto [dir, v2] = HULL_TRY(locate("cpu", "cpu"));
        HULL_TRY(v2 ? v2_cpu(dir, *r.cpu) : v1_cpu(dir, *r.cpu, warnings));
    }
    if (r.pids && r.pids->limit) {
        HULL_TRY(write_pids(HULL_TRY(locate("pids", "pids")).first, *r.pids));
    }
    if (r.blockIO && any_blkio_field(*r.blockIO)) {
        const Hierarchy* h = host_.find("blkio");
        auto [dir, v2] =
            HULL_TRY(h && !h->v2 ? locate("blkio", "blockIO") : locate("io", "blockIO"));
        HULL_TRY(v2 ? v2_io(dir, *r.blockIO) : v1_blkio(dir, *r.blockIO));
    }
    if (!r.hugepageLimits.empty()) {
        auto [dir, v2] = HULL_TRY(locate("hugetlb", "hugepageLimits"));
        HULL_TRY(hugetlb(dir, v2, r.hugepageLimits));
    }
    if (r.network && r.network->classID) {
        if (host_.layout == Layout::Unified)
            return fail("linux.resources.network: not supported on cgroup v2 (net_cls is v1 only)");
        auto [dir, v2] = HULL_TRY(locate("net_cls", "network"));
        HULL_TRY(v1_net_cls(dir, *r.network));
    }
    if (r.network && !r.network->priorities.empty()) {
        if (host_.layout == Layout::Unified)
            return fail(
                "linux.resources.network: not supported on cgroup v2 (net_prio is v1 only)");
        auto [dir, v2] = HULL_TRY(locate("net_prio", "network"));
        HULL_TRY(v1_net_prio(dir, *r.network));
    }
    if (!r.rdma.empty()) {
        auto [dir, v2] = HULL_TRY(locate("rdma", "rdma"));
        HULL_TRY(rdma(dir, r.rdma));
    }
    if (!r.unified.empty()) {
        const Hierarchy* u = host_.unified();
        if (!u)
            return fail("linux.resources.unified: needs cgroup v2, and this host has only "
                        "cgroup v1 hierarchies");
        HULL_TRY(unified(dir_in(*u), r.unified));
    }
    return {};
}

} // namespace hull::cgroups
