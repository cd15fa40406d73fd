// What `hull features` reports for linux.seccomp: probed from libseccomp and the kernel.
#include "seccomp/internal.hpp"
#include "seccomp/seccomp.hpp"

#include <seccomp.h>

#include <algorithm>

namespace hull::seccomp {

namespace detail {
bool kernel_has_flag(unsigned bit);
bool kernel_has_action(uint32_t action);
} // namespace detail

namespace {

// The oldest libseccomp API level that can generate an action (seccomp_api_get(3)).
unsigned api_needed(SeccompAction a) {
    switch (a) {
    case SeccompAction::KillProcess:
    case SeccompAction::Log:
        return 3;
    case SeccompAction::Notify:
        return 5;
    default:
        return 1;
    }
}

template <class E> std::vector<std::string> all_names() {
    std::vector<std::string> v;
    for (auto n : enum_names<E>())
        v.emplace_back(n);
    return v;
}

} // namespace

Support probe_support() {
    Support s;
    unsigned api = ::seccomp_api_get();
    for (auto name : enum_names<SeccompAction>()) {
        auto a = *parse_enum<SeccompAction>(name);
        if (api < api_needed(a)) continue;
        // SECCOMP_GET_ACTION_AVAIL looks at the action bits only.
        if (!detail::kernel_has_action(detail::action_value(a, 0) & SECCOMP_RET_ACTION_FULL))
            continue;
        s.actions.emplace_back(name);
    }
    std::sort(s.actions.begin(), s.actions.end());
    s.operators = all_names<SeccompOperator>();
    std::sort(s.operators.begin(), s.operators.end());
    for (auto name : enum_names<SeccompArch>())
        if (detail::arch_token(*parse_enum<SeccompArch>(name))) s.archs.emplace_back(name);
    std::sort(s.archs.begin(), s.archs.end());
    s.known_flags = all_names<SeccompFlag>();
    for (auto name : enum_names<SeccompFlag>())
        if (detail::kernel_has_flag(detail::flag_bit(*parse_enum<SeccompFlag>(name))))
            s.supported_flags.emplace_back(name);
    const scmp_version* v = ::seccomp_version();
    s.libseccomp_version = v ? std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                                   std::to_string(v->micro)
                             : "unknown";
    return s;
}

} // namespace hull::seccomp
