// Freezing, listing and signalling the processes of a container cgroup.
#include "cgroups/cgroups.hpp"

#include "cgroups/files.hpp"
#include "cgroups/sleep.hpp"

#include "util/fs.hpp"
#include "util/log.hpp"

#include <fcntl.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>

namespace hull::cgroups {

namespace {

struct FreezerDir {
    std::string dir;
    bool v2 = false;
};

// The v1 freezer when mounted, else the cgroup2 directory (cgroup.freeze is part of the core).
std::optional<FreezerDir> freezer_dir(const Host& host, const Placement& where) {
    if (const Hierarchy* h = host.find("freezer"); h && !h->v2)
        return FreezerDir{.dir = h->mount_point + where.in(*h), .v2 = false};
    if (const Hierarchy* h = host.unified()) {
        std::string dir = h->mount_point + where.in(*h);
        if (has_file(dir, "cgroup.freeze")) return FreezerDir{.dir = dir, .v2 = true};
    }
    return std::nullopt;
}

// Waits until the state reads `want` (v1 "FROZEN"/"THAWED", v2 events "frozen 1"/"frozen 0").
Result<void> set_frozen(const FreezerDir& f, bool freeze) {
    const long deadline_ms = 5000;
    long waited = 0, delay = 1;
    for (;;) {
        if (f.v2) {
            HULL_TRY(write_cg(f.dir, "cgroup.freeze", freeze ? "1" : "0"));
            auto ev = parse_flat_keyed(HULL_TRY(read_cg(f.dir, "cgroup.events")));
            if (ev["frozen"] == (freeze ? 1u : 0u)) return {};
        } else {
            HULL_TRY(write_cg(f.dir, "freezer.state", freeze ? "FROZEN" : "THAWED"));
            auto st = HULL_TRY(read_trimmed(f.dir, "freezer.state"));
            if (st == (freeze ? "FROZEN" : "THAWED")) return {};
        }
        if (waited >= deadline_ms) break;
        sleep_ms(delay);
        waited += delay;
        delay = std::min(delay * 2, 50L);
    }
    if (freeze) (void)set_frozen(f, false);
    return fail(std::string(freeze ? "freeze" : "thaw") + " " + f.dir + ": timed out");
}

Result<void> collect_pids(const std::string& dir, std::vector<pid_t>& out) {
    auto procs = read_cg(dir, "cgroup.procs");
    if (!procs) {
        if (procs.error().err() == ENOENT) return {}; // removed meanwhile
        return std::unexpected(std::move(procs).error());
    }
    for (auto line : split_lines(*procs))
        if (auto v = parse_u64(line)) out.push_back(static_cast<pid_t>(*v));
    auto subdirs = child_cgroups(dir);
    if (!subdirs) return {};
    for (const auto& s : *subdirs)
        HULL_TRY(collect_pids(dir + "/" + s, out));
    return {};
}

} // namespace

Result<void> Cgroup::freeze() const {
    auto f = freezer_dir(host_, where_);
    if (!f) return fail("freeze: no v1 freezer hierarchy and no cgroup.freeze in cgroup2");
    if (!is_dir(f->dir)) return fail("freeze: cgroup " + f->dir + " does not exist");
    return set_frozen(*f, true);
}

Result<void> Cgroup::thaw() const {
    auto f = freezer_dir(host_, where_);
    if (!f) return fail("thaw: no v1 freezer hierarchy and no cgroup.freeze in cgroup2");
    if (!is_dir(f->dir)) return fail("thaw: cgroup " + f->dir + " does not exist");
    return set_frozen(*f, false);
}

Result<bool> Cgroup::frozen() const {
    // Read straight away (list asks this of every container): a cgroup that is gone, or a
    // cgroup2 tree without cgroup.freeze, reads as not frozen.
    FreezerDir f;
    if (const Hierarchy* h = host_.find("freezer"); h && !h->v2)
        f = {.dir = h->mount_point + where_.in(*h), .v2 = false};
    else if (const Hierarchy* u = host_.unified())
        f = {.dir = u->mount_point + where_.in(*u), .v2 = true};
    else
        return false;
    auto st = fs::read_line_file(AT_FDCWD, f.dir + (f.v2 ? "/cgroup.freeze" : "/freezer.state"));
    if (!st && (st.error().err() == ENOENT || st.error().err() == ENOTDIR)) return false;
    if (!st) return std::unexpected(std::move(st).error());
    return trim(*st) == (f.v2 ? "1" : "FROZEN");
}

Result<std::vector<pid_t>> Cgroup::pids() const {
    // One hierarchy suffices (hull adds processes to all); prefer the v2 tree on a Unified host
    // and a v1 hierarchy elsewhere (a hybrid cgroup2 tree may not be delegated to us).
    std::optional<std::string> dir;
    if (host_.layout == Layout::Unified) {
        if (const Hierarchy* h = host_.unified()) dir = dir_in(*h);
    } else {
        for (auto c : {"pids", "freezer", "devices", "memory", "cpu"})
            if (const Hierarchy* h = host_.find(c); h && !h->v2) {
                dir = dir_in(*h);
                break;
            }
        if (!dir && !host_.hierarchies.empty()) dir = dir_in(host_.hierarchies.front());
    }
    std::vector<pid_t> out;
    if (!dir || !is_dir(*dir)) return out;
    HULL_TRY_CTX(collect_pids(*dir, out), "list processes of cgroup " + path_);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

Result<void> Cgroup::signal_all(int sig) const {
    if (sig == SIGKILL && host_.layout == Layout::Unified) {
        if (const Hierarchy* h = host_.unified()) {
            std::string dir = dir_in(*h);
            if (!is_dir(dir)) return {};
            if (has_file(dir, "cgroup.kill")) return write_cg(dir, "cgroup.kill", "1");
        }
    }
    // Freeze first so that no process forks a child we would miss, unless the container is
    // paused already (then it stays paused).
    bool was_frozen = frozen().value_or(false);
    bool froze = false;
    if (!was_frozen) {
        auto f = freezer_dir(host_, where_);
        if (f && is_dir(f->dir)) {
            if (auto r = set_frozen(*f, true); r)
                froze = true;
            else
                log::debug("cgroups: signal_all: " + r.error().message());
        }
    }
    auto pids_r = pids();
    Result<void> res;
    if (!pids_r) {
        res = std::unexpected(pids_r.error());
    } else {
        for (pid_t p : *pids_r)
            if (::kill(p, sig) < 0 && errno != ESRCH && res)
                res = fail_errno("kill " + std::to_string(p));
    }
    if (froze) {
        if (auto r = thaw(); !r && res) res = std::move(r);
    }
    return res;
}

uint64_t Cgroup::oom_kills() const {
    auto dir = dir_of("memory");
    if (!dir) return 0;
    const Hierarchy* h = host_.find("memory");
    auto text = read_cg(*dir, h->v2 ? "memory.events" : "memory.oom_control");
    if (!text) return 0;
    auto kv = parse_flat_keyed(*text);
    auto it = kv.find("oom_kill");
    return it == kv.end() ? 0 : it->second;
}

} // namespace hull::cgroups
