// release_host_rootfs(): the clean-up of a container that shares the runtime's mount namespace.
#include "rootfs/rootfs.hpp"

#include "util/fs.hpp"

#include <sys/mount.h>

#include <cerrno>
#include <optional>
#include <vector>

namespace hull::rootfs {
namespace {

struct MountLine {
    std::string id, parent, dev, root, mount_point;
};

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '7') {
            out +=
                static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

// ID PARENT MAJ:MIN ROOT MOUNTPOINT ...
std::optional<MountLine> parse_line(std::string_view line) {
    std::vector<std::string_view> f;
    while (f.size() < 5) {
        auto start = line.find_first_not_of(' ');
        if (start == std::string_view::npos) return std::nullopt;
        line.remove_prefix(start);
        auto end = line.find(' ');
        f.push_back(line.substr(0, end));
        if (end == std::string_view::npos)
            line = {};
        else
            line.remove_prefix(end);
    }
    return MountLine{.id = std::string(f[0]),
                     .parent = std::string(f[1]),
                     .dev = std::string(f[2]),
                     .root = unescape(f[3]),
                     .mount_point = unescape(f[4])};
}

// "/a" + "b/c" -> "/a/b/c"; "/" + "" -> "/".
std::string join(const std::string& base, std::string_view rel) {
    if (rel.empty()) return base;
    return (base == "/" ? "" : base) + "/" + std::string(rel);
}

} // namespace

bool is_self_bind(std::string_view mountinfo, std::string_view path) {
    std::vector<MountLine> lines;
    while (!mountinfo.empty()) {
        auto nl = mountinfo.find('\n');
        if (auto m = parse_line(mountinfo.substr(0, nl))) lines.push_back(std::move(*m));
        if (nl == std::string_view::npos) break;
        mountinfo.remove_prefix(nl + 1);
    }
    const MountLine* top = nullptr;
    for (const auto& m : lines)
        if (m.mount_point == path) top = &m; // later lines are mounted later (on top)
    if (!top) return false;
    const MountLine* parent = nullptr;
    for (const auto& m : lines)
        if (m.id == top->parent) parent = &m;
    if (!parent || parent->dev != top->dev) return false;
    std::string_view below = top->mount_point;
    if (parent->mount_point != top->mount_point) {
        std::string prefix = parent->mount_point == "/" ? "/" : parent->mount_point + "/";
        if (!below.starts_with(prefix)) return false;
        below.remove_prefix(prefix.size());
    } else {
        below = {};
    }
    return top->root == join(parent->root, below);
}

Result<void> release_host_rootfs(const std::string& rootfs) {
    auto text = HULL_TRY_CTX(fs::read_file("/proc/self/mountinfo"), "release the rootfs mounts");
    if (!is_self_bind(text, rootfs)) return {};
    if (::umount2(rootfs.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        return fail_errno("unmount the container's mounts at " + rootfs);
    return {};
}

} // namespace hull::rootfs
