// AppArmor profile and SELinux label for the next execve, and host LSM detection.
#include "process/steps.hpp"

#include "util/fs.hpp"

#include <unistd.h>

#include <string>

namespace hull::process {

namespace {

bool apparmor_enabled() {
    auto v = fs::read_file("/sys/module/apparmor/parameters/enabled");
    return v && !v->empty() && (*v)[0] == 'Y';
}

bool selinux_enabled() {
    return ::access("/sys/fs/selinux/enforce", F_OK) == 0;
}

// Applies or refuses one label according to the policy.
Result<void> missing(const std::string& text, MissingLsm policy, Warnings& warnings) {
    if (policy == MissingLsm::Error) return fail(text);
    warnings.push_back(text + "; ignoring it");
    return {};
}

Result<void> apply_apparmor(const std::string& profile, bool enabled, MissingLsm policy,
                            Warnings& warnings) {
    if (!enabled)
        return missing("apparmor profile \"" + profile +
                           "\" requested but AppArmor is not enabled on this host",
                       policy, warnings);
    std::string data = "exec " + profile;
    // Kernels with LSM stacking have a per-LSM directory; older ones only attr/exec.
    auto r = write_proc_self("attr/apparmor/exec", data);
    if (!r && r.error().err() == ENOENT) r = write_proc_self("attr/exec", data);
    return with_context(std::move(r), "apply apparmor profile \"" + profile + "\"");
}

Result<void> apply_selinux(const std::string& label, bool enabled, MissingLsm policy,
                           Warnings& warnings) {
    if (!enabled)
        return missing("selinux label \"" + label +
                           "\" requested but SELinux is not enabled on this host",
                       policy, warnings);
    return with_context(write_proc_self("attr/exec", label),
                        "apply selinux label \"" + label + "\"");
}

} // namespace

bool has_lsm_label(const Process& process) {
    return (process.apparmorProfile && !process.apparmorProfile->empty()) ||
           (process.selinuxLabel && !process.selinuxLabel->empty());
}

HostLsms detect_host_lsms() {
    HostLsms h;
    h.apparmor = apparmor_enabled();
    h.selinux = selinux_enabled();
    return h;
}

Result<void> apply_lsm_labels(const Process& process, const HostLsms& host, MissingLsm policy,
                              Warnings& warnings) {
    if (process.apparmorProfile && !process.apparmorProfile->empty())
        HULL_TRY(apply_apparmor(*process.apparmorProfile, host.apparmor, policy, warnings));
    if (process.selinuxLabel && !process.selinuxLabel->empty())
        HULL_TRY(apply_selinux(*process.selinuxLabel, host.selinux, policy, warnings));
    return {};
}

} // namespace hull::process
