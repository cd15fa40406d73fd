// container_path(): where a container's cgroup goes, from linux.cgroupsPath.
#include "cgroups/cgroups.hpp"

#include "cgroups/files.hpp"

#include "util/fs.hpp"

#include <map>
#include <optional>

namespace hull::cgroups {

namespace {

// "//a/./b/" -> "/a/b"; ".." anywhere is an error.
Result<std::string> normalise(std::string_view p) {
    std::string out;
    while (!p.empty()) {
        auto slash = p.find('/');
        auto part = p.substr(0, slash);
        if (part == "..") return fail("\"..\" is not allowed");
        if (!part.empty() && part != ".") {
            out += '/';
            out += part;
        }
        if (slash == std::string_view::npos) break;
        p.remove_prefix(slash + 1);
    }
    return out;
}

// The caller's own cgroup: the v1 memory line of /proc/self/cgroup when there is one (the
// hierarchy runc's v1 driver resolves a relative path against first), else the v2 "0::" line.
Result<std::string> own_cgroup(std::string_view text) {
    std::optional<std::string> v2, memory;
    for (auto line : split_lines(text)) {
        // ID:CONTROLLERS:PATH
        auto c1 = line.find(':');
        if (c1 == std::string_view::npos) continue;
        auto c2 = line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) continue;
        auto ctrls = line.substr(c1 + 1, c2 - c1 - 1);
        auto path = std::string(line.substr(c2 + 1));
        if (line.substr(0, c1) == "0" && ctrls.empty()) {
            v2 = path;
            continue;
        }
        while (!ctrls.empty()) {
            auto comma = ctrls.find(',');
            if (ctrls.substr(0, comma) == "memory") memory = path;
            if (comma == std::string_view::npos) break;
            ctrls.remove_prefix(comma + 1);
        }
    }
    if (memory) return *memory;
    if (v2) return *v2;
    return fail("no memory or cgroup2 line in /proc/self/cgroup");
}

// The own-cgroup path of every line of /proc/self/cgroup, keyed by each controller of the line
// ("memory", "name=systemd"; "" for the cgroup2 "0::" line).
std::map<std::string, std::string> own_cgroups(std::string_view text) {
    std::map<std::string, std::string> out;
    for (auto line : split_lines(text)) {
        auto c1 = line.find(':');
        if (c1 == std::string_view::npos) continue;
        auto c2 = line.find(':', c1 + 1);
        if (c2 == std::string_view::npos) continue;
        auto ctrls = line.substr(c1 + 1, c2 - c1 - 1);
        std::string path(line.substr(c2 + 1));
        if (ctrls.empty()) {
            out[""] = path;
            continue;
        }
        while (true) {
            auto comma = ctrls.find(',');
            out[std::string(ctrls.substr(0, comma))] = path;
            if (comma == std::string_view::npos) break;
            ctrls.remove_prefix(comma + 1);
        }
    }
    return out;
}

} // namespace

Result<Placement> container_placement(const Host& host,
                                      const std::optional<std::string>& cgroupsPath,
                                      std::string_view id) {
    bool relative = cgroupsPath && !cgroupsPath->empty() && cgroupsPath->front() != '/';
    if (!relative || host.layout == Layout::Unified)
        return Placement{.path = HULL_TRY(container_path(cgroupsPath, id)), .per_mount = {}};
    auto text = HULL_TRY_CTX(fs::read_file("/proc/self/cgroup"), "linux.cgroupsPath");
    return container_placement(host, cgroupsPath, id, text);
}

Result<Placement> container_placement(const Host& host,
                                      const std::optional<std::string>& cgroupsPath,
                                      std::string_view id, std::string_view proc_self_cgroup) {
    Placement out{.path = HULL_TRY(container_path(cgroupsPath, id, proc_self_cgroup)),
                  .per_mount = {}};
    if (!cgroupsPath || cgroupsPath->empty() || cgroupsPath->front() == '/') return out;
    auto rel = HULL_TRY_CTX(normalise(*cgroupsPath), "linux.cgroupsPath \"" + *cgroupsPath + "\"");
    auto own = own_cgroups(proc_self_cgroup);
    for (const auto& h : host.hierarchies) {
        // A v1 hierarchy: the line of any of its controllers (they share one line); cgroup2: "0::".
        std::optional<std::string> base;
        if (h.v2) {
            if (auto it = own.find(""); it != own.end()) base = it->second;
        } else {
            for (const auto& c : h.controllers)
                if (auto it = own.find(c); it != own.end()) base = it->second;
        }
        if (!base) continue; // not in /proc/self/cgroup: the common path
        auto norm =
            HULL_TRY_CTX(normalise(*base), "linux.cgroupsPath: own cgroup \"" + *base + "\"");
        if (norm + rel != out.path) out.per_mount[h.mount_point] = norm + rel;
    }
    return out;
}

Result<std::string> container_path(const std::optional<std::string>& cgroupsPath,
                                   std::string_view id) {
    bool relative = cgroupsPath && !cgroupsPath->empty() && cgroupsPath->front() != '/';
    std::string text;
    if (relative) text = HULL_TRY_CTX(fs::read_file("/proc/self/cgroup"), "linux.cgroupsPath");
    return container_path(cgroupsPath, id, text);
}

Result<std::string> container_path(const std::optional<std::string>& cgroupsPath,
                                   std::string_view id, std::string_view proc_self_cgroup) {
    if (!cgroupsPath || cgroupsPath->empty()) return "/hull/" + std::string(id);
    const std::string& p = *cgroupsPath;
    auto rel = HULL_TRY_CTX(normalise(p), "linux.cgroupsPath \"" + p + "\"");
    if (p.front() == '/') {
        if (rel.empty())
            return fail("linux.cgroupsPath \"" + p + "\": the root cgroup cannot be used");
        return rel;
    }
    if (rel.empty()) return fail("linux.cgroupsPath \"" + p + "\": empty path");
    auto own = HULL_TRY_CTX(own_cgroup(proc_self_cgroup), "linux.cgroupsPath");
    auto base = HULL_TRY_CTX(normalise(own), "linux.cgroupsPath: own cgroup \"" + own + "\"");
    return base + rel;
}

} // namespace hull::cgroups
