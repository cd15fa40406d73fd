// Writing /proc/<pid> files, refusing anything that is not procfs.
#include "process/steps.hpp"

#include "util/fd.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <string>

namespace hull::process {

Result<void> write_proc_self(std::string_view name, std::string_view data) {
    return write_proc_of("self", name, data);
}

Result<void> write_proc_of(std::string_view pid, std::string_view name, std::string_view data) {
    std::string path = "/proc/" + std::string(pid) + "/" + std::string(name);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        int err = errno;
        return fail_sys(err, "open " + path);
    }
    struct statfs sfs {};
    if (::fstatfs(fd.get(), &sfs) != 0) {
        int err = errno;
        return fail_sys(err, "fstatfs " + path);
    }
    if (sfs.f_type != PROC_SUPER_MAGIC) return fail(path + " is not on procfs");
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n < 0) {
        int err = errno;
        return fail_sys(err, "write " + path);
    }
    if (static_cast<size_t>(n) != data.size()) return fail_sys(EIO, "short write to " + path);
    return {};
}

} // namespace hull::process
