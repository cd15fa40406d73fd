// Layout detection: which cgroup hierarchies are mounted where (from /proc/self/mountinfo),
// and which controllers each one offers.
#include "cgroups/cgroups.hpp"

#include "cgroups/files.hpp"

#include "util/fs.hpp"

#include <algorithm>
#include <array>

namespace hull::cgroups {

namespace {

// The v1 controllers a kernel may have; other mount options (rw, nosuid, xattr,
// clone_children, release_agent=...) are not controllers. "name=X" marks a named hierarchy.
constexpr std::array<std::string_view, 14> kV1Controllers = {
    "cpuset",  "cpu",      "cpuacct",    "blkio",   "memory", "devices", "freezer",
    "net_cls", "net_prio", "perf_event", "hugetlb", "pids",   "rdma",    "misc"};

bool is_v1_controller(std::string_view opt) {
    if (opt.starts_with("name=")) return true;
    return std::find(kV1Controllers.begin(), kV1Controllers.end(), opt) != kV1Controllers.end();
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7') {
            int v = (s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0');
            out += static_cast<char>(v);
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<std::string> split_on(std::string_view s, char sep) {
    std::vector<std::string> out;
    while (true) {
        auto p = s.find(sep);
        out.emplace_back(s.substr(0, p));
        if (p == std::string_view::npos) break;
        s.remove_prefix(p + 1);
    }
    return out;
}

bool same_controllers(const Hierarchy& a, const std::vector<std::string>& b) {
    auto x = a.controllers;
    auto y = b;
    std::sort(x.begin(), x.end());
    std::sort(y.begin(), y.end());
    return x == y;
}

} // namespace

std::string_view to_string(Layout l) {
    switch (l) {
    case Layout::Unified:
        return "unified";
    case Layout::Legacy:
        return "legacy";
    case Layout::Hybrid:
        return "hybrid";
    }
    return "?";
}

bool Hierarchy::has(std::string_view controller) const {
    return std::find(controllers.begin(), controllers.end(), controller) != controllers.end();
}

const Hierarchy* Host::find(std::string_view controller) const {
    for (const auto& h : hierarchies)
        if (!h.v2 && h.has(controller)) return &h;
    for (const auto& h : hierarchies)
        if (h.v2 && h.has(controller)) return &h;
    return nullptr;
}

const Hierarchy* Host::unified() const {
    for (const auto& h : hierarchies)
        if (h.v2) return &h;
    return nullptr;
}

Result<Host> parse_mountinfo(std::string_view mountinfo, ReadControllers read) {
    Host host;
    bool have_v2 = false;
    bool have_v1_controllers = false;
    for (auto line : split_lines(mountinfo)) {
        // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS
        auto f = split_ws(line);
        auto dash = std::find(f.begin(), f.end(), std::string_view("-"));
        if (dash == f.end() || f.end() - dash < 4 || dash - f.begin() < 6) continue;
        std::string_view fstype = dash[1];
        if (fstype != "cgroup" && fstype != "cgroup2") continue;
        Hierarchy h;
        h.mount_point = unescape(f[4]);
        if (fstype == "cgroup2") {
            if (have_v2) continue; // first mount wins
            h.v2 = true;
            if (read == ReadControllers::Yes) {
                auto c = read_cg(h.mount_point, "cgroup.controllers");
                if (!c) return std::unexpected(std::move(c).error());
                for (auto w : split_ws(*c))
                    h.controllers.emplace_back(w);
            }
            have_v2 = true;
        } else {
            for (auto& opt : split_on(dash[3], ','))
                if (is_v1_controller(opt)) h.controllers.push_back(opt);
            if (h.controllers.empty()) continue;
            bool dup = std::any_of(
                host.hierarchies.begin(), host.hierarchies.end(),
                [&](const Hierarchy& o) { return !o.v2 && same_controllers(o, h.controllers); });
            if (dup) continue;
            if (std::any_of(h.controllers.begin(), h.controllers.end(),
                            [](const std::string& c) { return !c.starts_with("name="); }))
                have_v1_controllers = true;
        }
        host.hierarchies.push_back(std::move(h));
    }
    if (host.hierarchies.empty()) return fail("no cgroup hierarchy is mounted");
    if (!have_v1_controllers)
        host.layout = have_v2 ? Layout::Unified : Layout::Legacy;
    else
        host.layout = have_v2 ? Layout::Hybrid : Layout::Legacy;
    return host;
}

Result<Host> detect() {
    auto text = HULL_TRY_CTX(fs::read_file("/proc/self/mountinfo"), "cgroups");
    return with_context(parse_mountinfo(text, ReadControllers::Yes), "cgroups");
}

} // namespace hull::cgroups
