// linux.resources -> systemd unit properties (the conversions runc's v2 systemd driver makes).
#include "cgroups/cgroups.hpp"
#include "cgroups/systemd.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <sstream>

namespace hull::cgroups::systemd {

namespace {

constexpr uint64_t kInfinity = std::numeric_limits<uint64_t>::max();

uint64_t bytes_or_infinity(int64_t v) {
    return v < 0 ? kInfinity : static_cast<uint64_t>(v);
}

Result<uint64_t> parse_uint(std::string_view s) {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty())
        return fail("\"" + std::string(s) + "\" is not a number");
    return v;
}

// "c", "b": the /proc/devices section.
std::string device_group(char type, int64_t major, std::string_view proc_devices) {
    std::istringstream in{std::string(proc_devices)};
    std::string line;
    bool in_section = false;
    const std::string header = type == 'c' ? "Character devices:" : "Block devices:";
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (line.back() == ':') {
            in_section = line == header;
            continue;
        }
        if (!in_section) continue;
        std::istringstream fields(line);
        int64_t m = -1;
        std::string name;
        if (fields >> m >> name && m == major)
            return std::string(type == 'c' ? "char-" : "block-") + name;
    }
    return "";
}

struct Entry {
    char type; // 'c' or 'b'
    std::optional<int64_t> major, minor;
    std::string access;
};

std::string merge_access(const std::string& a, const std::string& b) {
    std::string out;
    for (char c : std::string_view("rwm"))
        if (a.find(c) != std::string::npos || b.find(c) != std::string::npos) out += c;
    return out;
}

std::string remove_access(const std::string& a, const std::string& b) {
    std::string out;
    for (char c : a)
        if (b.find(c) == std::string::npos) out += c;
    return out;
}

std::optional<int64_t> wild(const std::optional<int64_t>& v) {
    return v && *v >= 0 ? v : std::nullopt;
}

} // namespace

std::string_view signature(const Value& v) {
    static constexpr std::string_view sigs[] = {"b", "y", "n",  "q",  "i",  "u",  "x",    "t",
                                                "d", "s", "as", "au", "at", "ay", "a(ss)"};
    static_assert(std::variant_size_v<Value> == std::size(sigs));
    return sigs[v.index()];
}

Properties unit_properties(const UnitSpec& spec, pid_t pid, const std::string& description) {
    Properties p;
    p.push_back({.name = "Description", .value = description});
    if (spec.is_slice()) {
        p.push_back({.name = "Wants", .value = std::vector<std::string>{spec.slice}});
    } else {
        p.push_back({.name = "Slice", .value = spec.slice});
        p.push_back({.name = "Delegate", .value = true});
        if (pid > 0)
            p.push_back(
                {.name = "PIDs", .value = std::vector<uint32_t>{static_cast<uint32_t>(pid)}});
    }
    p.push_back({.name = "DefaultDependencies", .value = false});
    return p;
}

Result<Bits> list_to_bits(std::string_view list) {
    Bits bits;
    auto set = [&](uint64_t n) {
        if (bits.bytes.size() <= n / 8) bits.bytes.resize(n / 8 + 1, 0);
        bits.bytes[n / 8] |= static_cast<uint8_t>(1u << (n % 8));
    };
    auto bad = [&] { return fail("invalid list \"" + std::string(list) + "\""); };
    size_t pos = 0;
    std::string_view s = list;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.remove_suffix(1);
    if (s.empty()) return bad();
    while (pos <= s.size()) {
        size_t comma = s.find(',', pos);
        std::string_view item =
            s.substr(pos, comma == std::string_view::npos ? comma : comma - pos);
        size_t dash = item.find('-');
        auto lo = parse_uint(item.substr(0, dash));
        auto hi = dash == std::string_view::npos ? lo : parse_uint(item.substr(dash + 1));
        if (!lo || !hi || *hi < *lo || *hi >= 65536) return bad();
        for (uint64_t n = *lo; n <= *hi; ++n)
            set(n);
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return bits;
}

Properties device_properties(const std::vector<DeviceRule>& rules, std::string_view proc_devices) {
    if (rules.empty()) return {};
    bool allow_all = false;   // the default after the rules so far
    bool denied_some = false; // a deny rule while everything else is allowed
    std::vector<Entry> entries;
    for (const auto& r : rules) {
        const auto type = r.type.value_or(DeviceRuleType::All);
        const auto major = wild(r.major), minor = wild(r.minor);
        const std::string access = r.access && !r.access->empty() ? *r.access : "rwm";
        if (type == DeviceRuleType::All && !major && !minor) { // "a *:* ..." resets everything
            allow_all = r.allow;
            denied_some = false;
            entries.clear();
            continue;
        }
        std::vector<char> types;
        if (type != DeviceRuleType::Block) types.push_back('c');
        if (type != DeviceRuleType::Char) types.push_back('b');
        for (char t : types) {
            if (allow_all) {
                if (!r.allow) denied_some = true;
                continue;
            }
            auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) {
                return e.type == t && e.major == major && e.minor == minor;
            });
            if (r.allow) {
                if (it == entries.end())
                    entries.push_back(
                        {.type = t, .major = major, .minor = minor, .access = access});
                else
                    it->access = merge_access(it->access, access);
            } else if (it != entries.end()) {
                it->access = remove_access(it->access, access);
                if (it->access.empty()) entries.erase(it);
            }
        }
    }
    // systemd has no deny list: with everything allowed, systemd allows everything and hull's own
    // device filter (which systemd's does not replace) enforces the denials.
    (void)denied_some;
    if (allow_all)
        return {{.name = "DevicePolicy", .value = std::string("auto")},
                {.name = "DeviceAllow", .value = DeviceAllowList{}}};
    DeviceAllowList list;
    for (const auto& e : entries) {
        std::string path;
        const std::string kind = e.type == 'c' ? "char" : "block";
        if (!e.major) {
            if (e.minor) continue; // "*:n": systemd cannot say it; hull's filter still does
            path = kind + "-*";
        } else if (!e.minor) {
            path = device_group(e.type, *e.major, proc_devices);
            if (path.empty()) continue; // no driver name: hull's filter still applies the rule
        } else {
            path = "/dev/" + kind + "/" + std::to_string(*e.major) + ":" + std::to_string(*e.minor);
        }
        list.emplace_back(path, e.access);
    }
    // The empty DeviceAllow first clears what the unit had (for update and existing units).
    return {{.name = "DeviceAllow", .value = DeviceAllowList{}},
            {.name = "DevicePolicy", .value = std::string("strict")},
            {.name = "DeviceAllow", .value = std::move(list)}};
}

