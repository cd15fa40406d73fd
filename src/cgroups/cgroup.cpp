// The container cgroup's directories: create (mkdir in every hierarchy, v1 cpuset
// inheritance, v2 controller delegation), attach, add a process, destroy.
#include "cgroups/cgroups.hpp"

#include "cgroups/files.hpp"
#include "cgroups/sleep.hpp"

#include "util/log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace hull::cgroups {

namespace {

std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    while (!path.empty()) {
        auto slash = path.find('/');
        auto part = path.substr(0, slash);
        if (!part.empty()) out.emplace_back(part);
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

// Whether a cgroup directory was just made by us (and so holds nothing yet).
enum class Fresh : bool { No, Yes };

// v1 cpuset: a cgroup with empty cpuset.cpus/mems refuses tasks, so fill them from the parent.
// A fresh directory is filled without reading it first (writing what cgroup.clone_children
// already copied changes nothing); an empty parent is an error.
Result<void> cpuset_inherit(const std::string& parent, const std::string& dir, Fresh fresh) {
    for (std::string_view file : {"cpuset.cpus", "cpuset.mems"}) {
        if (fresh == Fresh::No) {
            auto cur = HULL_TRY(read_trimmed(dir, file));
            if (!cur.empty()) continue;
        }
        auto from = HULL_TRY(read_trimmed(parent, file));
        if (from.empty() && fresh == Fresh::Yes)
            return fail(parent + ": empty " + std::string(file));
        HULL_TRY(write_cg(dir, file, from));
    }
    return {};
}

// v2: enable in `dir`'s cgroup.subtree_control every controller it has that is not enabled
// yet (as runc: all at once, else one by one; failures are left to the writes of the
// resources, which report the controller as not enabled).
// A non-root cgroup that holds processes is left alone: the kernel refuses domain controllers
// there (EBUSY) and enabling only the threaded ones would make its new children invalid
// domains that refuse every process (EOPNOTSUPP).
void v2_delegate(const std::string& dir, bool is_root) {
    if (!is_root) {
        auto procs = read_cg(dir, "cgroup.procs");
        if (!procs || !trim(*procs).empty()) return;
    }
    auto avail = read_cg(dir, "cgroup.controllers");
    auto enabled = read_cg(dir, "cgroup.subtree_control");
    if (!avail || !enabled) return;
    auto on = split_ws(*enabled);
    std::vector<std::string> want;
    for (auto c : split_ws(*avail))
        if (std::find(on.begin(), on.end(), c) == on.end()) want.push_back("+" + std::string(c));
    if (want.empty()) return;
    std::string all;
    for (auto& w : want)
        all += (all.empty() ? "" : " ") + w;
    if (write_cg(dir, "cgroup.subtree_control", all)) return;
    for (auto& w : want)
        if (auto r = write_cg(dir, "cgroup.subtree_control", w); !r)
            log::debug("cgroups: " + r.error().message());
}

// mkdir -p of `path` under one hierarchy; the directories made are appended to `made`.
// On v1 the leaf is tried first: its parents exist for every container but the first, and a
// cgroup mkdir costs tens of microseconds. cpuset needs its parent's values copied down.
Result<void> make_dirs(const Hierarchy& h, const std::string& path,
                       std::vector<std::string>& made) {
    std::string cur = h.mount_point;
    bool cpuset = !h.v2 && h.has("cpuset");
    if (!h.v2) {
        std::string leaf = cur + path;
        if (::mkdir(leaf.c_str(), 0755) == 0) {
            made.push_back(leaf);
            if (!cpuset) return {};
            auto parent = leaf.substr(0, leaf.rfind('/'));
            auto r = cpuset_inherit(parent, leaf, Fresh::Yes);
            if (r) return r;
            // An empty parent (made by someone else): fill the whole chain below.
        } else if (errno == EEXIST && !cpuset) {
            return {};
        } else if (errno != ENOENT && errno != EEXIST) {
            return fail_errno("mkdir " + leaf);
        }
    }
    for (const auto& part : components(path)) {
        if (h.v2) v2_delegate(cur, cur == h.mount_point);
        std::string next = cur + "/" + part;
        if (::mkdir(next.c_str(), 0755) == 0)
            made.push_back(next);
        else if (errno != EEXIST)
            return fail_errno("mkdir " + next);
        if (cpuset) HULL_TRY(cpuset_inherit(cur, next, Fresh::No));
        cur = std::move(next);
    }
    return {};
}

long now_ms() {
    struct timespec ts {};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// rmdir with a short retry on EBUSY (tasks that are exiting still count for a moment) until
// `deadline_ms` (CLOCK_MONOTONIC), shared by the whole destroy().
Result<void> rmdir_retry(const std::string& dir, long deadline_ms) {
    long delay = 1;
    for (;;) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
        if (errno != EBUSY || now_ms() >= deadline_ms) return fail_errno("rmdir " + dir);
        sleep_ms(delay);
        delay = std::min(delay * 2, 100L);
    }
}

// Removes `dir` and every cgroup below it, deepest first. A container's cgroup seldom has
// cgroups below it, so rmdir is tried before the directory is listed.
Result<void> remove_cgroup_tree(const std::string& dir, long deadline_ms) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    Result<void> first;
    if (auto subdirs = child_cgroups(dir)) {
        for (const auto& s : *subdirs) {
            auto r = remove_cgroup_tree(dir + "/" + s, deadline_ms);
            if (!r && first) first = r;
        }
    } else if (subdirs.error().err() == ENOENT) {
        return {};
    }
    auto r = rmdir_retry(dir, deadline_ms);
    if (!r && first) first = r;
    return first;
}

} // namespace

