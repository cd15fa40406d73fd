// linux.resources on cgroup v1 hierarchies (memory, cpu, cpuset, pids, blkio, devices,
// net_cls, net_prio). Field -> file mapping and host caveats: docs/cgroups.md.
#include "cgroups/resources.hpp"

#include "cgroups/files.hpp"

namespace hull::cgroups {

namespace {

Result<void> check_before_update(const std::string& dir, const Memory& m, ApplyMode mode,
                                 std::string_view usage_file) {
    if (mode != ApplyMode::Update || !m.checkBeforeUpdate.value_or(false)) return {};
    if (!m.limit || *m.limit < 0) return {};
    auto usage = HULL_TRY_CTX(read_u64(dir, usage_file), field("memory.checkBeforeUpdate"));
    if (static_cast<uint64_t>(*m.limit) < usage)
        return fail(field("memory.limit") + ": the new limit " + std::to_string(*m.limit) +
                    " is below the current usage " + std::to_string(usage) +
                    " (memory.checkBeforeUpdate is set)");
    return {};
}

} // namespace

Result<void> v1_memory(const std::string& dir, const Memory& m, ApplyMode mode, Warnings& w) {
    HULL_TRY(check_before_update(dir, m, mode, "memory.usage_in_bytes"));
    std::optional<int64_t> limit = m.limit, swap = m.swap;
    const bool memsw = has_file(dir, "memory.memsw.limit_in_bytes");
    // runc: an unlimited memory limit with no swap value means unlimited swap too.
    if (limit && *limit == -1 && !swap && memsw) swap = -1;
    if (swap && !memsw) {
        if (*swap != -1)
            return fail(field("memory.swap") + ": swap accounting is off in this kernel (no " +
                        "memory.memsw.limit_in_bytes in " + dir + ")");
        swap.reset();
    }
    if (limit && swap && *limit >= 0 && *swap >= 0 && *swap < *limit)
        return fail(field("memory.swap") + " (" + std::to_string(*swap) +
                    ") must be at least memory.limit (" + std::to_string(*limit) + ")");
    auto put_limit = [&]() -> Result<void> {
        if (!limit) return {};
        return put(dir, "memory.limit_in_bytes", std::to_string(*limit), "memory.limit");
    };
    auto put_swap = [&]() -> Result<void> {
        if (!swap) return {};
        return put(dir, "memory.memsw.limit_in_bytes", std::to_string(*swap), "memory.swap");
    };
    // The kernel keeps memory.limit <= memory.memsw.limit at every moment: grow memsw first
    // when the new memsw is at least the current limit, otherwise shrink the limit first.
    bool swap_first = false;
    if (limit && swap) {
        auto cur = HULL_TRY_CTX(read_u64(dir, "memory.limit_in_bytes"), field("memory"));
        swap_first = *swap < 0 || cur <= static_cast<uint64_t>(*swap);
    }
    if (swap_first) {
        HULL_TRY(put_swap());
        HULL_TRY(put_limit());
    } else {
        HULL_TRY(put_limit());
        HULL_TRY(put_swap());
    }
    if (m.reservation)
        HULL_TRY(put(dir, "memory.soft_limit_in_bytes", std::to_string(*m.reservation),
                     "memory.reservation"));
    if (m.kernel) {
        // Deprecated; kernels >= 5.16 accept the write and ignore it, 6.x may lack the file.
        std::string why;
        if (!has_file(dir, "memory.kmem.limit_in_bytes")) {
            why = "this kernel has no memory.kmem.limit_in_bytes";
        } else if (auto r = write_cg(dir, "memory.kmem.limit_in_bytes", std::to_string(*m.kernel));
                   !r) {
            why = r.error().message();
        } else if (*m.kernel >= 0) {
            auto back = read_u64(dir, "memory.kmem.limit_in_bytes");
            if (back && *back != static_cast<uint64_t>(*m.kernel))
                why = "the kernel ignores memory.kmem.limit_in_bytes";
        }
        if (!why.empty()) w.push_back(field("memory.kernel") + " is not applied: " + why);
    }
    if (m.kernelTCP) {
        if (!has_file(dir, "memory.kmem.tcp.limit_in_bytes"))
            w.push_back(field("memory.kernelTCP") +
                        " is not applied: this kernel has no memory.kmem.tcp.limit_in_bytes");
        else
            HULL_TRY(put(dir, "memory.kmem.tcp.limit_in_bytes", std::to_string(*m.kernelTCP),
                         "memory.kernelTCP"));
    }
    if (m.swappiness) {
        if (*m.swappiness > 100)
            return fail(field("memory.swappiness") + ": " + std::to_string(*m.swappiness) +
                        " is out of range 0..100");
        HULL_TRY(put(dir, "memory.swappiness", std::to_string(*m.swappiness), "memory.swappiness"));
    }
    if (m.disableOOMKiller)
        HULL_TRY(put(dir, "memory.oom_control", *m.disableOOMKiller ? "1" : "0",
                     "memory.disableOOMKiller"));
    if (m.useHierarchy && has_file(dir, "memory.use_hierarchy")) {
        auto r = write_cg(dir, "memory.use_hierarchy", *m.useHierarchy ? "1" : "0");
        if (!r) {
            if (*m.useHierarchy || r.error().err() != EINVAL)
                return std::unexpected(std::move(r).error().context(field("memory.useHierarchy")));
            w.push_back(field("memory.useHierarchy") +
                        "=false is not applied: this kernel always accounts hierarchically");
        }
    }
    return {};
}

Result<void> v1_cpu(const std::string& dir, const Cpu& c, Warnings&) {
    // shares, quota and period 0 mean "unset", as in runc.
    if (c.shares && *c.shares != 0) {
        HULL_TRY(put(dir, "cpu.shares", std::to_string(*c.shares), "cpu.shares"));
        auto back = HULL_TRY_CTX(read_u64(dir, "cpu.shares"), field("cpu.shares"));
        if (back != *c.shares)
            return fail(field("cpu.shares") + ": the kernel set " + std::to_string(back) +
                        " instead of " + std::to_string(*c.shares) + " (range 2..262144)");
    }
    // A new period below the current quota fails until the quota is written: retry after it.
    bool period_pending = false;
    if (c.period && *c.period != 0) {
        auto r = write_cg(dir, "cpu.cfs_period_us", std::to_string(*c.period));
        if (!r) {
            if (r.error().err() != EINVAL || !c.quota)
                return std::unexpected(std::move(r).error().context(field("cpu.period")));
            period_pending = true;
        }
    }
    bool burst_done = false;
    if (c.quota && *c.quota != 0) {
        auto r = write_cg(dir, "cpu.cfs_quota_us", std::to_string(*c.quota));
        if (!r && r.error().err() == EINVAL && c.burst && has_file(dir, "cpu.cfs_burst_us")) {
            // A quota below the current burst: lower the burst first.
            HULL_TRY(put(dir, "cpu.cfs_burst_us", std::to_string(*c.burst), "cpu.burst"));
            burst_done = true;
            r = write_cg(dir, "cpu.cfs_quota_us", std::to_string(*c.quota));
        }
        if (!r) return std::unexpected(std::move(r).error().context(field("cpu.quota")));
    }
    if (period_pending)
        HULL_TRY(put(dir, "cpu.cfs_period_us", std::to_string(*c.period), "cpu.period"));
    if (c.burst && !burst_done) {
        if (!has_file(dir, "cpu.cfs_burst_us"))
            return fail(field("cpu.burst") + ": this kernel has no cpu.cfs_burst_us");
        HULL_TRY(put(dir, "cpu.cfs_burst_us", std::to_string(*c.burst), "cpu.burst"));
    }
    if (c.realtimePeriod || c.realtimeRuntime) {
        if (!has_file(dir, "cpu.rt_runtime_us"))
            return fail(field("cpu.realtimeRuntime") +
                        ": this kernel has no cpu.rt_runtime_us (RT group scheduling is off)");
    }
    if (c.realtimePeriod && *c.realtimePeriod != 0)
        HULL_TRY(
            put(dir, "cpu.rt_period_us", std::to_string(*c.realtimePeriod), "cpu.realtimePeriod"));
    if (c.realtimeRuntime) {
        auto r = write_cg(dir, "cpu.rt_runtime_us", std::to_string(*c.realtimeRuntime));
        if (!r) {
            auto e = std::move(r).error();
            if (e.err() == EINVAL)
                e.context("the parent cgroups' cpu.rt_runtime_us must leave enough budget");
            return std::unexpected(std::move(e).context(field("cpu.realtimeRuntime")));
        }
    }
    return write_cpu_idle(dir, c);
}

Result<void> v1_blkio(const std::string& dir, const BlockIO& b) {
    // No CFQ in modern kernels: blkio.weight is gone, BFQ offers blkio.bfq.weight instead.
    // A weight of 0 means "not set" (docker always sends blockIO.weight 0), as in runc.
    const bool cfq = has_file(dir, "blkio.weight");
    const bool bfq = has_file(dir, "blkio.bfq.weight");
    if (b.weight && *b.weight != 0) {
        if (!cfq && !bfq)
            return fail(field("blockIO.weight") +
                        ": neither blkio.weight nor blkio.bfq.weight exists in " + dir);
        HULL_TRY(put(dir, cfq ? "blkio.weight" : "blkio.bfq.weight", std::to_string(*b.weight),
                     "blockIO.weight"));
    }
    auto need_leaf = [&](std::string_view file, std::string_view f) -> Result<void> {
        if (has_file(dir, file)) return {};
        return fail(field(f) + ": this kernel has no " + std::string(file) +
                    " (leaf weights existed only with the CFQ scheduler)");
    };
    if (b.leafWeight && *b.leafWeight != 0) {
        HULL_TRY(need_leaf("blkio.leaf_weight", "blockIO.leafWeight"));
        HULL_TRY(
            put(dir, "blkio.leaf_weight", std::to_string(*b.leafWeight), "blockIO.leafWeight"));
    }
    for (const auto& d : b.weightDevice) {
        if (d.weight && *d.weight != 0) {
            const char* file = cfq   ? "blkio.weight_device"
                               : bfq ? "blkio.bfq.weight_device"
                                     : nullptr;
            if (!file)
                return fail(field("blockIO.weightDevice") +
                            ": neither blkio.weight_device nor blkio.bfq.weight_device exists");
            HULL_TRY(put(dir, file, dev(d.major, d.minor) + " " + std::to_string(*d.weight),
                         "blockIO.weightDevice"));
        }
        if (d.leafWeight && *d.leafWeight != 0) {
            HULL_TRY(need_leaf("blkio.leaf_weight_device", "blockIO.weightDevice.leafWeight"));
            HULL_TRY(put(dir, "blkio.leaf_weight_device",
                         dev(d.major, d.minor) + " " + std::to_string(*d.leafWeight),
                         "blockIO.weightDevice"));
        }
    }
    struct T {
        const std::vector<ThrottleDevice>* list;
        const char* file;
        const char* f;
    };
    for (auto t : {T{&b.throttleReadBpsDevice, "blkio.throttle.read_bps_device",
                     "blockIO.throttleReadBpsDevice"},
                   T{&b.throttleWriteBpsDevice, "blkio.throttle.write_bps_device",
                     "blockIO.throttleWriteBpsDevice"},
                   T{&b.throttleReadIOPSDevice, "blkio.throttle.read_iops_device",
                     "blockIO.throttleReadIOPSDevice"},
                   T{&b.throttleWriteIOPSDevice, "blkio.throttle.write_iops_device",
                     "blockIO.throttleWriteIOPSDevice"}})
        for (const auto& d : *t.list)
            HULL_TRY(put(dir, t.file, dev(d.major, d.minor) + " " + std::to_string(d.rate), t.f));
    return {};
}

// One rule per write(2), in order; each file is opened once (the default config has 11 rules).
Result<void> v1_devices(const std::string& dir, const std::vector<DeviceRule>& rules) {
    ControlFile allow(dir, "devices.allow"), deny(dir, "devices.deny");
    for (const auto& r : rules)
        HULL_TRY_CTX((r.allow ? allow : deny).write(device_rule_string(r)), field("devices"));
    return {};
}

Result<void> v1_net_cls(const std::string& dir, const Network& n) {
    if (!n.classID) return {};
    return put(dir, "net_cls.classid", std::to_string(*n.classID), "network.classID");
}

Result<void> v1_net_prio(const std::string& dir, const Network& n) {
    for (const auto& p : n.priorities)
        HULL_TRY(put(dir, "net_prio.ifpriomap", p.name + " " + std::to_string(p.priority),
                     "network.priorities"));
    return {};
}

} // namespace hull::cgroups
