// hull::seccomp: linux.seccomp from the profile to a filter loaded in the container init.
//
// The parent (`create`) does the expensive part once, before it clones the init:
//
//     seccomp::Launch sl = HULL_TRY(seccomp::prepare(*cfg.linux->seccomp, store.root(),
//                                                    cfg.ociVersion));
//
// prepare() compiles the profile with libseccomp into a BPF program (or takes it from the
// cache under <root>/seccomp-cache/, see cache_lookup/cache_store), works out the seccomp(2)
// flags and, with listenerPath, connects to the listener. The init is a clone of the parent,
// so the program is already in its memory; after `start`, right before execve, it calls
//
//     HULL_TRY(seccomp::install(sl, state_json));
//
// which is one seccomp(SECCOMP_SET_MODE_FILTER) (never no_new_privs: the caller holds
// CAP_SYS_ADMIN or set no_new_privs because the config asked), and, when the profile uses
// SCMP_ACT_NOTIFY, one sendmsg of the container process state with the notify fd to the
// listener (runtime-spec "listenerPath"). The init never runs libseccomp.
//
// Syscalls newer than the newest one the profile names (per architecture) return ENOSYS
// instead of the default action, so libc falls back (clone3 -> clone), as runc does: a
// small BPF stub is put in front of libseccomp's program. See docs/seccomp.md.
#pragma once

#include "hull/config.hpp"
#include "hull/error.hpp"
#include "util/fd.hpp"

#include <linux/filter.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace hull::seccomp {

// A compiled filter, ready for seccomp(2).
struct Program {
    std::vector<sock_filter> bpf; // the ENOSYS stub (if any) followed by libseccomp's program
    unsigned flags = 0;           // SECCOMP_FILTER_FLAG_* (NEW_LISTENER when notify is used)
    bool notify = false;          // a rule uses SCMP_ACT_NOTIFY
};

// Profile -> BPF with libseccomp (compile.cpp). Errors name the JSON path:
//   linux.seccomp.syscalls[3].names[0]: unknown syscall "opne"
Result<std::vector<sock_filter>> compile_bpf(const Seccomp& profile);

// The seccomp(2) flags for the profile: the configured flags (an unsupported one is an
// error naming it), NEW_LISTENER with notify, TSYNC_ESRCH when TSYNC meets NEW_LISTENER.
// WAIT_KILLABLE_RECV without any notify rule is dropped (the kernel refuses it then).
Result<unsigned> filter_flags(const Seccomp& profile);

// True when a rule (or the default action) is SCMP_ACT_NOTIFY.
bool uses_notify(const Seccomp& profile);

// ---- cache (cache.cpp) ----

// The exact text the cache key is made of: the profile's JSON, the native arch, the
// libseccomp version and the generation options. A cached file stores it and is used only
// when it matches byte for byte, so a hash collision can never load a wrong program.
std::string cache_identity(const Seccomp& profile);

enum class CacheResult { Hit, Miss };

// Looks the program up in <cache_dir>/<hash>.bpf; a miss is not an error.
Result<std::pair<CacheResult, std::vector<sock_filter>>> cache_lookup(const std::string& cache_dir,
                                                                      std::string_view identity);

// Stores it (temp file + rename, so concurrent writers and readers are safe), then evicts
// the least recently used entries beyond kCacheMaxEntries.
Result<void> cache_store(const std::string& cache_dir, std::string_view identity,
                         const std::vector<sock_filter>& bpf);

inline constexpr std::size_t kCacheMaxEntries = 64;
inline constexpr std::string_view kCacheDirName = "seccomp-cache";

// compile_bpf through the cache in <state_root>/seccomp-cache. Cache trouble (read-only
// root, a damaged file) is logged and falls back to compiling. Logs (debug) whether the
// program came from the cache ("seccomp: program from cache") or was compiled.
Result<std::vector<sock_filter>> compile_cached(const Seccomp& profile,
                                                const std::string& state_root);

// ---- what the init needs (load.cpp, notify.cpp) ----

struct Launch {
    Program program;
    UniqueFd listener;       // connected to listenerPath (only when notify is used)
    std::string oci_version; // of the config, for the listener message
    std::string metadata;    // listenerMetadata
};

// In the parent: compile (cached), flags, and the listener connection.
Result<Launch> prepare(const Seccomp& profile, const std::string& state_root,
                       const std::string& oci_version);

// seccomp(SECCOMP_SET_MODE_FILTER, flags, prog). Returns the notify fd with NEW_LISTENER.
Result<UniqueFd> load(const Program& program);

// The listener message (runtime-spec "container process state"):
//   {"ociVersion":..,"fds":["seccompFd"],"pid":..,"metadata":..,"state":{..}}
std::string listener_message(const Launch& launch, int host_pid, std::string_view state_json);

// In the init: loads the filter and, with notify, sends `message` (listener_message, built
// before loading so that nothing is allocated in between) with the notify fd, then closes
// the listener socket and the notify fd.
Result<void> install(Launch& launch, std::string_view message);

// process's load_seccomp callback for `launch`: the listener message is built now, from the
// process's host pid and state, so that calling it allocates nothing before the filter is in.
std::function<Result<void>()> loader(Launch& launch, int host_pid, std::string_view state_json);

// ---- `hull features` ----

struct Support {
    std::vector<std::string> actions;   // SCMP_ACT_* usable with this kernel and libseccomp
    std::vector<std::string> operators; // SCMP_CMP_*
    std::vector<std::string> archs;     // SCMP_ARCH_* libseccomp knows
    std::vector<std::string> known_flags;
    std::vector<std::string> supported_flags; // probed with seccomp(2)
    std::string libseccomp_version;           // "2.5.4"
};
Support probe_support();

} // namespace hull::seccomp
