// checkpoint and restore: runc's flags read into hull::runtime's options (criu does the work).
#include "cli/commands.hpp"

#include "hull/checkpoint.hpp"

namespace hull::cli {
namespace {

// The flags runc has and hull refuses rather than ignores.
Result<void> refuse_unsupported(const CommandLine& cl,
                                std::initializer_list<std::string_view> names) {
    for (auto n : names)
        if (cl.args.given(n))
            return fail("--" + std::string(n) +
                        " is not supported by hull (see docs/checkpoint.md)");
    return {};
}

Result<runtime::CriuOptions> criu_options(const CommandLine& cl) {
    const auto& a = cl.args;
    runtime::CriuOptions o;
    o.image_path = a.value("image-path").value_or("");
    o.work_path = a.value("work-path").value_or("");
    o.cgroups = HULL_TRY(criu::parse_cgroups_mode(a.value("manage-cgroups-mode").value_or("")));
    o.empty_ns = a.values("empty-ns");
    for (const auto& ns : o.empty_ns)
        HULL_TRY(criu::empty_ns_name(ns));
    using criu::Opt;
    const std::pair<std::string_view, Opt> shared[] = {{"tcp-established", Opt::TcpEstablished},
                                                       {"ext-unix-sk", Opt::ExtUnixSk},
                                                       {"shell-job", Opt::ShellJob},
                                                       {"file-locks", Opt::FileLocks},
                                                       {"auto-dedup", Opt::AutoDedup}};
    for (const auto& [name, opt] : shared)
        if (a.flag(name)) o.opts = o.opts | opt;
    if (cl.command == "checkpoint") {
        if (a.flag("leave-running")) o.opts = o.opts | Opt::LeaveRunning;
        if (a.flag("pre-dump")) o.opts = o.opts | Opt::PreDump;
    }
    return o;
}

} // namespace

int cmd_checkpoint(const CommandLine& cl) {
    if (auto r = refuse_unsupported(cl, {"lazy-pages", "page-server", "status-fd"}); !r)
        return report_error(r.error());
    auto copts = criu_options(cl);
    if (!copts) return report_error(copts.error());
    runtime::CheckpointOptions o{.root = cl.global.root,
                                 .id = cl.id(),
                                 .parent_path = cl.args.value("parent-path").value_or(""),
                                 .criu = std::move(*copts)};
    auto r = runtime::checkpoint(o);
    return r ? 0 : report_error(r.error());
}

int cmd_restore(const CommandLine& cl) {
    if (auto r = refuse_unsupported(cl, {"lazy-pages", "lsm-profile", "lsm-mount-context"}); !r)
        return report_error(r.error());
    auto copts = criu_options(cl);
    if (!copts) return report_error(copts.error());
    runtime::RestoreOptions o;
    o.create.root = cl.global.root;
    o.create.id = cl.id();
    o.create.bundle = cl.args.value("bundle").value_or("");
    o.create.console_socket = cl.args.value("console-socket").value_or("");
    o.create.pid_file = cl.args.value("pid-file").value_or("");
    o.create.pivot =
        cl.args.flag("no-pivot") ? runtime::PivotMode::NoPivot : runtime::PivotMode::PivotRoot;
    o.criu = std::move(*copts);
    o.mode = cl.args.flag("detach") ? runtime::RunMode::Detach : runtime::RunMode::Foreground;
    o.subreaper = cl.args.flag("no-subreaper") ? runtime::Subreaper::No : runtime::Subreaper::Yes;
    auto r = runtime::restore(o);
    return r ? *r : report_error(r.error());
}

} // namespace hull::cli
