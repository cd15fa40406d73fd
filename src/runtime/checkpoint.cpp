// checkpoint: the container's process tree dumped by criu(8) into image files. The dump is
// `criu dump --tree <init pid>` with every mount that comes from outside the container named
// external (bind volumes, the host cgroup directories), the container's cgroup as freezer,
// and the stdio of the init noted next to the images for the restore.
#include "hull/checkpoint.hpp"
#include "runtime/container_handle.hpp"
#include "runtime/criu_args.hpp"
#include "runtime/criu_run.hpp"
#include "runtime/launch.hpp"
#include "state/store.hpp"
#include "util/fs.hpp"
#include "util/log.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <set>

namespace hull::runtime {
namespace {

// The file next to the images that keeps the init's stdio (see criu::inherit_stdio).
constexpr std::string_view kDescriptors = "hull-stdio";
// ... and for a terminal container the key of its pty slave (criu::tty_key).
constexpr std::string_view kTty = "hull-tty";

// The pty slave a terminal container's init has on its stdin, as criu names it.
Result<std::string> init_tty(pid_t pid) {
    const std::string p = "/proc/" + std::to_string(pid) + "/fd/0";
    struct stat st {};
    if (stat(p.c_str(), &st) < 0) return fail_errno("stat the init's terminal " + p);
    if (!S_ISCHR(st.st_mode)) return fail("the init's stdin is not its terminal");
    return criu::tty_key(st.st_rdev, st.st_dev);
}

// The mount ids of the container's mount namespace (the first field of its mountinfo).
std::set<int> container_mounts(pid_t pid) {
    std::set<int> ids;
    auto text = fs::read_file("/proc/" + std::to_string(pid) + "/mountinfo");
    if (!text) return ids;
    size_t i = 0;
    while (i < text->size()) {
        ids.insert(std::atoi(text->c_str() + i));
        size_t j = text->find('\n', i);
        if (j == std::string::npos) break;
        i = j + 1;
    }
    return ids;
}

// The mount id of the init's fd (its fdinfo's "mnt_id:"), -1 when unknown.
int fd_mount(pid_t pid, int fd) {
    auto text = fs::read_file("/proc/" + std::to_string(pid) + "/fdinfo/" + std::to_string(fd));
    if (!text) return -1;
    auto at = text->find("mnt_id:");
    return at == std::string::npos ? -1 : std::atoi(text->c_str() + at + 7);
}

// The init's stdio, one line per fd 0..2: where it points (pipes and sockets as the kernel
// names them), or for a file on a mount outside the container its criu key (criu::file_key),
// which also goes to `externals`.
std::string stdio_links(pid_t pid, std::vector<std::string>& externals) {
    std::string out;
    std::set<int> mounts;
    for (int fd = 0; fd <= 2; ++fd) {
        char buf[PATH_MAX] = {};
        std::string p = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
        ssize_t n = readlink(p.c_str(), buf, sizeof buf - 1);
        std::string line = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
        struct stat st {};
        if (!line.empty() && line[0] == '/' && stat(p.c_str(), &st) == 0) {
            if (mounts.empty()) mounts = container_mounts(pid);
            const int mnt = fd_mount(pid, fd);
            if (mnt >= 0 && !mounts.empty() && !mounts.contains(mnt)) {
                line = criu::file_key(mnt, st.st_ino);
                if (std::ranges::find(externals, line) == externals.end())
                    externals.push_back(line);
            }
        }
        out += line + "\n";
    }
    return out;
}

// A network namespace joined by path is outside the container: criu names it by inode.
std::vector<std::string> external_namespaces(const Config& cfg) {
    std::vector<std::string> out;
    const auto* ns = cfg.linux ? cfg.linux->find_namespace(NamespaceType::Network) : nullptr;
    if (ns && ns->path) {
        struct stat st;
        if (stat(ns->path->c_str(), &st) == 0)
            out.push_back("net[" + std::to_string(st.st_ino) + "]:" + std::string(criu::kExtNetNs));
    }
    return out;
}

} // namespace

Result<void> criu_usable() {
    return criu::usable();
}

Result<void> checkpoint(const CheckpointOptions& o) {
    auto h = HULL_TRY(open_container(o.root, o.id, Operation::Checkpoint));
    const ContainerState& st = h.state();
    HULL_TRY(criu::usable());
    const Config& cfg = *HULL_TRY(h.config());
    auto common = HULL_TRY(criu::common_from(o.criu, criu::MakeDirs::Yes));
    common.network_lock = criu::network_lock_for(cfg, common);
    if (!o.parent_path.empty()) {
        struct stat sb;
        std::string parent =
            o.parent_path[0] == '/' ? o.parent_path : common.image_dir + "/" + o.parent_path;
        if (stat(parent.c_str(), &sb) < 0) return fail_errno("--parent-path " + o.parent_path);
    }

    criu::DumpPlan plan{.pid = st.pid, .parent_path = o.parent_path};
    const cgroups::Cgroup* cg = HULL_TRY(h.cgroup());
    if (cg) {
        if (cg->host().layout == cgroups::Layout::Unified)
            plan.freeze_cgroup = cg->host().hierarchies.at(0).mount_point + cg->path();
        else if (auto d = cg->dir_of("freezer"))
            plan.freeze_cgroup = *d;
    }
    plan.mounts = criu::external_mounts(
        cfg, st.bundle, cg ? criu::cgroup_binds(cfg, *cg) : std::vector<criu::CgroupBind>{});
    plan.externals = external_namespaces(cfg);

    bool pre = criu::has(common.opts, criu::Opt::PreDump);
    if (!pre)
        HULL_TRY_CTX(fs::write_file_atomic(common.image_dir + "/" + std::string(kDescriptors),
                                           stdio_links(st.pid, plan.externals), 0600),
                     "save the init's stdio");
    // A terminal container's pty slave has its master outside what criu dumps (the caller
    // holds it): criu takes it as a shell job's terminal, and the restore hands over a new
    // one under the slave's key. Its bind mount on /dev/console is external for the same
    // reason (criu would look for the master of a bind-mounted slave).
    if (!pre && cfg.process && cfg.process->terminal.value_or(false)) {
        const std::string tty = HULL_TRY(init_tty(st.pid));
        common.opts = common.opts | criu::Opt::ShellJob;
        plan.mounts.push_back({.key = std::string(criu::kConsole), .source = {}});
        HULL_TRY_CTX(
            fs::write_file_atomic(common.image_dir + "/" + std::string(kTty), tty + "\n", 0600),
            "save the terminal's key");
    }
    auto args = criu::dump_args(common, plan);
    log::debug("criu " + [&] {
        std::string s;
        for (const auto& a : args)
            s += a + " ";
        return s;
    }());
    pid_t pid = HULL_TRY(criu::spawn(args, {}, {}));
    int code = HULL_TRY(criu::wait_exit(pid));
    std::string log = common.work_dir + (pre ? "/pre-dump.log" : "/dump.log");
    if (code != 0)
        return std::unexpected(criu::failure(pre ? "criu pre-dump" : "criu dump", code, log));
    if (pre || criu::has(common.opts, criu::Opt::LeaveRunning)) return {};
    // criu killed the processes: the container goes, as `delete --force` would remove it
    h.record().unlock();
    return with_context(remove(o.root, o.id, DeleteMode::Force),
                        "remove the checkpointed container");
}

} // namespace hull::runtime
