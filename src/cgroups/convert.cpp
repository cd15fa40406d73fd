// The v1 <-> v2 value conversions and the default device rules.
#include "cgroups/cgroups.hpp"

#include "cgroups/resources.hpp"

#include <cmath>

namespace hull::cgroups {

// runc (opencontainers/cgroups >= 0.0.2, runc 1.3.1) and crun (>= 1.23) map the v1 range
// [2, 262144] onto [1, 10000] with a quadratic in log2(shares) chosen so that 2 -> 1,
// 1024 (the v1 default) -> 100 (the v2 default) and 262144 -> 10000. Older releases used the
// linear 1 + (shares - 2) * 9999 / 262142, which maps 1024 to 39.
uint64_t shares_to_weight(uint64_t shares) {
    if (shares == 0) return 0;
    if (shares <= 2) return 1;
    if (shares >= 262144) return 10000;
    double l = std::log2(static_cast<double>(shares));
    double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
    return static_cast<uint64_t>(std::ceil(std::pow(10.0, exponent)));
}

// runc and crun: [10, 1000] -> [1, 10000] linearly.
uint64_t blkio_weight_to_io(uint64_t weight) {
    if (weight == 0) return 0;
    if (weight < 10) weight = 10;
    if (weight > 1000) weight = 1000;
    return 1 + (weight - 10) * 9999 / 990;
}

namespace {
DeviceRule allow(DeviceRuleType t, std::optional<int64_t> major, std::optional<int64_t> minor,
                 std::string access) {
    DeviceRule r;
    r.allow = true;
    r.type = t;
    r.major = major;
    r.minor = minor;
    r.access = std::move(access);
    return r;
}
} // namespace

std::vector<DeviceRule> default_device_rules(const std::vector<Device>& config_devices) {
    using T = DeviceRuleType;
    std::vector<DeviceRule> out = {
        allow(T::Char, std::nullopt, std::nullopt, "m"),  // mknod of any char device
        allow(T::Block, std::nullopt, std::nullopt, "m"), // mknod of any block device
        allow(T::Char, 1, 3, "rwm"),                      // /dev/null
        allow(T::Char, 1, 5, "rwm"),                      // /dev/zero
        allow(T::Char, 1, 7, "rwm"),                      // /dev/full
        allow(T::Char, 1, 8, "rwm"),                      // /dev/random
        allow(T::Char, 1, 9, "rwm"),                      // /dev/urandom
        allow(T::Char, 5, 0, "rwm"),                      // /dev/tty
        allow(T::Char, 5, 1, "rwm"),                      // /dev/console
        allow(T::Char, 5, 2, "rwm"),                      // /dev/ptmx
        allow(T::Char, 136, std::nullopt, "rwm"),         // /dev/pts/*
        allow(T::Char, 10, 200, "rwm"),                   // /dev/net/tun
    };
    for (const auto& d : config_devices) {
        if (d.type == DeviceType::Fifo || !d.major || !d.minor) continue;
        out.push_back(
            allow(d.type == DeviceType::Block ? T::Block : T::Char, d.major, d.minor, "rwm"));
    }
    return out;
}

std::string device_rule_string(const DeviceRule& r) {
    auto num = [](const std::optional<int64_t>& v) {
        return v && *v >= 0 ? std::to_string(*v) : std::string("*");
    };
    char type = 'a';
    if (r.type == DeviceRuleType::Char) type = 'c';
    if (r.type == DeviceRuleType::Block) type = 'b';
    std::string access = r.access && !r.access->empty() ? *r.access : "rwm";
    return std::string(1, type) + " " + num(r.major) + ":" + num(r.minor) + " " + access;
}

} // namespace hull::cgroups
