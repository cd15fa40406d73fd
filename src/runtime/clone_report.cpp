// Reporting a child cloned by a helper; see clone_report.hpp.
#include "runtime/clone_report.hpp"

#include "runtime/sync.hpp"
#include "sys/fdpass.hpp"
#include "sys/pidfd.hpp"

#include <csignal>
#include <cstdio>
#include <string>

namespace hull::runtime {

Result<void> report_clone(int sock, const sys::CloneResult& child) {
    const std::string text = std::to_string(child.pid) + (child.in_cgroup ? " 1" : " 0");
    auto sent = sync_send(sock, SyncMsg::Cloned, text);
    if (sent) sent = fdpass::send_fd(sock, child.pidfd.get(), "pidfd");
    if (!sent) {
        (void)sys::pidfd_send_signal(child.pidfd.get(), SIGKILL);
        return std::unexpected(sent.error());
    }
    return {};
}

Result<sys::CloneResult> receive_clone(int sock, std::string_view helper) {
    auto m = HULL_TRY(sync_recv(sock));
    if (m.type == SyncMsg::Error) return std::unexpected(Error(m.err, m.text));
    sys::CloneResult res;
    int in_cgroup = 0;
    if (m.type != SyncMsg::Cloned ||
        std::sscanf(m.text.c_str(), "%d %d", &res.pid, &in_cgroup) != 2 || res.pid <= 0)
        return fail("unexpected message from the " + std::string(helper));
    res.in_cgroup = in_cgroup != 0;
    res.used_clone3 = true;
    auto got = fdpass::recv_fd(sock);
    if (!got) {
        // The child is our own and not reaped yet, so its pid is still its own.
        if (auto fd = sys::pidfd_open(res.pid)) (void)sys::pidfd_send_signal(fd->get(), SIGKILL);
        return std::unexpected(got.error().context("receive the pidfd of the child"));
    }
    res.pidfd = std::move(got->first);
    return res;
}

} // namespace hull::runtime
