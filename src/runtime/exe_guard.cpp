// The decision to use the trampoline, its sealed memfd, and the exec through it.
#include "runtime/exe_guard.hpp"

#include "process/process.hpp"
#include "runtime/trampoline_blob.hpp"
#include "util/io.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

namespace hull::runtime::exe_guard {
namespace {

constexpr const char* kSelfExe = "/proc/self/exe";
constexpr const char* kMagic = "hull-trampoline"; // argv[0] the trampoline insists on

bool mapped(const std::vector<IdMapping>& map, uint32_t host_id) {
    for (const auto& m : map)
        if (host_id >= m.hostID && host_id - m.hostID < m.size) return true;
    return false;
}

Result<UniqueFd> sealed_memfd() {
    // MFD_EXEC: executable even where vm.memfd_noexec=1 makes memfds noexec by default
    // (kernels before 6.3 do not know the flag).
    UniqueFd mem(memfd_create(kMagic, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC));
    if (!mem && errno == EINVAL) mem.reset(memfd_create(kMagic, MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!mem)
        return fail_errno("make the trampoline's memfd (an executable memfd; vm.memfd_noexec=2 "
                          "forbids them: install hull on a read-only mount instead)");
    HULL_TRY(io::write_all(mem.get(),
                           std::string_view(reinterpret_cast<const char*>(trampoline_blob::kData),
                                            trampoline_blob::kSize),
                           "write the trampoline"));
    if (fcntl(mem.get(), F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        return fail_errno("seal the trampoline");
    return mem;
}

bool proc_is_procfs() {
    struct statfs sf {};
    return statfs("/proc", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
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

bool needed(UserNs userns, const std::vector<IdMapping>& uid_map,
            const std::vector<IdMapping>& gid_map) {
    if (self_sealed()) return false;
    if (userns == UserNs::Shared) return true;
    struct stat st {};
    if (stat(kSelfExe, &st) < 0) return true;
    bool uid_in = mapped(uid_map, st.st_uid), gid_in = mapped(gid_map, st.st_gid);
    return (uid_in && gid_in) || (uid_in && (st.st_mode & S_IWUSR)) ||
           (gid_in && (st.st_mode & S_IWGRP)) || (st.st_mode & S_IWOTH);
}

Result<UniqueFd> trampoline_for(const Process& process, UserNs userns,
                                const std::vector<IdMapping>& uid_map,
                                const std::vector<IdMapping>& gid_map) {
    if (!compiled_in() || trampoline_blob::kSize == 0 || !needed(userns, uid_map, gid_map))
        return UniqueFd{};
    if (process.selinuxLabel && !process.selinuxLabel->empty() &&
        process::detect_host_lsms().selinux)
        return UniqueFd{};
    return sealed_memfd();
}

Error exec(int trampoline_fd, int report_fd, const Process& process, const std::string& path) {
    if (process.args.empty()) return Error(EINVAL, "exec: process.args is empty");
    const std::string report = report_fd >= 0 ? std::to_string(report_fd) : "-";
    std::vector<char*> argv = process::c_array(process.args, {const_cast<char*>(kMagic),
                                                              const_cast<char*>(report.c_str()),
                                                              const_cast<char*>(path.c_str())});
    std::vector<char*> envp = process::c_array(process.env);

    ::execveat(trampoline_fd, "", argv.data(), envp.data(), AT_EMPTY_PATH);
    int err = errno;
    // A seccomp profile may allow execve but not execveat: the same file through procfs.
    if ((err == EPERM || err == EACCES || err == ENOSYS) && proc_is_procfs()) {
        const std::string via = "/proc/self/fd/" + std::to_string(trampoline_fd);
        ::execve(via.c_str(), argv.data(), envp.data());
        err = errno;
    }
    return process::exec_error(err, path).context("start hull-trampoline");
}

} // namespace hull::runtime::exe_guard
