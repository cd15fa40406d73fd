// User switch, working directory, umask, fd hygiene and no_new_privs.
#include "process/steps.hpp"

#include "rootfs/path.hpp"
#include "sys/fds.hpp"
#include "util/fs.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <string>
#include <vector>

namespace hull::process {

namespace {

std::string join_ids(std::span<const uint32_t> ids) {
    std::string s;
    for (auto id : ids) {
        if (!s.empty()) s += ',';
        s += std::to_string(id);
    }
    return s;
}

// True when /proc/self/setgroups says "deny" (an unprivileged user namespace).
bool setgroups_denied() {
    auto v = fs::read_file("/proc/self/setgroups");
    return v && v->starts_with("deny");
}

Result<void> set_groups(std::span<const uint32_t> gids) {
    std::vector<gid_t> list(gids.begin(), gids.end());
    if (::setgroups(list.size(), list.empty() ? nullptr : list.data()) == 0) return {};
    int err = errno;
    // Nothing to clear and not allowed to: the namespace has no supplementary groups to leak.
    if (err == EPERM && setgroups_denied()) {
        if (list.empty()) return {};
        return fail_sys(err, "setgroups [" + join_ids(gids) +
                                 "] (setgroups is denied in this user namespace)");
    }
    return fail_sys(err, "setgroups [" + join_ids(gids) + "]");
}

} // namespace

Result<void> apply_user(const User& user) {
    HULL_TRY(set_groups(user.additionalGids));
    gid_t gid = user.gid;
    uid_t uid = user.uid;
    if (::setresgid(gid, gid, gid) != 0) {
        int err = errno;
        return fail_sys(err, "setresgid " + std::to_string(gid));
    }
    // Keep the permitted set across the uid change; the capabilities step trims it later.
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return fail_errno("prctl PR_SET_KEEPCAPS 1");
    if (::setresuid(uid, uid, uid) != 0) {
        int err = errno;
        return fail_sys(err, "setresuid " + std::to_string(uid));
    }
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return fail_errno("prctl PR_SET_KEEPCAPS 0");
    return {};
}

Result<void> apply_cwd(const std::string& cwd) {
    if (cwd.empty() || cwd[0] != '/') return fail("cwd \"" + cwd + "\" is not an absolute path");
    // A cwd that reaches a /proc magic link (/proc/self/fd/N, or a symlink in the rootfs to
    // one) would land on whatever the link points at, e.g. an inherited host directory
    // (CVE-2024-21626): resolve it without magic links first and refuse it.
    if (UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)); root) {
        auto fd = rootfs::open_in_root(root.get(), cwd, O_PATH | O_DIRECTORY);
        if (!fd && fd.error().err() == ELOOP)
            return fail_sys(ELOOP, "chdir to cwd " + cwd +
                                       ": refused, it leads through a /proc magic link "
                                       "(or a symlink loop)");
    }
    if (::chdir(cwd.c_str()) != 0) {
        int err = errno;
        return fail_sys(err, "chdir to cwd " + cwd);
    }
    // A cwd outside our root (e.g. reached through a leaked host directory fd) makes the
    // kernel report "(unreachable)/..."; glibc turns that into ENOENT.
    char buf[PATH_MAX];
    if (::getcwd(buf, sizeof(buf)) == nullptr) {
        int err = errno;
        return fail_sys(err, "verify cwd " + cwd + ": getcwd");
    }
    if (buf[0] != '/')
        return fail_sys(ENOENT, "verify cwd " + cwd + ": it is outside the container root (" +
                                    std::string(buf) + ")");
    return {};
}

Result<void> apply_umask(std::optional<uint32_t> umask) {
    if (umask) ::umask(static_cast<mode_t>(*umask & 0777));
    return {};
}

Result<void> apply_fd_hygiene(std::span<const int> keep) {
    HULL_TRY_CTX(sys::close_fds_from(3, sys::FdAction::SetCloexec, keep),
                 "mark leaked fds close-on-exec");
    for (int fd : keep) {
        if (fd < 3) continue;
        HULL_TRY_CTX(sys::set_cloexec(fd, sys::Cloexec::Off),
                     "keep fd " + std::to_string(fd) + " across exec");
    }
    return {};
}

Result<void> apply_no_new_privileges(std::optional<bool> nnp) {
    if (!nnp.value_or(false)) return {}; // never implicitly
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail_errno("prctl PR_SET_NO_NEW_PRIVS");
    return {};
}

} // namespace hull::process
