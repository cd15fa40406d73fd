// setns with a namespace type check; see sys/ns.hpp.
#include "sys/ns.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>

#include <cerrno>

namespace hull::sys {

std::string_view namespace_type_name(int nstype) {
    for (const auto& k : kNamespaceKinds)
        if (k.flag == nstype) return k.oci_name;
    return "unknown";
}

std::optional<int> namespace_type_flag(std::string_view name) {
    for (const auto& k : kNamespaceKinds)
        if (k.oci_name == name) return k.flag;
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
