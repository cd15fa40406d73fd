// Semantic checks of a parsed config (the spec's MUSTs the type system does not express).
// Every error names the JSON path of the offending value.
#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hull/config_parse.hpp"

namespace hull {
namespace {

std::string join(std::string_view prefix, std::string_view rest) {
    if (prefix.empty()) return std::string(rest);
    return std::string(prefix) + "." + std::string(rest);
}
std::string at(std::string_view path, std::size_t i) {
    return std::string(path) + "[" + std::to_string(i) + "]";
}
std::unexpected<Error> bad(const std::string& path, const std::string& msg) {
    return fail(path + ": " + msg);
}
std::string dq(std::string_view s) {
    return "\"" + std::string(s) + "\"";
}

Result<void> require_absolute(const std::string& path, const std::string& value) {
    if (value.empty() || value.front() != '/')
        return bad(path, "must be an absolute path, got " + dq(value));
    return {};
}

// Whether an absolute path, taken lexically, ever reaches a magic link of /proc: a
// /proc/<pid>[/task/<tid>]/{fd,cwd,root,map_files} entry, which leads to whatever that
// process has open (e.g. a host directory fd of the runtime, CVE-2024-21626). It stops at the
// first one, since a ".." after a magic link climbs from its target, not from the link.
bool cwd_in_proc_fd(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        auto slash = path.find('/');
        auto part = path.substr(0, slash);
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(part);
        if (parts.size() >= 3 && parts[0] == "proc" &&
            (part == "fd" || part == "cwd" || part == "root" || part == "map_files"))
            return true;
    }
    return false;
}

Result<void> require_absolute_list(std::string_view path, const std::vector<std::string>& list) {
    for (std::size_t i = 0; i < list.size(); ++i)
        HULL_TRY(require_absolute(at(path, i), list[i]));
    return {};
}

bool takes_errno(SeccompAction a) {
    return a == SeccompAction::Errno || a == SeccompAction::Trace;
}

// ---- SemVer 2.0.0 ----

bool is_numeric_id(std::string_view s) {
    if (s.empty()) return false;
    if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    return s.size() == 1 || s.front() != '0';
}

bool is_dotted_ids(std::string_view s, bool numeric_no_leading_zero) {
    if (s.empty()) return false;
    std::size_t start = 0;
    while (true) {
        const auto dot = s.find('.', start);
        const auto id = s.substr(start, dot == std::string_view::npos ? s.npos : dot - start);
        if (id.empty()) return false;
        const bool all_alnum = std::all_of(id.begin(), id.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
        });
        if (!all_alnum) return false;
        const bool digits =
            std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (numeric_no_leading_zero && digits && !is_numeric_id(id)) return false;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return true;
}

struct SemVer {
    unsigned long major = 0, minor = 0, patch = 0;
};

std::optional<SemVer> parse_semver(std::string_view v) {
    std::string_view core = v;
    if (const auto plus = core.find('+'); plus != core.npos) {
        if (!is_dotted_ids(core.substr(plus + 1), false)) return std::nullopt;
        core = core.substr(0, plus);
    }
    if (const auto dash = core.find('-'); dash != core.npos) {
        if (!is_dotted_ids(core.substr(dash + 1), true)) return std::nullopt;
        core = core.substr(0, dash);
    }
    SemVer out;
    unsigned long* parts[3] = {&out.major, &out.minor, &out.patch};
    for (int i = 0; i < 3; ++i) {
        const auto dot = core.find('.');
        if ((i < 2) == (dot == core.npos)) return std::nullopt;
        const auto num = core.substr(0, dot);
        if (!is_numeric_id(num) || num.size() > 9) return std::nullopt;
        *parts[i] = std::stoul(std::string(num));
        core = dot == core.npos ? std::string_view() : core.substr(dot + 1);
    }
    return out;
}

// ---- process ----

Result<void> validate_hooks(const Hooks& hooks) {
    const std::pair<const char*, const std::vector<Hook>*> lists[] = {
        {"prestart", &hooks.prestart},
        {"createRuntime", &hooks.createRuntime},
        {"createContainer", &hooks.createContainer},
        {"startContainer", &hooks.startContainer},
        {"poststart", &hooks.poststart},
        {"poststop", &hooks.poststop}};
    for (const auto& [name, list] : lists) {
        const std::string base = std::string("hooks.") + name;
        for (std::size_t i = 0; i < list->size(); ++i) {
            const Hook& h = (*list)[i];
            HULL_TRY(require_absolute(at(base, i) + ".path", h.path));
            if (h.timeout && *h.timeout <= 0)
                return bad(at(base, i) + ".timeout",
                           "must be greater than 0, got " + std::to_string(*h.timeout));
        }
    }
    return {};
}

Result<void> validate_mounts(const std::vector<Mount>& mounts, std::vector<std::string>* warn) {
    for (std::size_t i = 0; i < mounts.size(); ++i) {
        const Mount& m = mounts[i];
        const std::string p = at("mounts", i);
        if (m.destination.empty()) return bad(p + ".destination", "must not be empty");
        if (m.destination.front() != '/' && warn)
            warn->push_back(p + ".destination: relative path " + dq(m.destination) +
                            " is deprecated, taken relative to /");
        if (!m.uidMappings.empty() && m.gidMappings.empty())
            return bad(p + ".uidMappings", "must be given together with gidMappings");
        if (m.uidMappings.empty() && !m.gidMappings.empty())
            return bad(p + ".gidMappings", "must be given together with uidMappings");
    }
    return {};
}

// ---- linux ----

Result<void> validate_namespaces(const std::vector<LinuxNamespace>& nss) {
    std::set<NamespaceType> seen;
    for (std::size_t i = 0; i < nss.size(); ++i) {
        const std::string p = at("linux.namespaces", i);
        if (!seen.insert(nss[i].type).second)
            return bad(p + ".type", "duplicate namespace type " + dq(to_string(nss[i].type)));
        // An empty path means "create a new namespace", as in runc.
        if (nss[i].path && !nss[i].path->empty())
            HULL_TRY(require_absolute(p + ".path", *nss[i].path));
    }
    return {};
}

Result<void> validate_devices(const std::vector<Device>& devs) {
    for (std::size_t i = 0; i < devs.size(); ++i) {
        const Device& d = devs[i];
        const std::string p = at("linux.devices", i);
        HULL_TRY(require_absolute(p + ".path", d.path));
        if (d.type != DeviceType::Fifo) {
            if (!d.major) return bad(p + ".major", "required field missing");
            if (!d.minor) return bad(p + ".minor", "required field missing");
        }
    }
    return {};
}

Result<void> validate_time_offsets(const std::map<std::string, TimeOffset>& offs) {
    for (const auto& [clock, off] : offs) {
        const std::string p = "linux.timeOffsets[" + dq(clock) + "]";
        if (clock != "boottime" && clock != "monotonic")
            return bad(p, "unknown clock (expected \"boottime\" or \"monotonic\")");
        if (off.nanosecs && *off.nanosecs >= 1000000000u)
            return bad(p + ".nanosecs",
                       "must be less than 1000000000, got " + std::to_string(*off.nanosecs));
    }
    return {};
}

Result<void> validate_seccomp(const Seccomp& s) {
    const std::string p = "linux.seccomp";
    if (s.defaultErrnoRet && !takes_errno(s.defaultAction))
        return bad(p + ".defaultErrnoRet", "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, "
                                           "not " +
                                               std::string(to_string(s.defaultAction)));
    if (s.listenerMetadata && !s.listenerPath)
        return bad(p + ".listenerMetadata", "requires listenerPath");
    for (std::size_t i = 0; i < s.syscalls.size(); ++i) {
        const SeccompSyscall& sc = s.syscalls[i];
        const std::string sp = at(p + ".syscalls", i);
        if (sc.names.empty()) return bad(sp + ".names", "must have at least one entry");
        for (std::size_t n = 0; n < sc.names.size(); ++n)
            if (sc.names[n].empty()) return bad(at(sp + ".names", n), "must not be empty");
        if (sc.errnoRet && !takes_errno(sc.action))
            return bad(sp + ".errnoRet", "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, "
                                         "not " +
                                             std::string(to_string(sc.action)));
        for (std::size_t a = 0; a < sc.args.size(); ++a)
            if (sc.args[a].index > 5)
                return bad(at(sp + ".args", a) + ".index",
                           "must be 0 to 5, got " + std::to_string(sc.args[a].index));
    }
    return {};
}

Result<void> validate_intel_rdt(const IntelRdt& r) {
    const std::string p = "linux.intelRdt";
    if (r.l3CacheSchema && r.l3CacheSchema->find('\n') != std::string::npos)
        return bad(p + ".l3CacheSchema", "must not contain newlines");
    if (r.memBwSchema) {
        if (r.memBwSchema->rfind("MB:", 0) != 0)
            return bad(p + ".memBwSchema", "must start with \"MB:\"");
        if (r.memBwSchema->find('\n') != std::string::npos)
            return bad(p + ".memBwSchema", "must not contain newlines");
    }
    for (std::size_t i = 0; i < r.schemata.size(); ++i)
        if (r.schemata[i].find('\n') != std::string::npos)
            return bad(at(p + ".schemata", i), "must not contain newlines");
    return {};
}

Result<void> validate_memory_policy(const MemoryPolicy& m) {
    const std::string p = "linux.memoryPolicy.nodes";
    const bool has_nodes = m.nodes && !m.nodes->empty();
    switch (m.mode) {
    case MemoryPolicyMode::Default:
    case MemoryPolicyMode::Local:
        if (has_nodes) return bad(p, std::string(to_string(m.mode)) + " takes no nodes");
        break;
    case MemoryPolicyMode::Bind:
    case MemoryPolicyMode::Interleave:
    case MemoryPolicyMode::WeightedInterleave:
    case MemoryPolicyMode::PreferredMany:
        if (!has_nodes)
            return bad(p, std::string(to_string(m.mode)) + " requires at least one node");
        break;
    case MemoryPolicyMode::Preferred:
        break;
    }
    return {};
}

Result<void> validate_linux(const Linux& l) {
    HULL_TRY(validate_namespaces(l.namespaces));
    HULL_TRY(validate_devices(l.devices));
    HULL_TRY(validate_time_offsets(l.timeOffsets));
    if (l.resources) HULL_TRY(validate_resources(*l.resources, "linux.resources"));
    if (l.seccomp) HULL_TRY(validate_seccomp(*l.seccomp));
    HULL_TRY(require_absolute_list("linux.maskedPaths", l.maskedPaths));
    HULL_TRY(require_absolute_list("linux.readonlyPaths", l.readonlyPaths));
    if (l.intelRdt) HULL_TRY(validate_intel_rdt(*l.intelRdt));
    if (l.memoryPolicy) HULL_TRY(validate_memory_policy(*l.memoryPolicy));
    if (l.personality && !l.personality->flags.empty())
        return bad("linux.personality.flags[0]", "unknown value " +
                                                     dq(l.personality->flags.front()) +
                                                     " (no personality flags are defined)");
    for (const auto& [name, dev] : l.netDevices) {
        if (name.empty()) return bad("linux.netDevices", "interface name must not be empty");
        if (dev.name && dev.name->empty())
            return bad("linux.netDevices[" + dq(name) + "].name", "must not be empty");
    }
    for (const auto& [key, value] : l.sysctl)
        if (key.empty()) return bad("linux.sysctl", "key must not be empty");
    return {};
}

bool valid_page_size(std::string_view s) {
    // ^[1-9][0-9]*[KMG]B$
    if (s.size() < 3 || s.back() != 'B') return false;
    const char unit = s[s.size() - 2];
    if (unit != 'K' && unit != 'M' && unit != 'G') return false;
    const auto digits = s.substr(0, s.size() - 2);
    if (digits.front() < '1' || digits.front() > '9') return false;
    return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

} // namespace

Result<void> check_oci_version(std::string_view version) {
    const auto v = parse_semver(version);
    if (!v) return fail("ociVersion: invalid version " + dq(version) + " (not SemVer 2.0.0)");
    if (v->major != 1 || v->minor > 3)
        return fail("ociVersion: unsupported version " + dq(version) +
                    " (hull supports 1.0.0 to 1.3.x)");
    return {};
}

Result<void> validate_process(const Process& p, std::string_view prefix) {
    HULL_TRY(require_absolute(join(prefix, "cwd"), p.cwd));
    if (cwd_in_proc_fd(p.cwd))
        return bad(join(prefix, "cwd"),
                   "must not lead through /proc/<pid>/fd (an inherited fd), got " + dq(p.cwd));
    if (p.args.empty()) return bad(join(prefix, "args"), "must have at least one entry");
    std::set<RlimitType> seen;
    for (std::size_t i = 0; i < p.rlimits.size(); ++i) {
        if (!seen.insert(p.rlimits[i].type).second)
            return bad(at(join(prefix, "rlimits"), i) + ".type",
                       "duplicate rlimit type " + dq(to_string(p.rlimits[i].type)));
        if (p.rlimits[i].soft > p.rlimits[i].hard)
            return bad(at(join(prefix, "rlimits"), i),
                       "soft limit " + std::to_string(p.rlimits[i].soft) +
                           " is above the hard limit " + std::to_string(p.rlimits[i].hard));
    }
    if (p.ioPriority && (p.ioPriority->priority < 0 || p.ioPriority->priority > 7))
        return bad(join(prefix, "ioPriority.priority"),
                   "must be 0 to 7, got " + std::to_string(p.ioPriority->priority));
    return {};
}

Result<void> validate_resources(const Resources& r, std::string_view prefix) {
    if (r.memory && r.memory->swappiness && *r.memory->swappiness > 100)
        return bad(join(prefix, "memory.swappiness"),
                   "must be 0 to 100, got " + std::to_string(*r.memory->swappiness));
    if (r.cpu && r.cpu->burst && r.cpu->quota && *r.cpu->quota > 0 &&
        *r.cpu->burst > static_cast<uint64_t>(*r.cpu->quota))
        return bad(join(prefix, "cpu.burst"), "must not exceed cpu.quota (" +
                                                  std::to_string(*r.cpu->quota) + "), got " +
                                                  std::to_string(*r.cpu->burst));
    if (r.cpu && r.cpu->idle && *r.cpu->idle != 0 && *r.cpu->idle != 1)
        return bad(join(prefix, "cpu.idle"), "must be 0 or 1, got " + std::to_string(*r.cpu->idle));
    if (r.blockIO)
        for (std::size_t i = 0; i < r.blockIO->weightDevice.size(); ++i) {
            const auto& w = r.blockIO->weightDevice[i];
            if (!w.weight && !w.leafWeight)
                return bad(at(join(prefix, "blockIO.weightDevice"), i),
                           "needs weight or leafWeight");
        }
    for (std::size_t i = 0; i < r.hugepageLimits.size(); ++i)
        if (!valid_page_size(r.hugepageLimits[i].pageSize))
            return bad(at(join(prefix, "hugepageLimits"), i) + ".pageSize",
                       "invalid page size " + dq(r.hugepageLimits[i].pageSize) +
                           " (expected e.g. \"2MB\", \"1GB\")");
    for (const auto& [dev, lim] : r.rdma)
        if (!lim.hcaHandles && !lim.hcaObjects)
            return bad(join(prefix, "rdma[" + dq(dev) + "]"), "needs hcaHandles or hcaObjects");
    for (const auto& [key, value] : r.unified) {
        if (key.empty()) return bad(join(prefix, "unified"), "key must not be empty");
        if (key.find('/') != std::string::npos)
            return bad(join(prefix, "unified[" + dq(key) + "]"), "key must not contain '/'");
    }
    for (std::size_t i = 0; i < r.devices.size(); ++i) {
        const auto& a = r.devices[i].access;
        if (a && !std::all_of(a->begin(), a->end(),
                              [](char c) { return c == 'r' || c == 'w' || c == 'm'; }))
            return bad(at(join(prefix, "devices"), i) + ".access",
                       "invalid access " + dq(*a) + " (a mix of r, w, m)");
    }
    return {};
}

Result<void> validate_config(const Config& cfg, std::vector<std::string>* warnings) {
    if (cfg.root.path.empty()) return bad("root.path", "must not be empty");
    HULL_TRY(validate_mounts(cfg.mounts, warnings));
    if (cfg.process) HULL_TRY(validate_process(*cfg.process, "process"));
    HULL_TRY(validate_hooks(cfg.hooks));
    for (const auto& [key, value] : cfg.annotations)
        if (key.empty()) return bad("annotations", "key must not be empty");
    if (cfg.linux) HULL_TRY(validate_linux(*cfg.linux));
    return {};
}

} // namespace hull
