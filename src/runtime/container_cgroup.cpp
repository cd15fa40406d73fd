#include "runtime/container_cgroup.hpp"

namespace hull::runtime {

void save_cgroup_path(ContainerState& st, const std::string& path) {
    st.extra[kCgroupPathKey] = path;
}

Result<std::optional<cgroups::Cgroup>> container_cgroup(const ContainerState& st) {
    auto it = st.extra.find(kCgroupPathKey);
    if (it == st.extra.end() || !it->is_string()) return std::optional<cgroups::Cgroup>{};
    auto host = HULL_TRY_CTX(cgroups::detect(), "cgroups");
    return std::optional<cgroups::Cgroup>(cgroups::Cgroup::attach(host, it->get<std::string>()));
}

} // namespace hull::runtime
