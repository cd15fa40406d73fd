// process::prepare and the execve shared by the init and `hull exec` (see become.hpp).
#include "runtime/become.hpp"

#include "runtime/exe_guard.hpp"
#include "util/log.hpp"

#include <string>

namespace hull::runtime {

Error prepare_and_exec(const BecomeSpec& spec) {
    const auto& lx = spec.cfg.linux;
    process::Options po;
    po.personality = lx && lx->personality ? &*lx->personality : nullptr;
    po.memory_policy = lx && lx->memoryPolicy ? &*lx->memoryPolicy : nullptr;
    po.keep_fds = spec.keep_fds;
    po.host_lsms = spec.lsms;
    std::string exec_path;
    po.resolved_exec = &exec_path;
    if (spec.seccomp) {
        ContainerState st = spec.state;
        st.pid = spec.host_pid;
        po.load_seccomp =
            seccomp::loader(*spec.seccomp, spec.host_pid, to_runc_json(st, spec.status).dump());
    }
    process::Warnings warnings;
    auto r = process::prepare(spec.process, po, warnings);
    if (spec.warnings == PrepareWarnings::Log)
        for (const auto& w : warnings)
            log::warn(w);
    if (!r) return r.error();
    if (spec.trampoline_fd >= 0)
        return exe_guard::exec(spec.trampoline_fd, spec.report_fd, spec.process, exec_path);
    return process::exec(spec.process, exec_path);
}

} // namespace hull::runtime
