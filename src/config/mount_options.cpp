// Classification of mount option strings (mount_options.hpp).
#include "config/mount_options.hpp"

#include <sys/mount.h> // MS_* and (glibc >= 2.36) MOUNT_ATTR_*

#include <algorithm>
#include <array>

namespace hull {
namespace {

enum class Kind {
    Set,         // MS flag on
    Clear,       // MS flag off
    Atime,       // MS atime mode (relatime / noatime / strictatime), last wins
    Bind,        // MS_BIND (value has MS_REC for rbind)
    Propagation, // MS_SHARED ... [| MS_REC]
    AttrSet,     // MOUNT_ATTR_* on (recursive)
    AttrClr,     // MOUNT_ATTR_* off (recursive)
    AttrAtime,   // recursive atime mode: value is the MOUNT_ATTR_ atime value
    NoOp,        // defaults
    TmpCopyUp,
    IdMap,
    RIdMap,
};

struct Entry {
    std::string_view name;
    Kind kind;
    uint64_t value;
};

constexpr uint64_t kMsAtimeMask = MS_RELATIME | MS_NOATIME | MS_STRICTATIME;

// Sorted by name (checked below) so known_mount_options() can hand out the names directly.
constexpr std::array kTable = {
    Entry{"acl", Kind::Set, MS_POSIXACL},
    Entry{"async", Kind::Clear, MS_SYNCHRONOUS},
    Entry{"atime", Kind::Clear, MS_NOATIME},
    Entry{"bind", Kind::Bind, MS_BIND},
    Entry{"defaults", Kind::NoOp, 0},
    Entry{"dev", Kind::Clear, MS_NODEV},
    Entry{"diratime", Kind::Clear, MS_NODIRATIME},
    Entry{"dirsync", Kind::Set, MS_DIRSYNC},
    Entry{"exec", Kind::Clear, MS_NOEXEC},
    Entry{"idmap", Kind::IdMap, 0},
    Entry{"iversion", Kind::Set, MS_I_VERSION},
    Entry{"lazytime", Kind::Set, MS_LAZYTIME},
    Entry{"loud", Kind::Clear, MS_SILENT},
    Entry{"mand", Kind::Set, MS_MANDLOCK},
    Entry{"noacl", Kind::Clear, MS_POSIXACL},
    Entry{"noatime", Kind::Atime, MS_NOATIME},
    Entry{"nodev", Kind::Set, MS_NODEV},
    Entry{"nodiratime", Kind::Set, MS_NODIRATIME},
    Entry{"noexec", Kind::Set, MS_NOEXEC},
    Entry{"noiversion", Kind::Clear, MS_I_VERSION},
    Entry{"nolazytime", Kind::Clear, MS_LAZYTIME},
    Entry{"nomand", Kind::Clear, MS_MANDLOCK},
    Entry{"norelatime", Kind::Clear, MS_RELATIME},
    Entry{"nostrictatime", Kind::Clear, MS_STRICTATIME},
    Entry{"nosuid", Kind::Set, MS_NOSUID},
    Entry{"nosymfollow", Kind::Set, MS_NOSYMFOLLOW},
    Entry{"private", Kind::Propagation, MS_PRIVATE},
    Entry{"ratime", Kind::AttrAtime, MOUNT_ATTR_RELATIME},
    Entry{"rbind", Kind::Bind, MS_BIND | MS_REC},
    Entry{"rdev", Kind::AttrClr, MOUNT_ATTR_NODEV},
    Entry{"rdiratime", Kind::AttrClr, MOUNT_ATTR_NODIRATIME},
    Entry{"relatime", Kind::Atime, MS_RELATIME},
    Entry{"remount", Kind::Set, MS_REMOUNT},
    Entry{"rexec", Kind::AttrClr, MOUNT_ATTR_NOEXEC},
    Entry{"ridmap", Kind::RIdMap, 0},
    Entry{"rnoatime", Kind::AttrAtime, MOUNT_ATTR_NOATIME},
    Entry{"rnodev", Kind::AttrSet, MOUNT_ATTR_NODEV},
    Entry{"rnodiratime", Kind::AttrSet, MOUNT_ATTR_NODIRATIME},
    Entry{"rnoexec", Kind::AttrSet, MOUNT_ATTR_NOEXEC},
    Entry{"rnorelatime", Kind::AttrAtime, MOUNT_ATTR_STRICTATIME},
    Entry{"rnostrictatime", Kind::AttrAtime, MOUNT_ATTR_RELATIME},
    Entry{"rnosuid", Kind::AttrSet, MOUNT_ATTR_NOSUID},
    Entry{"rnosymfollow", Kind::AttrSet, MOUNT_ATTR_NOSYMFOLLOW},
    Entry{"ro", Kind::Set, MS_RDONLY},
    Entry{"rprivate", Kind::Propagation, MS_PRIVATE | MS_REC},
    Entry{"rrelatime", Kind::AttrAtime, MOUNT_ATTR_RELATIME},
    Entry{"rro", Kind::AttrSet, MOUNT_ATTR_RDONLY},
    Entry{"rrw", Kind::AttrClr, MOUNT_ATTR_RDONLY},
    Entry{"rshared", Kind::Propagation, MS_SHARED | MS_REC},
    Entry{"rslave", Kind::Propagation, MS_SLAVE | MS_REC},
    Entry{"rstrictatime", Kind::AttrAtime, MOUNT_ATTR_STRICTATIME},
    Entry{"rsuid", Kind::AttrClr, MOUNT_ATTR_NOSUID},
    Entry{"rsymfollow", Kind::AttrClr, MOUNT_ATTR_NOSYMFOLLOW},
    Entry{"runbindable", Kind::Propagation, MS_UNBINDABLE | MS_REC},
    Entry{"rw", Kind::Clear, MS_RDONLY},
    Entry{"shared", Kind::Propagation, MS_SHARED},
    Entry{"silent", Kind::Set, MS_SILENT},
    Entry{"slave", Kind::Propagation, MS_SLAVE},
    Entry{"strictatime", Kind::Atime, MS_STRICTATIME},
    Entry{"suid", Kind::Clear, MS_NOSUID},
    Entry{"symfollow", Kind::Clear, MS_NOSYMFOLLOW},
    Entry{"sync", Kind::Set, MS_SYNCHRONOUS},
    Entry{"tmpcopyup", Kind::TmpCopyUp, 0},
    Entry{"unbindable", Kind::Propagation, MS_UNBINDABLE},
};

static_assert(kTable.size() == 64, "61 spec options + rnodev, acl, noacl");
static_assert(std::is_sorted(kTable.begin(), kTable.end(),
                             [](const Entry& a, const Entry& b) { return a.name < b.name; }));

constexpr auto kNames = [] {
    std::array<std::string_view, kTable.size()> names{};
    for (std::size_t i = 0; i < kTable.size(); ++i)
        names[i] = kTable[i].name;
    return names;
}();

const Entry* find(std::string_view name) {
    const auto it = std::lower_bound(kTable.begin(), kTable.end(), name,
                                     [](const Entry& e, std::string_view n) { return e.name < n; });
    if (it == kTable.end() || it->name != name) return nullptr;
    return &*it;
}

void set_flag(MountOptions& m, unsigned long f) {
    m.flags |= f;
    m.cleared &= ~f;
}
void clear_flag(MountOptions& m, unsigned long f) {
    m.flags &= ~f;
    m.cleared |= f;
}

} // namespace

MountOptions parse_mount_options(std::span<const std::string> opts) {
    MountOptions m;
    for (const auto& opt : opts) {
        const Entry* e = find(opt);
        if (!e) {
            if (opt.empty()) continue;
            if (!m.data.empty()) m.data += ',';
            m.data += opt;
            continue;
        }
        const auto v = e->value;
        switch (e->kind) {
        case Kind::Set:
            set_flag(m, v);
            break;
        case Kind::Clear:
            clear_flag(m, v);
            break;
        case Kind::Atime:
            m.flags &= ~kMsAtimeMask;
            m.cleared &= ~v;
            m.flags |= v;
            break;
        case Kind::Bind:
            m.flags |= v;
            m.bind = true;
            if (v & MS_REC) m.recursive = true;
            break;
        case Kind::Propagation:
            m.propagation = v;
            break;
        case Kind::AttrSet:
            m.attr_set |= v;
            m.attr_clr &= ~v;
            break;
        case Kind::AttrClr:
            m.attr_clr |= v;
            m.attr_set &= ~v;
            break;
        case Kind::AttrAtime:
            m.attr_set = (m.attr_set & ~uint64_t{MOUNT_ATTR__ATIME}) | v;
            m.attr_clr |= MOUNT_ATTR__ATIME;
            break;
        case Kind::NoOp:
            break;
        case Kind::TmpCopyUp:
            m.tmpcopyup = true;
            break;
        case Kind::IdMap:
            m.idmap = MountOptions::IdMap::IdMap;
            break;
        case Kind::RIdMap:
            m.idmap = MountOptions::IdMap::RIdMap;
            break;
        }
    }
    return m;
}

bool is_known_mount_option(std::string_view opt) {
    return find(opt) != nullptr;
}

std::span<const std::string_view> known_mount_options() {
    return kNames;
}

} // namespace hull
