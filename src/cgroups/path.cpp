// container_path(): where a container's cgroup goes, from linux.cgroupsPath.
#include "cgroups/cgroups.hpp"

#include "cgroups/files.hpp"

#include "util/fs.hpp"

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
Result<std::string> own_cgroup() {
    auto text = HULL_TRY(fs::read_file("/proc/self/cgroup"));
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

} // namespace

Result<std::string> container_path(const std::optional<std::string>& cgroupsPath,
                                   std::string_view id) {
    if (!cgroupsPath || cgroupsPath->empty()) return "/hull/" + std::string(id);
    const std::string& p = *cgroupsPath;
    auto rel = HULL_TRY_CTX(normalise(p), "linux.cgroupsPath \"" + p + "\"");
    if (p.front() == '/') {
        if (rel.empty())
            return fail("linux.cgroupsPath \"" + p + "\": the root cgroup cannot be used");
        return rel;
    }
    if (rel.empty()) return fail("linux.cgroupsPath \"" + p + "\": empty path");
    auto own = HULL_TRY_CTX(own_cgroup(), "linux.cgroupsPath");
    auto base = HULL_TRY_CTX(normalise(own), "linux.cgroupsPath: own cgroup \"" + own + "\"");
    return base + rel;
}

} // namespace hull::cgroups
