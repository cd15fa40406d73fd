#include "runtime/container_cgroup.hpp"

namespace hull::runtime {
Result<cgroups::Host> cgroup_host() {
    static std::optional<cgroups::Host> host;
    if (!host) host = HULL_TRY_CTX(cgroups::detect(), "cgroups");
    return *host;
}

void save_cgroup_path(ContainerState& st, const cgroups::Placement& where) {
    st.extra[kCgroupPathKey] = where.path;
    if (!where.per_mount.empty()) st.extra[kCgroupPathsKey] = where.per_mount;
}

Result<std::optional<cgroups::Cgroup>> container_cgroup(const ContainerState& st) {
    auto it = st.extra.find(kCgroupPathKey);
    if (it == st.extra.end() || !it->is_string()) return std::optional<cgroups::Cgroup>{};
    auto host = HULL_TRY(cgroup_host());
    cgroups::Placement where{.path = it->get<std::string>(), .per_mount = {}};
    if (auto per = st.extra.find(kCgroupPathsKey); per != st.extra.end() && per->is_object())
        for (const auto& [mount, path] : per->items())
            if (path.is_string()) where.per_mount[mount] = path.get<std::string>();
    return std::optional<cgroups::Cgroup>(cgroups::Cgroup::attach(host, std::move(where)));
}

} // namespace hull::runtime
