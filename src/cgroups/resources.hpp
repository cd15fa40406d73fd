// Internal to hull::cgroups: writing linux.resources into one hierarchy's directory. The v1
// writers take the directory of the v1 hierarchy holding the controller, the v2 writers the
// cgroup2 directory. Each appends to `warnings` what it had to ignore (see docs/cgroups.md).
#pragma once

#include "cgroups/cgroups.hpp"
#include "hull/config_resources.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hull::cgroups {

using Warnings = std::vector<std::string>;

// Helpers of both versions' writers (resources_v2.cpp):
// "linux.resources.<f>", how errors name a config field;
std::string field(std::string_view f);
// write_cg() with the field `f` as the error's context;
Result<void> put(const std::string& dir, std::string_view file, std::string_view value,
                 std::string_view f);
// "major:minor" of a device.
std::string dev(int64_t major, int64_t minor);

// v1 (resources_v1.cpp).
Result<void> v1_memory(const std::string& dir, const Memory& m, ApplyMode mode, Warnings& w);
Result<void> v1_cpu(const std::string& dir, const Cpu& c, Warnings& w);
Result<void> v1_blkio(const std::string& dir, const BlockIO& b);
Result<void> v1_devices(const std::string& dir, const std::vector<DeviceRule>& rules);
Result<void> v1_net_cls(const std::string& dir, const Network& n);
Result<void> v1_net_prio(const std::string& dir, const Network& n);

// v2 (resources_v2.cpp).
Result<void> v2_memory(const std::string& dir, const Memory& m, ApplyMode mode, Warnings& w);
Result<void> v2_cpu(const std::string& dir, const Cpu& c);
Result<void> v2_io(const std::string& dir, const BlockIO& b);

// Either version (resources_v2.cpp): the same files on v1 and v2,
Result<void> write_cpu_idle(const std::string& dir, const Cpu& c);
Result<void> write_cpuset(const std::string& dir, const Cpu& c);
Result<void> write_pids(const std::string& dir, const Pids& p);
// and files whose names differ only by suffix.
Result<void> hugetlb(const std::string& dir, bool v2, const std::vector<HugepageLimit>& limits);
Result<void> rdma(const std::string& dir, const std::map<std::string, Rdma>& limits);
Result<void> unified(const std::string& dir, const std::map<std::string, std::string>& kv);

// The "c 1:3 rwm" form of a rule (v1 devices.allow/deny).
std::string device_rule_string(const DeviceRule& r);

} // namespace hull::cgroups
