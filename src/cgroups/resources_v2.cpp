// linux.resources on cgroup v2 (memory, cpu, cpuset, pids, io), plus the writers shared by
// both versions (hugetlb, rdma) and linux.resources.unified. Field -> file mapping and host
// caveats: docs/cgroups.md.
#include "cgroups/resources.hpp"

#include "cgroups/files.hpp"

#include <algorithm>

namespace hull::cgroups {

std::string field(std::string_view f) {
    return "linux.resources." + std::string(f);
}

Result<void> put(const std::string& dir, std::string_view file, std::string_view value,
                 std::string_view f) {
    return with_context(write_cg(dir, file, value), field(f));
}

std::string dev(int64_t major, int64_t minor) {
    return std::to_string(major) + ":" + std::to_string(minor);
}

namespace {

Result<void> not_on_v2(std::string_view f) {
    return fail(field(f) + ": not supported on cgroup v2");
}

bool valid_page_size(std::string_view s) {
    if (s.size() < 3 || s[0] < '1' || s[0] > '9') return false;
    if (!s.ends_with("B")) return false;
    char unit = s[s.size() - 2];
    if (unit != 'K' && unit != 'M' && unit != 'G') return false;
    return std::all_of(s.begin(), s.end() - 2, [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

Result<void> v2_memory(const std::string& dir, const Memory& m, ApplyMode mode, Warnings& w) {
    if (mode == ApplyMode::Update && m.checkBeforeUpdate.value_or(false) && m.limit &&
        *m.limit >= 0) {
        auto usage = HULL_TRY_CTX(read_u64(dir, "memory.current"), field("memory"));
        if (static_cast<uint64_t>(*m.limit) < usage)
            return fail(field("memory.limit") + ": the new limit " + std::to_string(*m.limit) +
                        " is below the current usage " + std::to_string(usage) +
                        " (memory.checkBeforeUpdate is set)");
    }
    if (m.swappiness) return not_on_v2("memory.swappiness");
    if (m.disableOOMKiller.value_or(false)) return not_on_v2("memory.disableOOMKiller");
    if (m.kernel) w.push_back(field("memory.kernel") + " is ignored on cgroup v2");
    if (m.kernelTCP) w.push_back(field("memory.kernelTCP") + " is ignored on cgroup v2");
    if (m.useHierarchy && !*m.useHierarchy)
        w.push_back(field("memory.useHierarchy") +
                    "=false is ignored: cgroup v2 is always hierarchical");
    // memory.swap is memory+swap; cgroup v2 limits swap alone: swap.max = swap - limit.
    std::optional<std::string> swap_max;
    if (m.limit && *m.limit == -1 && (!m.swap || *m.swap == 0)) swap_max = "max";
    if (m.swap && *m.swap != 0) {
        if (*m.swap < 0) {
            swap_max = "max";
        } else {
            if (!m.limit || *m.limit < 0)
                return fail(field("memory.swap") +
                            ": needs a memory.limit on cgroup v2 (swap.max = swap - limit)");
            if (*m.swap < *m.limit)
                return fail(field("memory.swap") + " (" + std::to_string(*m.swap) +
                            ") must be at least memory.limit (" + std::to_string(*m.limit) + ")");
            swap_max = std::to_string(*m.swap - *m.limit);
        }
    }
    if (swap_max) {
        if (has_file(dir, "memory.swap.max"))
            HULL_TRY(put(dir, "memory.swap.max", *swap_max, "memory.swap"));
        else if (*swap_max != "max")
            return fail(field("memory.swap") + ": swap accounting is off (no memory.swap.max in " +
                        dir + ")");
    }
    if (m.limit) HULL_TRY(put(dir, "memory.max", limit_str(*m.limit, "max"), "memory.limit"));
    if (m.reservation)
        HULL_TRY(put(dir, "memory.low", limit_str(*m.reservation, "max"), "memory.reservation"));
    return {};
}

Result<void> v2_cpu(const std::string& dir, const Cpu& c) {
    if (c.shares && *c.shares != 0)
        HULL_TRY(put(dir, "cpu.weight", std::to_string(shares_to_weight(*c.shares)), "cpu.shares"));
    const bool q = c.quota && *c.quota != 0;
    const bool p = c.period && *c.period != 0;
    bool burst_done = false;
    if (q || p) {
        auto cur = split_ws(HULL_TRY_CTX(read_cg(dir, "cpu.max"), field("cpu")));
        std::string quota = cur.size() == 2 ? std::string(cur[0]) : "max";
        std::string period = cur.size() == 2 ? std::string(cur[1]) : "100000";
        if (q) quota = limit_str(*c.quota, "max");
        if (p) period = std::to_string(*c.period);
        auto r = write_cg(dir, "cpu.max", quota + " " + period);
        if (!r && r.error().err() == EINVAL && c.burst && has_file(dir, "cpu.max.burst")) {
            HULL_TRY(put(dir, "cpu.max.burst", std::to_string(*c.burst), "cpu.burst"));
            burst_done = true;
            r = write_cg(dir, "cpu.max", quota + " " + period);
        }
        if (!r) return std::unexpected(std::move(r).error().context(field("cpu.quota")));
    }
    if (c.burst && !burst_done) {
        if (!has_file(dir, "cpu.max.burst"))
            return fail(field("cpu.burst") + ": this kernel has no cpu.max.burst");
        HULL_TRY(put(dir, "cpu.max.burst", std::to_string(*c.burst), "cpu.burst"));
    }
    if (c.realtimeRuntime || c.realtimePeriod)
        return fail(field("cpu.realtimeRuntime") +
                    ": realtime scheduling limits are not supported on cgroup v2");
    return write_cpu_idle(dir, c);
}

// The next three write the same files on v1 and v2.
Result<void> write_cpu_idle(const std::string& dir, const Cpu& c) {
    if (!c.idle) return {};
    if (!has_file(dir, "cpu.idle"))
        return fail(field("cpu.idle") + ": this kernel has no cpu.idle");
    return put(dir, "cpu.idle", std::to_string(*c.idle), "cpu.idle");
}

Result<void> write_cpuset(const std::string& dir, const Cpu& c) {
    if (c.cpus && !c.cpus->empty()) HULL_TRY(put(dir, "cpuset.cpus", *c.cpus, "cpu.cpus"));
    if (c.mems && !c.mems->empty()) HULL_TRY(put(dir, "cpuset.mems", *c.mems, "cpu.mems"));
    return {};
}

Result<void> write_pids(const std::string& dir, const Pids& p) {
    if (!p.limit) return {};
    if (*p.limit < -1)
        return fail(field("pids.limit") + ": " + std::to_string(*p.limit) + " is not valid");
    return put(dir, "pids.max", limit_str(*p.limit, "max"), "pids.limit");
}

Result<void> v2_io(const std::string& dir, const BlockIO& b) {
    // With BFQ the weight keeps the v1 scale (io.bfq.weight); otherwise io.weight, converted.
    // A weight of 0 means "not set" (docker always sends blockIO.weight 0), as in runc.
    const bool bfq = has_file(dir, "io.bfq.weight");
    if (b.weight && *b.weight != 0) {
        if (bfq)
            HULL_TRY(put(dir, "io.bfq.weight", std::to_string(*b.weight), "blockIO.weight"));
        else
            HULL_TRY(put(dir, "io.weight", std::to_string(blkio_weight_to_io(*b.weight)),
                         "blockIO.weight"));
    }
    if (b.leafWeight && *b.leafWeight != 0) return not_on_v2("blockIO.leafWeight");
    for (const auto& d : b.weightDevice) {
        if (d.leafWeight && *d.leafWeight != 0) return not_on_v2("blockIO.weightDevice.leafWeight");
        if (!d.weight || *d.weight == 0) continue;
        if (bfq)
            HULL_TRY(put(dir, "io.bfq.weight",
                         dev(d.major, d.minor) + " " + std::to_string(*d.weight),
                         "blockIO.weightDevice"));
        else
            HULL_TRY(
                put(dir, "io.weight",
                    dev(d.major, d.minor) + " " + std::to_string(blkio_weight_to_io(*d.weight)),
                    "blockIO.weightDevice"));
    }
    struct T {
        const std::vector<ThrottleDevice>* list;
        const char* key;
        const char* f;
    };
    for (auto t : {T{&b.throttleReadBpsDevice, "rbps", "blockIO.throttleReadBpsDevice"},
                   T{&b.throttleWriteBpsDevice, "wbps", "blockIO.throttleWriteBpsDevice"},
                   T{&b.throttleReadIOPSDevice, "riops", "blockIO.throttleReadIOPSDevice"},
                   T{&b.throttleWriteIOPSDevice, "wiops", "blockIO.throttleWriteIOPSDevice"}})
        for (const auto& d : *t.list)
            HULL_TRY(put(dir, "io.max",
                         dev(d.major, d.minor) + " " + t.key + "=" + std::to_string(d.rate), t.f));
    return {};
}

Result<void> hugetlb(const std::string& dir, bool v2, const std::vector<HugepageLimit>& limits) {
    for (const auto& l : limits) {
        if (!valid_page_size(l.pageSize))
            return fail(field("hugepageLimits") + ": invalid page size \"" + l.pageSize + "\"");
        std::string base = "hugetlb." + l.pageSize;
        std::string file = base + (v2 ? ".max" : ".limit_in_bytes");
        if (!has_file(dir, file))
            return fail(field("hugepageLimits") + ": page size " + l.pageSize +
                        " is not supported by this host (no " + file + " in " + dir + ")");
        HULL_TRY(put(dir, file, std::to_string(l.limit), "hugepageLimits"));
        // Reservation accounting, when the kernel has it (5.7+).
        std::string rsvd = base + (v2 ? ".rsvd.max" : ".rsvd.limit_in_bytes");
        if (has_file(dir, rsvd))
            HULL_TRY(put(dir, rsvd, std::to_string(l.limit), "hugepageLimits"));
    }
    return {};
}

Result<void> rdma(const std::string& dir, const std::map<std::string, Rdma>& limits) {
    for (const auto& [device, l] : limits) {
        std::string line = device;
        if (l.hcaHandles) line += " hca_handle=" + std::to_string(*l.hcaHandles);
        if (l.hcaObjects) line += " hca_object=" + std::to_string(*l.hcaObjects);
        HULL_TRY(put(dir, "rdma.max", line, "rdma." + device));
    }
    return {};
}

Result<void> unified(const std::string& dir, const std::map<std::string, std::string>& kv) {
    for (const auto& [key, value] : kv) {
        std::string f = field("unified") + "[\"" + key + "\"]";
        if (key.empty() || key.find('/') != std::string::npos || key == "." || key == "..")
            return fail(f + ": not a file name of the cgroup directory");
        if (!has_file(dir, key)) {
            auto dot = key.find('.');
            std::string ctrl = key.substr(0, dot);
            if (dot != std::string::npos && ctrl != "cgroup") {
                auto avail = read_cg(dir, "cgroup.controllers");
                auto names = avail ? split_ws(*avail) : std::vector<std::string_view>{};
                if (std::find(names.begin(), names.end(), ctrl) == names.end())
                    return fail(f + ": the " + ctrl + " controller is not available in " + dir);
            }
        }
        HULL_TRY_CTX(write_cg(dir, key, value), f);
    }
    return {};
}

} // namespace hull::cgroups
