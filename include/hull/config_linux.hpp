// The `linux` object of config.json (runtime-spec v1.3) and the types it uses.
//
// Conventions (same as config.hpp): JSON names are kept as member names; std::optional =
// OPTIONAL scalar/object (absent or null); an empty vector/map = absent.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hull/config_enums.hpp"
#include "hull/config_resources.hpp"

namespace hull {

// linux.uidMappings[] / gidMappings[] and mounts[].uidMappings[] / gidMappings[].
struct IdMapping {
    uint32_t containerID = 0; // REQUIRED
    uint32_t hostID = 0;      // REQUIRED
    uint32_t size = 0;        // REQUIRED
    bool operator==(const IdMapping&) const = default;
};

// linux.namespaces[]. No path = create a new namespace; path = join it (absolute).
struct LinuxNamespace {
    NamespaceType type = NamespaceType::Pid; // REQUIRED
    std::optional<std::string> path;
    bool operator==(const LinuxNamespace&) const = default;
};

// linux.timeOffsets.<clock> (clock is "boottime" or "monotonic").
struct TimeOffset {
    std::optional<int64_t> secs;
    std::optional<uint32_t> nanosecs; // < 1e9
    bool operator==(const TimeOffset&) const = default;
};

// linux.devices[]: a device node to create in the container.
struct Device {
    DeviceType type = DeviceType::Char; // REQUIRED
    std::string path;                   // REQUIRED, absolute container path
    std::optional<int64_t> major;       // REQUIRED unless type is Fifo
    std::optional<int64_t> minor;       // REQUIRED unless type is Fifo
    std::optional<uint32_t> fileMode;   // permission bits (decimal in JSON)
    std::optional<uint32_t> uid;
    std::optional<uint32_t> gid;
    bool operator==(const Device&) const = default;
};

// linux.netDevices.<host interface name>. No name = keep the host name.
struct NetDevice {
    std::optional<std::string> name;
    bool operator==(const NetDevice&) const = default;
};

// linux.intelRdt.
struct IntelRdt {
    std::optional<std::string> closID;
    std::optional<std::string> l3CacheSchema;
    std::optional<std::string> memBwSchema;
    std::vector<std::string> schemata;    // since 1.3.0, written last
    std::optional<bool> enableMonitoring; // since 1.3.0
    std::optional<bool> enableCMT;        // 1.1/1.2 only (replaced by enableMonitoring)
    std::optional<bool> enableMBM;        // 1.1/1.2 only
    bool operator==(const IntelRdt&) const = default;
};

// linux.memoryPolicy (set_mempolicy(2)).
struct MemoryPolicy {
    MemoryPolicyMode mode = MemoryPolicyMode::Default; // REQUIRED
    std::optional<std::string> nodes;                  // nodelist, e.g. "0-1,3"
    std::vector<MemoryPolicyFlag> flags;
    bool operator==(const MemoryPolicy&) const = default;
};

// linux.seccomp.syscalls[].args[]: compare syscall argument `index` with value (and valueTwo).
struct SeccompArg {
    uint32_t index = 0;                       // REQUIRED
    uint64_t value = 0;                       // REQUIRED
    std::optional<uint64_t> valueTwo;         // mask for MASKED_EQ
    SeccompOperator op = SeccompOperator::Eq; // REQUIRED
    bool operator==(const SeccompArg&) const = default;
};

// linux.seccomp.syscalls[]. Several args on one rule are ANDed.
struct SeccompSyscall {
    std::vector<std::string> names;              // REQUIRED, non-empty
    SeccompAction action = SeccompAction::Allow; // REQUIRED
    std::optional<uint32_t> errnoRet;            // only with Errno / Trace
    std::vector<SeccompArg> args;
    bool operator==(const SeccompSyscall&) const = default;
};

// linux.seccomp.
struct Seccomp {
    SeccompAction defaultAction = SeccompAction::Allow; // REQUIRED
    std::optional<uint32_t> defaultErrnoRet;            // only with Errno / Trace
    std::vector<SeccompArch> architectures;
    std::vector<SeccompFlag> flags;
    std::optional<std::string> listenerPath;
    std::optional<std::string> listenerMetadata; // only with listenerPath
    std::vector<SeccompSyscall> syscalls;
    bool operator==(const Seccomp&) const = default;
};

// linux.personality. No flags are defined yet, so any flag is rejected by validation.
struct Personality {
    PersonalityDomain domain = PersonalityDomain::Linux; // REQUIRED
    std::vector<std::string> flags;
    bool operator==(const Personality&) const = default;
};

// linux.
struct Linux {
    std::vector<IdMapping> uidMappings;
    std::vector<IdMapping> gidMappings;
    std::map<std::string, TimeOffset> timeOffsets; // "boottime" / "monotonic"
    std::map<std::string, std::string> sysctl;
    std::optional<Resources> resources;
    std::optional<std::string> cgroupsPath;
    std::vector<LinuxNamespace> namespaces;
    std::vector<Device> devices;
    std::map<std::string, NetDevice> netDevices; // host interface name -> settings
    std::optional<Seccomp> seccomp;
    std::optional<RootfsPropagation> rootfsPropagation;
    std::vector<std::string> maskedPaths;
    std::vector<std::string> readonlyPaths;
    std::optional<std::string> mountLabel;
    std::optional<IntelRdt> intelRdt;
    std::optional<Personality> personality;
    std::optional<MemoryPolicy> memoryPolicy;
    bool operator==(const Linux&) const = default;

    // The entry of a namespace type, or nullptr when the type is not listed (= inherit).
    const LinuxNamespace* find_namespace(NamespaceType t) const {
        for (const auto& ns : namespaces)
            if (ns.type == t) return &ns;
        return nullptr;
    }
};

} // namespace hull
