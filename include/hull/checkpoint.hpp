// `checkpoint` and `restore`: a running container saved to CRIU image files and brought
// back from them (src/runtime/checkpoint.cpp, restore.cpp; docs/checkpoint.md). hull runs
// the criu(8) binary; the option names are runc's.
#pragma once

#include "hull/error.hpp"
#include "hull/runtime.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace hull::criu {

// The on/off options of runc's checkpoint/restore, as a set.
enum class Opt : unsigned {
    None = 0,
    LeaveRunning = 1u << 0,   // checkpoint --leave-running
    TcpEstablished = 1u << 1, // --tcp-established
    ExtUnixSk = 1u << 2,      // --ext-unix-sk
    ShellJob = 1u << 3,       // --shell-job
    FileLocks = 1u << 4,      // --file-locks
    PreDump = 1u << 5,        // checkpoint --pre-dump
    AutoDedup = 1u << 6,      // --auto-dedup
};
constexpr Opt operator|(Opt a, Opt b) {
    return static_cast<Opt>(static_cast<unsigned>(a) | static_cast<unsigned>(b));
}
constexpr bool has(Opt set, Opt o) {
    return (static_cast<unsigned>(set) & static_cast<unsigned>(o)) != 0;
}

// --manage-cgroups-mode; Default is what runc does without the flag (soft).
enum class CgroupsMode { Default, Soft, Full, Strict, Ignore };
// "" -> Default; "soft", "full", "strict", "ignore"; anything else is an error.
Result<CgroupsMode> parse_cgroups_mode(std::string_view text);

// --empty-ns takes runtime-spec namespace names; only "network" can be left empty (criu "net").
Result<std::string> empty_ns_name(std::string_view spec_name);

} // namespace hull::criu

namespace hull::runtime {

struct CriuOptions {
    std::string image_path; // --image-path (default ./checkpoint)
    std::string work_path;  // --work-path (default: the image path)
    criu::Opt opts = criu::Opt::None;
    criu::CgroupsMode cgroups = criu::CgroupsMode::Default;
    std::vector<std::string> empty_ns; // runtime-spec names ("network")
};

struct CheckpointOptions {
    std::string root;
    std::string id;
    std::string parent_path; // --parent-path, relative to the image path
    CriuOptions criu;
};

// Dumps the container. Unless --leave-running or --pre-dump, the container is gone afterwards
// (its processes killed by criu, then deleted as `delete --force` does, as runc).
// When criu cannot work here (not installed, `criu check` fails) nothing happens and the error
// says so.
Result<void> checkpoint(const CheckpointOptions& o);

struct RestoreOptions {
    CreateOptions create; // root, id, bundle, console_socket, pid_file, pivot
    CriuOptions criu;
    RunMode mode = RunMode::Foreground;
    Subreaper subreaper = Subreaper::Yes;
};

// Restores a container from the images under a (possibly new) id, from the bundle's config.
// Foreground: waits for the restored init and returns its exit code (then deletes the
// container); detached: 0 once it runs. A failed restore leaves no state, cgroup or process.
Result<int> restore(const RestoreOptions& o);

// Whether criu can work on this machine: finds criu(8) and runs `criu check`. The error is
// the one message `checkpoint` and `restore` give when it cannot.
Result<void> criu_usable();

} // namespace hull::runtime
