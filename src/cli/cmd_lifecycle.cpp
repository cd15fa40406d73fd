// create, start, state, kill, delete, run and list: thin wrappers over hull::runtime.
#include "cli/commands.hpp"
#include "cli/state_json.hpp"

#include "hull/runtime.hpp"
#include "util/signals.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

namespace hull::cli {
namespace {

runtime::CreateOptions create_options(const CommandLine& cl) {
    const auto& a = cl.args;
    runtime::CreateOptions o;
    read_process_flags(cl, o);
    o.bundle = a.value("bundle").value_or("");
    o.config_path = a.value("config").value_or("");
    o.cgroup_rules = runtime::cgroup_rules(cl.global.rootless);
    o.pivot = a.flag("no-pivot") ? runtime::PivotMode::NoPivot : runtime::PivotMode::PivotRoot;
    if (cl.global.systemd_cgroup) o.cgroup_driver = runtime::CgroupDriver::Systemd;
    // LISTEN_FDS (socket activation, when LISTEN_PID is us) adds to the preserved fds and
    // reaches the process's environment, as runc does.
    const char* lf = std::getenv("LISTEN_FDS");
    const char* lp = std::getenv("LISTEN_PID");
    if (lf && lp && std::atol(lp) == static_cast<long>(getpid()) && std::atoi(lf) > 0) {
        o.listen_fds = std::atoi(lf);
        o.preserve_fds += o.listen_fds;
    }
    return o;
}

void print_json(const nlohmann::ordered_json& j) {
    std::string s = j.dump(2);
    s += '\n';
    fwrite(s.data(), 1, s.size(), stdout);
}

} // namespace

int cmd_create(const CommandLine& cl) {
    auto r = runtime::create(create_options(cl));
    return r ? 0 : report_error(r.error());
}

int cmd_start(const CommandLine& cl) {
    auto r = runtime::start(cl.global.root, cl.id());
    return r ? 0 : report_error(r.error());
}

int cmd_state(const CommandLine& cl) {
    auto r = runtime::state(cl.global.root, cl.id());
    if (!r) return report_error(r.error());
    print_json(state_json(*r));
    return 0;
}

int cmd_kill(const CommandLine& cl) {
    const auto& pos = cl.args.positionals();
    std::string sig = pos.size() > 1 ? pos[1] : cl.args.value("signal").value_or("SIGTERM");
    auto signo = parse_signal(sig);
    if (!signo) return report_error(signo.error());
    auto scope = cl.args.flag("all") ? runtime::KillScope::All : runtime::KillScope::Init;
    auto r = runtime::kill(cl.global.root, cl.id(), *signo, scope);
    return r ? 0 : report_error(r.error());
}

int cmd_delete(const CommandLine& cl) {
    bool force = cl.args.flag("force");
    auto r = runtime::remove(cl.global.root, cl.id(),
                             force ? runtime::DeleteMode::Force : runtime::DeleteMode::Normal);
    // runc: deleting a missing container with --force succeeds.
    if (!r && force && r.error().err() == ENOENT) return 0;
    return r ? 0 : report_error(r.error());
}

int cmd_run(const CommandLine& cl) {
    runtime::RunOptions o;
    o.create = create_options(cl);
    o.mode = cl.args.flag("detach") ? runtime::RunMode::Detach : runtime::RunMode::Foreground;
    o.keep = cl.args.flag("keep") ? runtime::KeepMode::Keep : runtime::KeepMode::Remove;
    o.subreaper = cl.args.flag("no-subreaper") ? runtime::Subreaper::No : runtime::Subreaper::Yes;
    auto r = runtime::run(o);
    return r ? *r : report_error(r.error());
}

int cmd_list(const CommandLine& cl) {
    auto r = runtime::list(cl.global.root);
    if (!r) return report_error(r.error());
    std::string format = cl.args.value("format").value_or("table");
    if (cl.args.flag("quiet")) {
        for (const auto& s : *r)
            std::printf("%s\n", s.id.c_str());
        return 0;
    }
    if (format == "json") {
        nlohmann::ordered_json arr = nlohmann::ordered_json::array();
        for (const auto& s : *r)
            arr.push_back(state_json(s));
        std::printf("%s\n", arr.dump().c_str());
        return 0;
    }
    std::printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
                "OWNER");
    for (const auto& s : *r)
        std::printf("%-12s %-8d %-10s %-40s %-30s %s\n", s.id.c_str(), static_cast<int>(s.pid),
                    s.status.c_str(), s.bundle.c_str(), s.created.c_str(), s.owner.c_str());
    return 0;
}

} // namespace hull::cli
