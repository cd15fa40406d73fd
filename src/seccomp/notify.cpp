// SCMP_ACT_NOTIFY: the message to listenerPath and the handoff of the notify fd.
#include "seccomp/seccomp.hpp"
#include "sys/fdpass.hpp"

#include <nlohmann/json.hpp>

namespace hull::seccomp {

std::string listener_message(const Launch& launch, int host_pid, std::string_view state_json) {
    nlohmann::ordered_json m;
    m["ociVersion"] = launch.oci_version;
    m["fds"] = {"seccompFd"};
    m["pid"] = host_pid;
    m["metadata"] = launch.metadata;
    m["state"] = nlohmann::ordered_json::parse(state_json, nullptr, false);
    return m.dump();
}

Result<void> install(Launch& launch, std::string_view message) {
    // Between here and the end nothing allocates and the only syscalls are seccomp(2),
    // sendmsg(2) and close(2) (docs/seccomp.md, "After the filter").
    UniqueFd notify = HULL_TRY(load(launch.program));
    if (!notify) return {};
    if (!launch.listener)
        return fail("seccomp: the profile uses SCMP_ACT_NOTIFY but there is no listener");
    auto sent = fdpass::send_fd(launch.listener.get(), notify.get(), message);
    launch.listener.reset();
    notify.reset();
    return with_context(std::move(sent), "send the seccomp notify fd to the listener");
}

std::function<Result<void>()> loader(Launch& launch, int host_pid, std::string_view state_json) {
    return [&launch, msg = listener_message(launch, host_pid, state_json)] {
        return install(launch, msg);
    };
}

} // namespace hull::seccomp