Result<Cgroup> Cgroup::create(const Host& host, std::string path) {
    return create(host, Placement{.path = std::move(path), .per_mount = {}});
}

Result<Cgroup> Cgroup::create(const Host& host, Placement where) {
    for (const auto& h : host.hierarchies) {
        const std::string& p = where.in(h);
        if (p.empty() || p.front() != '/' || components(p).empty())
            return fail("cgroup path \"" + p + "\" must be absolute and not the root");
    }
    if (where.path.empty() || where.path.front() != '/' || components(where.path).empty())
        return fail("cgroup path \"" + where.path + "\" must be absolute and not the root");
    Cgroup cg(host, std::move(where));
    std::vector<std::string> made;
    auto undo = [&made] {
        for (auto it = made.rbegin(); it != made.rend(); ++it)
            ::rmdir(it->c_str());
    };
    for (const auto& h : host.hierarchies) {
        if (auto r = make_dirs(h, cg.where_.in(h), made); !r) {
            undo();
            return std::unexpected(std::move(r).error().context("create cgroup " + cg.path_));
        }
    }
    // The spec's "fit for purpose" check: a new container must not share a cgroup.
    for (const auto& h : host.hierarchies) {
        std::string dir = cg.dir_in(h);
        if (std::find(made.begin(), made.end(), dir) != made.end()) continue; // new, so empty
        auto procs = read_cg(dir, "cgroup.procs");
        if (!procs) {
            undo();
            return std::unexpected(std::move(procs).error().context("create cgroup " + cg.path_));
        }
        if (!trim(*procs).empty()) {
            undo();
            return fail("create cgroup " + cg.path_ + ": " + dir +
                        " already holds processes (a container needs a cgroup of its own)");
        }
    }
    return cg;
}

Cgroup Cgroup::attach(const Host& host, std::string path) {
    return Cgroup(host, Placement{.path = std::move(path), .per_mount = {}});
}

Cgroup Cgroup::attach(const Host& host, Placement where) {
    return Cgroup(host, std::move(where));
}

const std::string& Placement::in(const Hierarchy& h) const {
    auto it = per_mount.find(h.mount_point);
    return it == per_mount.end() ? path : it->second;
}

std::optional<std::string> Cgroup::dir_of(std::string_view controller) const {
    const Hierarchy* h = host_.find(controller);
    if (!h) return std::nullopt;
    return dir_in(*h);
}

Result<void> Cgroup::add(pid_t pid) const {
    std::string p = std::to_string(pid);
    for (const auto& h : host_.hierarchies) {
        std::string dir = dir_in(h);
        for (int i = 0;; i++) {
            auto r = write_cg(dir, "cgroup.procs", p);
            if (r) break;
            // EINVAL: the task may still be in TASK_NEW; runc retries the same way.
            if (r.error().err() != EINVAL || i >= 5)
                return std::unexpected(std::move(r).error().context("add pid " + p + " to cgroup"));
            sleep_ms(30);
        }
    }
    return {};
}

Result<UniqueFd> Cgroup::open_unified_dir() const {
    const Hierarchy* h = host_.unified();
    if (host_.layout != Layout::Unified || !h)
        return fail("open cgroup2 directory: the host is not cgroup v2 only (layout " +
                    std::string(to_string(host_.layout)) + ")");
    std::string dir = dir_in(*h);
    int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail_errno("open " + dir);
    return UniqueFd(fd);
}

Result<void> Cgroup::destroy() const {
    Result<void> first;
    const long deadline = now_ms() + 2000;
    for (const auto& h : host_.hierarchies) {
        auto r = remove_cgroup_tree(dir_in(h), deadline);
        if (!r && first) first = std::move(r);
    }
    return with_context(std::move(first), "remove cgroup " + path_);
}

} // namespace hull::cgroups
