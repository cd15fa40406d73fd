// Classification of mounts[].options strings (runtime-spec config.md "Linux mount options").
//
// parse_mount_options splits an option list into what each kernel interface needs:
// * flags / cleared: MS_* bits for mount(2). A later option overrides an earlier one
//   ("ro,rw" ends with MS_RDONLY in `cleared`, not in `flags`). `cleared` records the flags an
//   option explicitly turned off (rw, suid, dev, exec, atime, ...), which matters for bind
//   remounts that must keep locked flags. Among relatime/noatime/strictatime the last wins.
//   "bind" adds MS_BIND, "rbind" MS_BIND|MS_REC (and sets bind / recursive).
// * propagation: 0 or MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE, |MS_REC for the
//   r-forms; apply with a separate mount(NULL, dest, NULL, propagation, NULL) after mounting.
//   The last propagation option wins.
// * attr_set / attr_clr: MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE) from the recursive
//   options (rro, rnosuid, rnodev, rnoexec, rnodiratime, rnosymfollow and their inverses).
//   Recursive atime options put MOUNT_ATTR__ATIME into attr_clr and the chosen mode into
//   attr_set: rrelatime / ratime / rnostrictatime -> RELATIME (0), rnoatime -> NOATIME,
//   rstrictatime / rnorelatime -> STRICTATIME.
// * tmpcopyup, idmap / ridmap: runtime extensions, never passed to the kernel.
// * data: every unrecognised option, comma-joined in order (filesystem data for mount(2),
//   e.g. "mode=755,size=65536k").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace hull {

struct MountOptions {
    unsigned long flags = 0;       // MS_* to pass to mount(2)
    unsigned long cleared = 0;     // MS_* explicitly cleared by an option
    unsigned long propagation = 0; // 0 or MS_{SHARED,SLAVE,PRIVATE,UNBINDABLE} [| MS_REC]
    uint64_t attr_set = 0;         // MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE)
    uint64_t attr_clr = 0;
    bool bind = false;      // "bind" or "rbind"
    bool recursive = false; // "rbind"
    bool tmpcopyup = false; // copy the destination's content into a fresh tmpfs
    enum class IdMap { None, IdMap, RIdMap } idmap = IdMap::None; // idmapped mount (AT_RECURSIVE)
    std::string data;                                             // unknown options, comma-joined

    bool has_recursive_attrs() const { return attr_set != 0 || attr_clr != 0; }
    bool operator==(const MountOptions&) const = default;
};

MountOptions parse_mount_options(std::span<const std::string> opts);

// Whether `opt` is a recognised (non-data) option.
bool is_known_mount_option(std::string_view opt);

// Every recognised option, sorted (the 61 of the spec plus rnodev, acl, noacl); for `features`.
std::span<const std::string_view> known_mount_options();

} // namespace hull
