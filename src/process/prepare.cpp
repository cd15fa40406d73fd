// process::prepare: the steps of steps.hpp in the order documented in process.hpp.
#include "process/steps.hpp"

namespace hull::process {

namespace {

Result<void> run_seccomp(const Options& opts) {
    if (!opts.load_seccomp) return {};
    // A uid switch cleared the effective set; without no_new_privs the filter needs
    // CAP_SYS_ADMIN effective.
    HULL_TRY_CTX(raise_effective_caps(), "load seccomp");
    return with_context(opts.load_seccomp(), "load seccomp");
}

} // namespace

Result<void> prepare(const Process& process, const Options& opts, Warnings& warnings) {
    HULL_TRY(apply_rlimits(process.rlimits));
    HULL_TRY(apply_oom_score_adj(process.oomScoreAdj));
    HULL_TRY(apply_scheduler(process.scheduler));
    HULL_TRY(apply_io_priority(process.ioPriority));
    HULL_TRY(apply_personality(opts.personality));
    HULL_TRY(apply_memory_policy(opts.memory_policy));
    if (has_lsm_label(process)) {
        HostLsms host = opts.host_lsms ? *opts.host_lsms : detect_host_lsms();
        HULL_TRY(apply_lsm_labels(process, host, opts.missing_lsm, warnings));
    }
    HULL_TRY(apply_user(process.user));
    HULL_TRY(apply_cwd(process.cwd));
    HULL_TRY(apply_umask(process.user.umask));
    if (opts.resolved_exec && !process.args.empty())
        *opts.resolved_exec = HULL_TRY(find_executable(process.args[0], process.env));
    HULL_TRY(apply_fd_hygiene(opts.keep_fds));
    HULL_TRY(apply_no_new_privileges(process.noNewPrivileges));
    if (process.noNewPrivileges.value_or(false)) {
        // No CAP_SYS_ADMIN needed: the filter comes last, only execve follows it.
        HULL_TRY(apply_capabilities(process.capabilities, warnings));
        if (opts.load_seccomp) HULL_TRY_CTX(opts.load_seccomp(), "load seccomp");
    } else {
        HULL_TRY(run_seccomp(opts));
        HULL_TRY(apply_capabilities(process.capabilities, warnings));
    }
    return {};
}

} // namespace hull::process
