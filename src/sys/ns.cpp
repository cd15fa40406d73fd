// setns with a namespace type check; see sys/ns.hpp.
#include "sys/ns.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>

#include <array>
#include <cerrno>
#include <utility>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

namespace hull::sys {
namespace {

constexpr std::array<std::pair<int, std::string_view>, 8> kTypes{{
    {CLONE_NEWPID, "pid"},
    {CLONE_NEWNET, "network"},
    {CLONE_NEWNS, "mount"},
    {CLONE_NEWIPC, "ipc"},
    {CLONE_NEWUTS, "uts"},
    {CLONE_NEWUSER, "user"},
    {CLONE_NEWCGROUP, "cgroup"},
    {CLONE_NEWTIME, "time"},
}};

} // namespace

std::string_view namespace_type_name(int nstype) {
    for (const auto& [flag, name] : kTypes)
        if (flag == nstype) return name;
    return "unknown";
}

std::optional<int> namespace_type_flag(std::string_view name) {
    for (const auto& [flag, n] : kTypes)
        if (n == name) return flag;
    return std::nullopt;
}

Result<UniqueFd> open_namespace(const std::string& path, int nstype) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return fail_errno("open namespace " + path);
    int actual = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (actual < 0 && errno != ENOTTY) return fail_errno("ioctl NS_GET_NSTYPE " + path);
    if (actual != nstype) {
        return std::unexpected(Error(
            EINVAL, path + " is not a " + std::string(namespace_type_name(nstype)) + " namespace"));
    }
    return fd;
}

Result<void> join_namespace(int nsfd, int nstype) {
    if (::setns(nsfd, nstype) < 0)
        return fail_errno("setns " + std::string(namespace_type_name(nstype)));
    return {};
}

Result<void> join_namespace(const std::string& path, int nstype) {
    UniqueFd fd = HULL_TRY(open_namespace(path, nstype));
    return with_context(join_namespace(fd.get(), nstype), path);
}

} // namespace hull::sys