Result<Properties> resource_properties(const Resources& r, std::string_view proc_devices) {
    Properties p;
    if (r.memory) {
        const Memory& m = *r.memory;
        if (m.limit && *m.limit != 0)
            p.push_back({.name = "MemoryMax", .value = bytes_or_infinity(*m.limit)});
        if (m.reservation && *m.reservation != 0)
            p.push_back({.name = "MemoryLow", .value = bytes_or_infinity(*m.reservation)});
        // memory.swap is memory+swap; MemorySwapMax is swap alone.
        const int64_t limit = m.limit.value_or(0), swap = m.swap.value_or(0);
        std::optional<uint64_t> swap_max;
        if (limit == -1 && swap == 0)
            swap_max = kInfinity;
        else if (swap == -1)
            swap_max = kInfinity;
        else if (swap > 0) {
            if (limit <= 0)
                return fail("memory.swap: cannot set a swap limit without a memory limit");
            if (swap < limit)
                return fail("memory.swap: memory+swap limit should be >= memory limit");
            swap_max = static_cast<uint64_t>(swap - limit);
        }
        if (swap_max) p.push_back({.name = "MemorySwapMax", .value = *swap_max});
    }
    if (r.cpu) {
        const Cpu& c = *r.cpu;
        if (c.shares && *c.shares != 0)
            p.push_back({.name = "CPUWeight", .value = shares_to_weight(*c.shares)});
        const int64_t quota = c.quota.value_or(0);
        uint64_t period = c.period.value_or(0);
        if (period != 0) p.push_back({.name = "CPUQuotaPeriodUSec", .value = period});
        if (quota != 0 || period != 0) {
            uint64_t per_sec = kInfinity;
            if (quota > 0) {
                if (period == 0) period = 100000;
                per_sec = static_cast<uint64_t>(quota) * 1000000 / period;
                if (per_sec % 10000 != 0) per_sec = (per_sec / 10000 + 1) * 10000; // 10 ms steps
            }
            p.push_back({.name = "CPUQuotaPerSecUSec", .value = per_sec});
        }
        if (c.cpus && !c.cpus->empty())
            p.push_back(
                {.name = "AllowedCPUs", .value = HULL_TRY_CTX(list_to_bits(*c.cpus), "cpu.cpus")});
        if (c.mems && !c.mems->empty())
            p.push_back({.name = "AllowedMemoryNodes",
                         .value = HULL_TRY_CTX(list_to_bits(*c.mems), "cpu.mems")});
    }
    if (r.pids && r.pids->limit && (*r.pids->limit > 0 || *r.pids->limit == -1))
        p.push_back({.name = "TasksMax", .value = bytes_or_infinity(*r.pids->limit)});
    if (r.blockIO && r.blockIO->weight && *r.blockIO->weight != 0)
        p.push_back({.name = "IOWeight", .value = blkio_weight_to_io(*r.blockIO->weight)});
    for (auto& d : device_properties(r.devices, proc_devices))
        p.push_back(std::move(d));
    return p;
}

} // namespace hull::cgroups::systemd
