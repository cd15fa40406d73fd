// The typed model of config.json (OCI runtime-spec v1.3, Linux fields).
//
// Conventions:
// * Member names are the JSON property names (camelCase), so `cfg.linux->resources->memory
//   ->limit` reads like the JSON path. Exceptions: IoPriority::class_ ("class").
// * REQUIRED scalars are plain members; OPTIONAL scalars and objects are std::optional (absent
//   and JSON null both give nullopt). Arrays and maps are plain containers: empty == absent.
// * Integer members have the spec's width and signedness; the parser range-checks them.
// * Closed value sets are enum classes (config_enums.hpp).
// * Parse / serialise / validate: config_parse.hpp. Mount option strings are kept verbatim
//   in Mount::options (order matters); classify them with mount_options.hpp.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hull/config_enums.hpp"
#include "hull/config_linux.hpp"
#include "hull/config_resources.hpp"

namespace hull {

// root.
struct Root {
    std::string path; // REQUIRED; absolute or relative to the bundle
    std::optional<bool> readonly;
    bool operator==(const Root&) const = default;
};

// mounts[]. A bind mount iff options contain "bind" or "rbind".
struct Mount {
    std::string destination; // REQUIRED
    std::optional<std::string> type;
    std::optional<std::string> source;  // pass verbatim to mount(2)
    std::vector<std::string> options;   // in order; see mount_options.hpp
    std::vector<IdMapping> uidMappings; // idmapped mount; only together with gidMappings
    std::vector<IdMapping> gidMappings;
    bool operator==(const Mount&) const = default;
};

// process.consoleSize (ignored unless terminal is true).
struct ConsoleSize {
    uint32_t height = 0; // REQUIRED
    uint32_t width = 0;  // REQUIRED
    bool operator==(const ConsoleSize&) const = default;
};

// process.user (POSIX).
struct User {
    uint32_t uid = 0;              // REQUIRED
    uint32_t gid = 0;              // REQUIRED
    std::optional<uint32_t> umask; // unset = leave the umask alone
    std::vector<uint32_t> additionalGids;
    bool operator==(const User&) const = default;
};

// process.capabilities. Each set holds exactly the caps to grant. Unknown names are dropped
// at parse time with a warning (Config::warnings), as the spec says to warn, not fail.
struct Capabilities {
    std::vector<Capability> bounding;
    std::vector<Capability> effective;
    std::vector<Capability> inheritable;
    std::vector<Capability> permitted;
    std::vector<Capability> ambient;
    bool operator==(const Capabilities&) const = default;
};

// process.rlimits[]. Types are unique within the list (validated).
struct Rlimit {
    RlimitType type = RlimitType::Nofile; // REQUIRED
    uint64_t hard = 0;                    // REQUIRED
    uint64_t soft = 0;                    // REQUIRED
    bool operator==(const Rlimit&) const = default;
};

// process.scheduler (sched_setattr(2)).
struct Scheduler {
    SchedulerPolicy policy = SchedulerPolicy::Other; // REQUIRED
    std::optional<int32_t> nice;
    std::optional<int32_t> priority;
    std::vector<SchedulerFlag> flags;
    std::optional<uint64_t> runtime; // ns, SCHED_DEADLINE
    std::optional<uint64_t> deadline;
    std::optional<uint64_t> period;
    bool operator==(const Scheduler&) const = default;
};

// process.ioPriority (ioprio_set(2)).
struct IoPriority {
    IoPriorityClass class_ = IoPriorityClass::Be; // REQUIRED, JSON "class"
    int32_t priority = 0;                         // REQUIRED, 0 (highest) .. 7
    bool operator==(const IoPriority&) const = default;
};

// process.execCPUAffinity (only for `exec`'d processes). cpulists like "0-3,7".
struct ExecCPUAffinity {
    std::optional<std::string> initial; // before joining the cgroup
    std::optional<std::string> final_;  // after joining it; JSON "final"
    bool operator==(const ExecCPUAffinity&) const = default;
};

// process (also the body of `exec --process FILE`).
struct Process {
    std::optional<bool> terminal;
    std::optional<ConsoleSize> consoleSize;
    User user;                                // REQUIRED
    std::vector<std::string> args;            // at least one entry
    std::vector<std::string> env;             // "KEY=value"
    std::string cwd;                          // REQUIRED, absolute
    std::optional<Capabilities> capabilities; // unset = leave caps as inherited
    std::vector<Rlimit> rlimits;
    std::optional<bool> noNewPrivileges;
    std::optional<std::string> apparmorProfile;
    std::optional<int32_t> oomScoreAdj; // unset = MUST NOT change oom_score_adj
    std::optional<Scheduler> scheduler;
    std::optional<std::string> selinuxLabel;
    std::optional<IoPriority> ioPriority;
    std::optional<ExecCPUAffinity> execCPUAffinity;
    bool operator==(const Process&) const = default;
};

// hooks.*[].
struct Hook {
    std::string path;              // REQUIRED, absolute; execv path semantics
    std::vector<std::string> args; // argv incl. argv[0]; empty = [path]
    std::vector<std::string> env;
    std::optional<int32_t> timeout; // seconds, > 0
    bool operator==(const Hook&) const = default;
};

// hooks.
struct Hooks {
    std::vector<Hook> prestart; // deprecated
    std::vector<Hook> createRuntime;
    std::vector<Hook> createContainer;
    std::vector<Hook> startContainer;
    std::vector<Hook> poststart;
    std::vector<Hook> poststop;
    bool operator==(const Hooks&) const = default;
};

// The whole config.json.
struct Config {
    std::string ociVersion; // REQUIRED, SemVer 1.0.0 <= v < 1.4.0
    Root root;              // REQUIRED on Linux
    std::vector<Mount> mounts;
    std::optional<Process> process; // REQUIRED only at `start`
    std::optional<std::string> hostname;
    std::optional<std::string> domainname;
    Hooks hooks;
    std::map<std::string, std::string> annotations;
    std::optional<Linux> linux;

    // Not part of the JSON: warnings collected while parsing (e.g. unknown capability
    // names). Callers should log them.
    std::vector<std::string> warnings;

    bool operator==(const Config&) const = default;
};

} // namespace hull
