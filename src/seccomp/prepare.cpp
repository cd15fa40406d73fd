// seccomp::prepare: everything the parent does for linux.seccomp before it clones the init.
#include "seccomp/seccomp.hpp"
#include "sys/fdpass.hpp"
#include "util/log.hpp"

namespace hull::seccomp {

Result<Launch> prepare(const Seccomp& profile, const std::string& state_root,
                       const std::string& oci_version) {
    Launch l;
    l.program.bpf = HULL_TRY(compile_cached(profile, state_root));
    l.program.flags = HULL_TRY(filter_flags(profile));
    l.program.notify = uses_notify(profile);
    l.oci_version = oci_version;
    l.metadata = profile.listenerMetadata.value_or("");
    if (l.program.notify) {
        if (!profile.listenerPath || profile.listenerPath->empty())
            return fail("linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY");
        l.listener =
            HULL_TRY_CTX(fdpass::connect_unix(*profile.listenerPath),
                         "linux.seccomp.listenerPath: connect to " + *profile.listenerPath);
    } else if (profile.listenerPath) {
        log::debug("linux.seccomp.listenerPath is set but no rule uses SCMP_ACT_NOTIFY: "
                   "the listener is not contacted");
    }
    return l;
}

} // namespace hull::seccomp
