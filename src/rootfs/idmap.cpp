// Idmapped mounts (mounts[].uidMappings / gidMappings).
//
// mount_setattr(MOUNT_ATTR_IDMAP) wants a user namespace fd carrying the mapping, and the
// caller must hold CAP_SYS_ADMIN over that namespace. A child unshares a fresh user namespace
// and waits; we write its uid_map/gid_map (the hostID side is relative to our own user
// namespace), open /proc/<child>/ns/user and let the child exit. The namespace lives on as
// long as the fd. `create` does this on the host, before the init exists, and hands the
// idmapped detached trees to the init (make_idmapped_trees).
#include "rootfs/rootfs.hpp"
#include "rootfs/steps.hpp"
#include "sys/mount_api.hpp"
#include "util/io.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace hull::rootfs::detail {
namespace {

Result<void> write_map(pid_t pid, const char* file, const std::string& text) {
    std::string path = "/proc/" + std::to_string(pid) + "/" + file;
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail_errno("open " + path);
    UniqueFd f(fd);
    // The kernel takes the whole map in one write.
    ssize_t n = ::write(f.get(), text.data(), text.size());
    if (n < 0) return fail_errno("write " + path);
    if (static_cast<size_t>(n) != text.size()) return fail("write " + path + ": short write");
    return {};
}

} // namespace

std::string format_id_map(const std::vector<IdMapping>& map) {
    std::string out;
    for (const auto& m : map)
        out += std::to_string(m.containerID) + " " + std::to_string(m.hostID) + " " +
               std::to_string(m.size) + "\n";
    return out;
}

Result<UniqueFd> make_idmap_userns(const std::vector<IdMapping>& uids,
                                   const std::vector<IdMapping>& gids) {
    int ready[2];
    int hold[2];
    if (::pipe2(ready, O_CLOEXEC) < 0) return fail_errno("pipe");
    UniqueFd ready_r(ready[0]), ready_w(ready[1]);
    if (::pipe2(hold, O_CLOEXEC) < 0) return fail_errno("pipe");
    UniqueFd hold_r(hold[0]), hold_w(hold[1]);

    pid_t pid = ::fork();
    if (pid < 0) return fail_errno("fork for the idmap user namespace");
    if (pid == 0) {
        // Child: only async-signal-safe calls from here on.
        ::close(ready[0]);
        ::close(hold[1]);
        int err = ::unshare(CLONE_NEWUSER) < 0 ? errno : 0;
        (void)!::write(ready[1], &err, sizeof(err));
        char c;
        (void)io::retry_eintr([&] { return ::read(hold[0], &c, 1); });
        ::_exit(0);
    }
    ready_w.reset();
    hold_r.reset();
    auto finish = [&](Result<UniqueFd> r) {
        hold_w.reset(); // the child reads EOF and exits
        if (!r) ::kill(pid, SIGKILL);
        (void)io::wait_pid(pid);
        return r;
    };

    int err = 0;
    const ssize_t n = io::retry_eintr([&] { return ::read(ready_r.get(), &err, sizeof(err)); });
    if (n != static_cast<ssize_t>(sizeof(err)))
        return finish(fail("idmap user namespace: the helper child died"));
    if (err != 0) return finish(fail_sys(err, "unshare user namespace for idmap"));
    if (auto r = write_map(pid, "uid_map", format_id_map(uids)); !r)
        return finish(std::unexpected(std::move(r).error()));
    if (auto r = write_map(pid, "gid_map", format_id_map(gids)); !r)
        return finish(std::unexpected(std::move(r).error()));
    std::string ns = "/proc/" + std::to_string(pid) + "/ns/user";
    int fd = ::open(ns.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return finish(fail_errno("open " + ns));
    return finish(UniqueFd(fd));
}

Result<UniqueFd> idmapped_clone(int srcfd, const MountOptions& o, int userns) {
    unsigned tree_flags = OPEN_TREE_CLONE | AT_EMPTY_PATH | (o.recursive ? AT_RECURSIVE : 0);
    UniqueFd tree = HULL_TRY(sys::open_tree(srcfd, "", tree_flags));
    sys::MountAttrChange change;
    change.set = MOUNT_ATTR_IDMAP;
    change.userns_fd = userns;
    unsigned attr_flags =
        AT_EMPTY_PATH | (o.idmap == MountOptions::IdMap::RIdMap ? AT_RECURSIVE : 0);
    HULL_TRY_CTX(sys::mount_setattr(tree.get(), "", attr_flags, change), "idmap");
    return tree;
}

} // namespace hull::rootfs::detail

namespace hull::rootfs {

Result<std::vector<IdmappedTree>> make_idmapped_trees(const Config& cfg,
                                                      const std::string& bundle) {
    using namespace detail;
    std::vector<IdmappedTree> out;
    for (size_t i = 0; i < cfg.mounts.size(); ++i) {
        const Mount& m = cfg.mounts[i];
        MountOptions o = parse_mount_options(m.options);
        // Entries validate() refuses, or that use the container's own user namespace, are
        // left to prepare().
        if (o.idmap == MountOptions::IdMap::None || !o.bind || m.uidMappings.empty() ||
            m.gidMappings.empty() || !m.source || m.source->empty())
            continue;
        auto tree = [&]() -> Result<UniqueFd> {
            std::string src = m.source->front() == '/' ? *m.source : bundle + "/" + *m.source;
            UniqueFd srcfd(::open(src.c_str(), O_PATH | O_CLOEXEC));
            if (!srcfd) return bare_error(errno);
            UniqueFd userns = HULL_TRY(make_idmap_userns(m.uidMappings, m.gidMappings));
            return idmapped_clone(srcfd.get(), o, userns.get());
        }();
        if (!tree)
            return std::unexpected(
                with_context(std::move(tree), describe_mount(m, clean_path(m.destination)))
                    .error());
        out.push_back({i, std::move(*tree)});
    }
    return out;
}

} // namespace hull::rootfs
