// The command lines hull gives criu(8) for `checkpoint` and `restore`: pure functions from
// the command's options and what the container is made of, so that they can be unit tested.
// hull drives criu through its command line (not RPC over `criu swrk`): see docs/checkpoint.md.
#pragma once

#include "hull/checkpoint.hpp"
#include "hull/config.hpp"
#include "hull/error.hpp"

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hull::criu {

// The key under which a network namespace joined by path is external (dump: net[INODE]:KEY;
// restore: --inherit-fd fd[N]:KEY with N open on the namespace).
inline constexpr std::string_view kExtNetNs = "extRootNetNS";
// A terminal container's console: the pty slave bound on /dev/console, an external mount.
inline constexpr std::string_view kConsole = "/dev/console";

// What checkpoint and restore share.
struct Common {
    std::string image_dir = {}; // absolute
    std::string work_dir = {};  // absolute; criu writes its log (dump.log, restore.log) here
    Opt opts = Opt::None;
    CgroupsMode cgroups = CgroupsMode::Default;
    std::vector<std::string> empty_ns = {}; // criu names ("net")
    // "nftables" when the container has a network namespace of its own that criu locks;
    // empty: criu's default (iptables), which criu only uses with a network namespace.
    std::string network_lock = {};
};

// An external mount: `key` is the mount point inside the container (what the image names it),
// `source` the host path that is bound there on restore.
struct ExternalMount {
    std::string key = {};
    std::string source = {};
};

// The mounts of a container that come from outside its mount namespace and that criu must
// therefore be told about: every bind mount of the config, and the host cgroup directories
// bound into a "cgroup" mount (`cgroup_binds`, computed from the container's cgroup as the
// rootfs code does: for v1 "<dest>/<hierarchy>", for v2 without a cgroup namespace "<dest>").
// Sources are made absolute against `bundle`. Destinations are cleaned ("/a//b/" -> "/a/b").
struct CgroupBind {
    std::string name = {};     // "" for the v2 tree bound at the destination itself
    std::string host_dir = {}; // the container's cgroup in that hierarchy
};
std::vector<ExternalMount> external_mounts(const Config& cfg, const std::string& bundle,
                                           const std::vector<CgroupBind>& cgroup_binds);

struct DumpPlan {
    pid_t pid = 0;
    std::string parent_path = {};   // --parent-path (relative to the image dir), may be empty
    std::string freeze_cgroup = {}; // host freezer dir of the container's cgroup, may be empty
    std::vector<ExternalMount> mounts = {};
    std::vector<std::string> externals = {}; // raw --external values (net[INODE]:KEY)
};
// `criu dump` (or `criu pre-dump` with Opt::PreDump) arguments, without the program name.
std::vector<std::string> dump_args(const Common& c, const DumpPlan& p);

struct RestorePlan {
    std::string root = {};        // the rootfs bind mount criu restores into (--root)
    std::string pidfile = {};     // absolute; criu writes the restored init's pid there
    std::string cgroup_root = {}; // the new container's cgroup path ("/hull/abc"), may be empty
    std::vector<ExternalMount> mounts = {};
    std::vector<std::pair<int, std::string>> inherit_fds = {}; // fd in criu -> resource key
    std::string action_script = {};                            // may be empty
};
// `criu restore` arguments (always --restore-detached), without the program name.
std::vector<std::string> restore_args(const Common& c, const RestorePlan& p);

// The stdio of the checkpointed init, one line per fd 0..2 (readlink of /proc/PID/fd/N, or the
// file_key of a file on a mount outside the container), as saved next to the images. Pipes,
// sockets ("pipe:[123]") and such files ("file[..]") are the ones a restore hands over with
// --inherit-fd: criu's fd N (hull's own stdio) takes the place of that resource.
std::vector<std::pair<int, std::string>> inherit_stdio(std::string_view saved_descriptors);

// The key criu knows an open file by when it is external: "file[MNT_ID:INODE]" (hex; the
// mount id as /proc/PID/fdinfo/N gives it). A file the init has open on a mount that is not in
// the container (the host's /dev/null a caller gave it as stdin) is dumped as external under
// this key and handed over again on restore.
std::string file_key(int mnt_id, ino_t inode);

// The key criu knows a terminal container's pty slave by: "tty[RDEV:DEV]" (both in hex, as
// stat(2) gives them for the slave). The restore hands over a new slave in its place with
// --inherit-fd fd[N]:tty[RDEV:DEV].
std::string tty_key(dev_t rdev, dev_t dev);

// Mount destinations compare as clean absolute paths.
std::string clean_path(std::string_view path);

} // namespace hull::criu
