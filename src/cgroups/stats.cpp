// Cgroup::stats(): the "data" object of runc's `events --stats` (runc types.Stats), read
// from whichever hierarchy holds each controller. Times are nanoseconds, sizes bytes.
#include "cgroups/cgroups.hpp"

#include "cgroups/files.hpp"

#include <dirent.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace hull::cgroups {

namespace {

using nlohmann::json;

std::optional<uint64_t> num(const std::string& dir, std::string_view file) {
    auto v = read_u64(dir, file);
    if (!v) return std::nullopt;
    return *v;
}

std::vector<std::string> list_files(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (auto* e = ::readdir(d))
            out.emplace_back(e->d_name);
        ::closedir(d);
    }
    return out;
}

json cpu_v1(const std::string* acct, const std::string* cpu) {
    json out = json::object();
    if (acct) {
        json usage = json::object();
        if (auto v = num(*acct, "cpuacct.usage")) usage["total"] = *v;
        if (auto s = read_cg(*acct, "cpuacct.usage_percpu")) {
            json per = json::array();
            for (auto w : split_ws(*s))
                if (auto v = parse_u64(w)) per.push_back(*v);
            usage["percpu"] = per;
        }
        if (auto s = read_cg(*acct, "cpuacct.usage_all")) { // "cpu user system" lines
            json k = json::array(), u = json::array();
            for (auto line : split_lines(*s)) {
                auto f = split_ws(line);
                if (f.size() != 3 || !parse_u64(f[0])) continue;
                u.push_back(parse_u64(f[1]).value_or(0));
                k.push_back(parse_u64(f[2]).value_or(0));
            }
            usage["percpu_kernel"] = k;
            usage["percpu_user"] = u;
        }
        if (auto s = read_cg(*acct, "cpuacct.stat")) { // USER_HZ ticks
            auto kv = parse_flat_keyed(*s);
            uint64_t hz = static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
            if (hz == 0) hz = 100;
            usage["kernel"] = kv["system"] * (1000000000 / hz);
            usage["user"] = kv["user"] * (1000000000 / hz);
        }
        out["usage"] = usage;
    }
    if (cpu) {
        if (auto s = read_cg(*cpu, "cpu.stat")) {
            auto kv = parse_flat_keyed(*s);
            out["throttling"] = {{"periods", kv["nr_periods"]},
                                 {"throttled_periods", kv["nr_throttled"]},
                                 {"throttled_time", kv["throttled_time"]}};
        }
    }
    return out;
}

json cpu_v2(const std::string& dir) {
    json out = json::object();
    auto s = read_cg(dir, "cpu.stat");
    if (!s) return out;
    auto kv = parse_flat_keyed(*s);
    out["usage"] = {{"total", kv["usage_usec"] * 1000},
                    {"kernel", kv["system_usec"] * 1000},
                    {"user", kv["user_usec"] * 1000}};
    if (kv.count("nr_periods"))
        out["throttling"] = {{"periods", kv["nr_periods"]},
                             {"throttled_periods", kv["nr_throttled"]},
                             {"throttled_time", kv["throttled_usec"] * 1000}};
    return out;
}

json memory_v1(const std::string& dir) {
    json out = json::object();
    auto entry = [&](std::string_view prefix) -> std::optional<json> {
        std::string p(prefix);
        auto usage = num(dir, p + "usage_in_bytes");
        if (!usage) return std::nullopt;
        return json{{"usage", *usage},
                    {"max", num(dir, p + "max_usage_in_bytes").value_or(0)},
                    {"limit", num(dir, p + "limit_in_bytes").value_or(0)},
                    {"failcnt", num(dir, p + "failcnt").value_or(0)}};
    };
    if (auto e = entry("memory.")) out["usage"] = *e;
    if (auto e = entry("memory.memsw.")) out["swap"] = *e;
    if (auto e = entry("memory.kmem.")) out["kernel"] = *e;
    if (auto e = entry("memory.kmem.tcp.")) out["kernelTCP"] = *e;
    if (auto s = read_cg(dir, "memory.stat")) {
        auto raw = parse_flat_keyed(*s);
        out["cache"] = raw["cache"];
        out["raw"] = raw;
    }
    return out;
}

json memory_v2(const std::string& dir) {
    json out = json::object();
    auto limit = [&](std::string_view f) -> uint64_t {
        auto v = read_u64_or_max(dir, f);
        return v && *v ? **v : UINT64_MAX;
    };
    auto events = parse_flat_keyed(read_cg(dir, "memory.events").value_or(""));
    if (auto usage = num(dir, "memory.current"))
        out["usage"] = {{"usage", *usage},
                        {"max", num(dir, "memory.peak").value_or(0)},
                        {"limit", limit("memory.max")},
                        {"failcnt", events["max"]}};
    if (auto usage = num(dir, "memory.swap.current"))
        out["swap"] = {{"usage", *usage},
                       {"max", num(dir, "memory.swap.peak").value_or(0)},
                       {"limit", limit("memory.swap.max")},
                       {"failcnt", 0}};
    if (auto s = read_cg(dir, "memory.stat")) {
        auto raw = parse_flat_keyed(*s);
        out["cache"] = raw["file"];
        out["raw"] = raw;
    }
    return out;
}

