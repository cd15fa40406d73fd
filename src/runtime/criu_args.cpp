#include "runtime/criu_args.hpp"

#include <cstdio>

#include <algorithm>
#include <charconv>

namespace hull::criu {
namespace {

bool is_bind(const Mount& m) {
    if (m.type && *m.type == "bind") return true;
    return std::ranges::any_of(m.options,
                               [](const std::string& o) { return o == "bind" || o == "rbind"; });
}

const char* cgroups_mode_name(CgroupsMode m) {
    switch (m) {
    case CgroupsMode::Soft:
        return "soft";
    case CgroupsMode::Full:
        return "full";
    case CgroupsMode::Strict:
        return "strict";
    case CgroupsMode::Ignore:
        return "ignore";
    case CgroupsMode::Default:
        break;
    }
    return nullptr;
}

// The options both commands pass alike.
void common_args(const Common& c, std::vector<std::string>& a) {
    a.insert(a.end(), {"--images-dir", c.image_dir, "--work-dir", c.work_dir});
    if (has(c.opts, Opt::TcpEstablished)) a.push_back("--tcp-established");
    if (has(c.opts, Opt::ExtUnixSk)) a.push_back("--ext-unix-sk");
    if (has(c.opts, Opt::ShellJob)) a.push_back("--shell-job");
    if (has(c.opts, Opt::FileLocks)) a.push_back("--file-locks");
    // the mode is an optional argument of criu's: it must be joined with '='
    const char* mode = cgroups_mode_name(c.cgroups);
    a.push_back(std::string("--manage-cgroups=") + (mode ? mode : "soft"));
    for (const auto& ns : c.empty_ns)
        a.insert(a.end(), {"--empty-ns", ns});
    if (!c.network_lock.empty()) a.insert(a.end(), {"--network-lock", c.network_lock});
    // criu's log in the work dir: hull shows its last lines when criu fails
    a.insert(a.end(), {"-v4"});
}

} // namespace

Result<CgroupsMode> parse_cgroups_mode(std::string_view text) {
    if (text.empty()) return CgroupsMode::Default;
    if (text == "soft") return CgroupsMode::Soft;
    if (text == "full") return CgroupsMode::Full;
    if (text == "strict") return CgroupsMode::Strict;
    if (text == "ignore") return CgroupsMode::Ignore;
    return fail("invalid --manage-cgroups-mode value " + std::string(text) +
                " (one of soft, full, strict, ignore)");
}

Result<std::string> empty_ns_name(std::string_view spec_name) {
    if (spec_name == "network" || spec_name == "net") return std::string("net");
    return fail("--empty-ns " + std::string(spec_name) +
                ": only the network namespace can be "
                "left empty");
}

std::string clean_path(std::string_view path) {
    std::vector<std::string_view> parts;
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view part = path.substr(i, j - i);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        i = j + 1;
    }
    std::string out;
    for (auto p : parts) {
        out += '/';
        out += p;
    }
    return out.empty() ? "/" : out;
}

std::vector<ExternalMount> external_mounts(const Config& cfg, const std::string& bundle,
                                           const std::vector<CgroupBind>& cgroup_binds) {
    std::vector<ExternalMount> out;
    for (const auto& m : cfg.mounts) {
        std::string dest = clean_path(m.destination);
        if (m.type && *m.type == "cgroup") {
            for (const auto& b : cgroup_binds)
                out.push_back({.key = b.name.empty() ? dest : clean_path(dest + "/" + b.name),
                               .source = b.host_dir});
            continue;
        }
        if (!is_bind(m)) continue;
        std::string src = m.source.value_or("");
        if (src.empty() || src[0] != '/') src = bundle + "/" + src;
        out.push_back({.key = dest, .source = clean_path(src)});
    }
    return out;
}

std::vector<std::string> dump_args(const Common& c, const DumpPlan& p) {
    bool pre = has(c.opts, Opt::PreDump);
    std::vector<std::string> a{pre ? "pre-dump" : "dump", "--tree", std::to_string(p.pid)};
    common_args(c, a);
    a.insert(a.end(), {"--log-file", pre ? "pre-dump.log" : "dump.log"});
    if (!p.parent_path.empty()) a.insert(a.end(), {"--prev-images-dir", p.parent_path});
    // a pre-dump and the dump after one need the kernel's memory tracker
    if (pre || !p.parent_path.empty()) a.push_back("--track-mem");
    if (has(c.opts, Opt::LeaveRunning) && !pre) a.push_back("--leave-running");
    if (has(c.opts, Opt::AutoDedup)) a.push_back("--auto-dedup");
    if (!p.freeze_cgroup.empty()) a.insert(a.end(), {"--freeze-cgroup", p.freeze_cgroup});
    for (const auto& m : p.mounts)
        a.insert(a.end(), {"--external", "mnt[" + m.key + "]:" + m.key});
    for (const auto& e : p.externals)
        a.insert(a.end(), {"--external", e});
    return a;
}

std::vector<std::string> restore_args(const Common& c, const RestorePlan& p) {
    std::vector<std::string> a{"restore"};
    common_args(c, a);
    a.insert(a.end(), {"--log-file", "restore.log", "--restore-detached", "--root", p.root,
                       "--pidfile", p.pidfile});
    if (has(c.opts, Opt::AutoDedup)) a.push_back("--auto-dedup");
    if (!p.cgroup_root.empty()) a.insert(a.end(), {"--cgroup-root", p.cgroup_root});
    for (const auto& m : p.mounts)
        a.insert(a.end(), {"--external", "mnt[" + m.key + "]:" + m.source});
    for (const auto& [fd, key] : p.inherit_fds)
        a.insert(a.end(), {"--inherit-fd", "fd[" + std::to_string(fd) + "]:" + key});
    if (!p.action_script.empty()) a.insert(a.end(), {"--action-script", p.action_script});
    return a;
}

std::vector<std::pair<int, std::string>> inherit_stdio(std::string_view saved) {
    std::vector<std::pair<int, std::string>> out;
    int fd = 0;
    size_t i = 0;
    while (i < saved.size() && fd <= 2) {
        size_t j = saved.find('\n', i);
        if (j == std::string_view::npos) j = saved.size();
        std::string_view link = saved.substr(i, j - i);
        if (link.starts_with("pipe:[") || link.starts_with("socket:[") || link.starts_with("file["))
            out.emplace_back(fd, std::string(link));
        ++fd;
        i = j + 1;
    }
    return out;
}

std::string file_key(int mnt_id, ino_t inode) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "file[%x:%llx]", static_cast<unsigned>(mnt_id),
                  static_cast<unsigned long long>(inode));
    return buf;
}

std::string tty_key(dev_t rdev, dev_t dev) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "tty[%llx:%llx]", static_cast<unsigned long long>(rdev),
                  static_cast<unsigned long long>(dev));
    return buf;
}

} // namespace hull::criu
