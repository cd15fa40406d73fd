// Re-executing hull from a read-only view of its binary when a container could write it.
#include "exe_seal.hpp"

#include "hull/fs.hpp"
#include "hull/log.hpp"
#include "hull/sys_mount.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

extern char** environ;

namespace hull::runtime::exe_seal {
namespace {

constexpr const char* kSelfExe = "/proc/self/exe";

bool mapped(const std::vector<IdMapping>& map, uint32_t host_id) {
    for (const auto& m : map)
        if (host_id >= m.hostID && host_id - m.hostID < m.size) return true;
    return false;
}

std::vector<std::string> own_argv() {
    std::vector<std::string> argv;
    auto text = fs::read_file("/proc/self/cmdline");
    if (!text) return argv;
    std::string cur;
    for (char ch : *text) {
        if (ch == '\0') {
            argv.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += ch;
        }
    }
    return argv;
}

[[nodiscard]] Error exec_fd(int fd, const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execveat(fd, "", argv.data(), environ, AT_EMPTY_PATH);
    return Error::from_errno("re-execute hull from a sealed binary");
}

// A detached bind mount of the binary alone, made read-only: no copy at all.
Result<UniqueFd> read_only_view() {
    auto tree = HULL_TRY(sys::open_tree(AT_FDCWD, kSelfExe, OPEN_TREE_CLONE));
    sys::MountAttrChange ro;
    ro.set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    HULL_TRY(sys::mount_setattr(tree.get(), "", AT_EMPTY_PATH, ro));
    return tree;
}

// A memfd copy sealed against every change (where the mount API is refused).
Result<UniqueFd> sealed_copy() {
    UniqueFd src(open(kSelfExe, O_RDONLY | O_CLOEXEC));
    if (!src) return fail_errno("open /proc/self/exe");
    struct stat st {};
    if (fstat(src.get(), &st) < 0) return fail_errno("stat /proc/self/exe");
    UniqueFd mem(memfd_create("hull", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!mem) return fail_errno("memfd_create");
    for (off_t left = st.st_size; left > 0;) {
        ssize_t n = sendfile(mem.get(), src.get(), nullptr, static_cast<size_t>(left));
        if (n <= 0) return fail_errno("copy hull into a memfd");
        left -= n;
    }
    if (fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return fail_errno("seal the memfd");
    return mem;
}

} // namespace

bool self_sealed() {
    struct statfs sf {};
    if (statfs(kSelfExe, &sf) == 0 && (sf.f_flags & ST_RDONLY)) return true;
    UniqueFd fd(open(kSelfExe, O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    int seals = fcntl(fd.get(), F_GET_SEALS);
    return seals >= 0 && (seals & F_SEAL_WRITE);
}

std::vector<IdMapping> parse_id_map(std::string_view text) {
    std::vector<IdMapping> out;
    std::istringstream in{std::string(text)};
    IdMapping m;
    while (in >> m.containerID >> m.hostID >> m.size)
        out.push_back(m);
    return out;
}

bool needs_protection(UserNs userns, const std::vector<IdMapping>& uid_map,
                      const std::vector<IdMapping>& gid_map) {
    if (self_sealed()) return false;
    if (userns == UserNs::Shared) return true;
    struct stat st {};
    if (stat(kSelfExe, &st) < 0) return true;
    bool uid_in = mapped(uid_map, st.st_uid), gid_in = mapped(gid_map, st.st_gid);
    return (uid_in && gid_in) || (uid_in && (st.st_mode & S_IWUSR)) ||
           (gid_in && (st.st_mode & S_IWGRP)) || (st.st_mode & S_IWOTH);
}

Result<void> ensure_sealed(UserNs userns, const std::vector<IdMapping>& uid_map,
                           const std::vector<IdMapping>& gid_map) {
    if (const char* off = std::getenv(kDisableEnv); off && *off && std::string_view(off) != "0")
        return {};
    if (!needs_protection(userns, uid_map, gid_map)) return {};
    auto args = own_argv();
    if (args.empty()) return fail("re-execute hull: cannot read /proc/self/cmdline");
    log::debug("re-executing hull from a read-only view of its binary");
    Error last = Error::msg("");
    if (auto view = read_only_view())
        last = exec_fd(view->get(), args);
    else
        last = view.error();
    log::debug("read-only view of the binary: " + last.message() + "; using a sealed copy");
    auto copy = HULL_TRY(sealed_copy());
    return std::unexpected(exec_fd(copy.get(), args));
}

} // namespace hull::runtime::exe_seal
