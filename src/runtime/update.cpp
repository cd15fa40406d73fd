// `hull update`: new resource limits for a living container. The delta is merged into the
// resources of the config snapshot, written to the cgroup (devices are left alone, as runc
// does) and saved back into the snapshot so later commands see the same values.
#include "cgroups/cgroups.hpp"
#include "hull/config_parse.hpp"
#include "hull/runtime.hpp"
#include "runtime/container_handle.hpp"
#include "runtime/systemd_unit.hpp"
#include "util/log.hpp"

namespace hull::runtime {
namespace {

template <class T> void take(std::optional<T>& into, const std::optional<T>& from) {
    if (from) into = from;
}

template <class T> void take(std::vector<T>& into, const std::vector<T>& from) {
    if (!from.empty()) into = from;
}

// Copies each listed field that the delta sets; a field absent in the delta keeps its value.
template <class S, class... T> void take_fields(S& into, const S& from, T S::*... fields) {
    (take(into.*fields, from.*fields), ...);
}

void merge_memory(Memory& m, const Memory& d) {
    take_fields(m, d, &Memory::limit, &Memory::reservation, &Memory::swap, &Memory::kernel,
                &Memory::kernelTCP, &Memory::swappiness, &Memory::disableOOMKiller,
                &Memory::useHierarchy, &Memory::checkBeforeUpdate);
    // runc: "unlimited memory" without a swap value means unlimited swap too (v1 would refuse
    // a memsw limit below an unlimited memory limit).
    if (d.limit == -1 && !d.swap) m.swap = -1;
}

void merge_cpu(Cpu& c, const Cpu& d) {
    take_fields(c, d, &Cpu::shares, &Cpu::quota, &Cpu::burst, &Cpu::period, &Cpu::realtimeRuntime,
                &Cpu::realtimePeriod, &Cpu::cpus, &Cpu::mems, &Cpu::idle);
}

void merge_block_io(BlockIO& b, const BlockIO& d) {
    take_fields(b, d, &BlockIO::weight, &BlockIO::leafWeight, &BlockIO::weightDevice,
                &BlockIO::throttleReadBpsDevice, &BlockIO::throttleWriteBpsDevice,
                &BlockIO::throttleReadIOPSDevice, &BlockIO::throttleWriteIOPSDevice);
}

// Merges an optional sub-object: absent in the delta keeps the current one.
template <class T, class F>
void merge_object(std::optional<T>& into, const std::optional<T>& from, F merge) {
    if (!from) return;
    if (!into) into.emplace();
    merge(*into, *from);
}

} // namespace

Resources merge_update(const Resources& current, const Resources& delta) {
    Resources r = current;
    merge_object(r.memory, delta.memory, merge_memory);
    merge_object(r.cpu, delta.cpu, merge_cpu);
    merge_object(r.blockIO, delta.blockIO, merge_block_io);
    merge_object(r.pids, delta.pids, [](Pids& p, const Pids& d) { take(p.limit, d.limit); });
    take(r.hugepageLimits, delta.hugepageLimits);
    merge_object(r.network, delta.network, [](Network& n, const Network& d) {
        take_fields(n, d, &Network::classID, &Network::priorities);
    });
    for (const auto& [dev, limits] : delta.rdma)
        r.rdma[dev] = limits;
    for (const auto& [key, value] : delta.unified)
        r.unified[key] = value;
    return r;
}

Result<std::vector<std::string>> update(const std::string& root, const std::string& id,
                                        const Resources& delta) {
    auto h = HULL_TRY(open_container(root, id, Operation::Update));
    const auto* cg = HULL_TRY(h.required_cgroup());
    Config& cfg = *HULL_TRY(h.config());
    if (!cfg.linux) cfg.linux.emplace();
    Resources merged = merge_update(cfg.linux->resources.value_or(Resources{}), delta);
    HULL_TRY_CTX(validate_resources(merged, "linux.resources"), "update");

    // Device rules are not rewritten by update (runc skips them too): a device added to the
    // container by someone else must keep working.
    Resources to_apply = merged;
    to_apply.devices.clear();
    if (auto u = systemd_unit(h.state())) HULL_TRY_CTX(update_unit(*u, to_apply), "update");
    std::vector<std::string> warnings;
    HULL_TRY_CTX(cg->apply(to_apply, cgroups::ApplyMode::Update, warnings),
                 "update cgroup " + cg->path());
    cfg.linux->resources = merged;
    HULL_TRY_CTX(h.record().write_file("config.json", to_json(cfg).dump()),
                 "save the config snapshot");
    return warnings;
}

} // namespace hull::runtime