json pids_stats(const std::string& dir) {
    json out = json::object();
    if (auto v = num(dir, "pids.current")) out["current"] = *v;
    if (auto v = read_u64_or_max(dir, "pids.max"); v && *v) out["limit"] = **v;
    return out;
}

json blkio_v1(const std::string& dir) {
    json out = json::object();
    // CFQ's blkio.io_* files when present, else the throttle layer's (always there).
    auto entries = [&](std::string_view cfq, std::string_view throttle) -> std::optional<json> {
        auto s = read_cg(dir, cfq);
        if (!s) s = read_cg(dir, throttle);
        if (!s) return std::nullopt;
        json arr = json::array();
        for (auto line : split_lines(*s)) {
            auto f = split_ws(line);
            if (f.size() != 3) continue; // "Total N"
            auto colon = f[0].find(':');
            if (colon == std::string_view::npos) continue;
            arr.push_back({{"major", parse_u64(f[0].substr(0, colon)).value_or(0)},
                           {"minor", parse_u64(f[0].substr(colon + 1)).value_or(0)},
                           {"op", std::string(f[1])},
                           {"value", parse_u64(f[2]).value_or(0)}});
        }
        return arr;
    };
    if (auto e = entries("blkio.io_service_bytes_recursive",
                         "blkio.throttle.io_service_bytes_recursive"))
        out["ioServiceBytesRecursive"] = *e;
    if (auto e = entries("blkio.io_serviced_recursive", "blkio.throttle.io_serviced_recursive"))
        out["ioServicedRecursive"] = *e;
    return out;
}

json io_v2(const std::string& dir) {
    json out = json::object();
    auto s = read_cg(dir, "io.stat");
    if (!s) return out;
    json bytes = json::array(), ios = json::array();
    for (auto& [device, kv] : parse_nested_keyed(*s)) {
        auto colon = device.find(':');
        if (colon == std::string::npos) continue;
        auto major = parse_u64(device.substr(0, colon)).value_or(0);
        auto minor = parse_u64(device.substr(colon + 1)).value_or(0);
        auto add = [&](json& arr, const char* op, const char* key) {
            arr.push_back({{"major", major}, {"minor", minor}, {"op", op}, {"value", kv[key]}});
        };
        add(bytes, "Read", "rbytes");
        add(bytes, "Write", "wbytes");
        add(ios, "Read", "rios");
        add(ios, "Write", "wios");
    }
    out["ioServiceBytesRecursive"] = bytes;
    out["ioServicedRecursive"] = ios;
    return out;
}

json hugetlb_stats(const std::string& dir, bool v2) {
    json out = json::object();
    std::string suffix = v2 ? ".max" : ".limit_in_bytes";
    for (const auto& name : list_files(dir)) {
        if (!name.starts_with("hugetlb.") || !name.ends_with(suffix)) continue;
        std::string size = name.substr(8, name.size() - 8 - suffix.size());
        if (size.find('.') != std::string::npos) continue; // .rsvd.
        std::string p = "hugetlb." + size + ".";
        if (v2) {
            auto events = parse_flat_keyed(read_cg(dir, p + "events").value_or(""));
            out[size] = {{"usage", num(dir, p + "current").value_or(0)},
                         {"failcnt", events["max"]}};
        } else {
            out[size] = {{"usage", num(dir, p + "usage_in_bytes").value_or(0)},
                         {"max", num(dir, p + "max_usage_in_bytes").value_or(0)},
                         {"failcnt", num(dir, p + "failcnt").value_or(0)}};
        }
    }
    return out;
}

} // namespace

Result<nlohmann::json> Cgroup::stats() const {
    json out = json::object();
    auto dir = [&](std::string_view c) -> std::optional<std::pair<std::string, bool>> {
        const Hierarchy* h = host_.find(c);
        if (!h) return std::nullopt;
        std::string d = dir_in(*h);
        if (!is_dir(d)) return std::nullopt;
        return std::pair{d, h->v2};
    };
    // cpu: v1 cpuacct + cpu, else the cgroup2 cpu.stat (a core file, present without the
    // cpu controller too).
    auto acct = dir("cpuacct");
    auto cpu = dir("cpu");
    if (acct && !acct->second) {
        std::string* c = cpu && !cpu->second ? &cpu->first : nullptr;
        out["cpu"] = cpu_v1(&acct->first, c);
    } else if (cpu && cpu->second) {
        out["cpu"] = cpu_v2(cpu->first);
    } else if (host_.layout == Layout::Unified && host_.unified()) {
        std::string d = dir_in(*host_.unified());
        if (is_dir(d)) out["cpu"] = cpu_v2(d);
    }
    if (auto m = dir("memory"))
        out["memory"] = m->second ? memory_v2(m->first) : memory_v1(m->first);
    if (auto p = dir("pids")) out["pids"] = pids_stats(p->first);
    if (auto b = dir("blkio"); b && !b->second)
        out["blkio"] = blkio_v1(b->first);
    else if (auto io = dir("io"))
        out["blkio"] = io_v2(io->first);
    if (auto h = dir("hugetlb")) out["hugetlb"] = hugetlb_stats(h->first, h->second);
    return out;
}

} // namespace hull::cgroups
