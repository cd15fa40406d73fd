// linux.resources of config.json (LinuxResources; also the body of `update --resources`).
//
// Conventions (same as config.hpp): JSON names are kept as member names; std::optional =
// OPTIONAL scalar/object (absent or null); an empty vector/map = absent. Integer widths are
// the spec's (int64 for -1 = unlimited values, uint16 for blkio weights ...).
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hull/config_enums.hpp"

namespace hull {

// linux.resources.devices[]: one cgroup device rule. Unset type = all, unset major/minor = '*'.
struct DeviceRule {
    bool allow = false; // REQUIRED
    std::optional<DeviceRuleType> type;
    std::optional<int64_t> major;
    std::optional<int64_t> minor;
    std::optional<std::string> access; // mix of "r", "w", "m"
    bool operator==(const DeviceRule&) const = default;
};

// linux.resources.memory. Bytes; -1 = unlimited.
struct Memory {
    std::optional<int64_t> limit;
    std::optional<int64_t> reservation;
    std::optional<int64_t> swap; // memory + swap
    std::optional<int64_t> kernel;
    std::optional<int64_t> kernelTCP;
    std::optional<uint64_t> swappiness; // 0..100
    std::optional<bool> disableOOMKiller;
    std::optional<bool> useHierarchy;
    std::optional<bool> checkBeforeUpdate;
    bool operator==(const Memory&) const = default;
};

// linux.resources.cpu (cpu and cpuset controllers). Times in microseconds.
struct Cpu {
    std::optional<uint64_t> shares;
    std::optional<int64_t> quota;
    std::optional<uint64_t> burst;
    std::optional<uint64_t> period;
    std::optional<int64_t> realtimeRuntime;
    std::optional<uint64_t> realtimePeriod;
    std::optional<std::string> cpus; // cpulist, e.g. "0-3,7"
    std::optional<std::string> mems; // nodelist
    std::optional<int64_t> idle;     // 0 or 1
    bool operator==(const Cpu&) const = default;
};

// linux.resources.pids. -1 = max; 0 is a real limit.
struct Pids {
    std::optional<int64_t> limit;
    bool operator==(const Pids&) const = default;
};

// blockIO.weightDevice[]: at least one of weight / leafWeight must be set.
struct WeightDevice {
    int64_t major = 0; // REQUIRED
    int64_t minor = 0; // REQUIRED
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
    bool operator==(const WeightDevice&) const = default;
};

// blockIO.throttle*Device[]: rate in bytes/s or IO/s.
struct ThrottleDevice {
    int64_t major = 0; // REQUIRED
    int64_t minor = 0; // REQUIRED
    uint64_t rate = 0; // REQUIRED
    bool operator==(const ThrottleDevice&) const = default;
};

// linux.resources.blockIO.
struct BlockIO {
    std::optional<uint16_t> weight;
    std::optional<uint16_t> leafWeight;
    std::vector<WeightDevice> weightDevice;
    std::vector<ThrottleDevice> throttleReadBpsDevice;
    std::vector<ThrottleDevice> throttleWriteBpsDevice;
    std::vector<ThrottleDevice> throttleReadIOPSDevice;
    std::vector<ThrottleDevice> throttleWriteIOPSDevice;
    bool operator==(const BlockIO&) const = default;
};

// linux.resources.hugepageLimits[].
struct HugepageLimit {
    std::string pageSize; // REQUIRED, ^[1-9][0-9]*[KMG]B$ ("2MB", "1GB")
    uint64_t limit = 0;   // REQUIRED, bytes
    bool operator==(const HugepageLimit&) const = default;
};

// linux.resources.network.priorities[].
struct InterfacePriority {
    std::string name;      // REQUIRED, interface name in the runtime netns
    uint32_t priority = 0; // REQUIRED
    bool operator==(const InterfacePriority&) const = default;
};

// linux.resources.network (v1 net_cls / net_prio).
struct Network {
    std::optional<uint32_t> classID;
    std::vector<InterfacePriority> priorities;
    bool operator==(const Network&) const = default;
};

// linux.resources.rdma.<device>: at least one of the two must be set.
struct Rdma {
    std::optional<uint32_t> hcaHandles;
    std::optional<uint32_t> hcaObjects;
    bool operator==(const Rdma&) const = default;
};

// linux.resources.
struct Resources {
    std::vector<DeviceRule> devices; // apply in this order
    std::optional<Memory> memory;
    std::optional<Cpu> cpu;
    std::optional<Pids> pids;
    std::optional<BlockIO> blockIO;
    std::vector<HugepageLimit> hugepageLimits;
    std::optional<Network> network;
    std::map<std::string, Rdma> rdma;           // device name -> limits
    std::map<std::string, std::string> unified; // cgroup v2 file -> value (no '/' in keys)
    bool operator==(const Resources&) const = default;
};

} // namespace hull
