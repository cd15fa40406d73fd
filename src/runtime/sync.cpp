#include "runtime/sync.hpp"

#include "util/io.hpp"

#include <sys/socket.h>

#include <array>
#include <cstring>

namespace hull::runtime {
namespace {

struct Header {
    uint32_t type;
    int32_t err;
};
constexpr size_t kMaxText = 8192;

Result<SyncMessage> recv_message(int fd, int flags);
Result<SyncMessage> recv_pending(int fd);

std::string_view name(SyncMsg m) {
    switch (m) {
    case SyncMsg::MapsWritten:
        return "maps-written";
    case SyncMsg::CreateHooks:
        return "create-hooks";
    case SyncMsg::CreateHooksDone:
        return "create-hooks-done";
    case SyncMsg::Ready:
        return "ready";
    case SyncMsg::Detach:
        return "detach";
    case SyncMsg::Detached:
        return "detached";
    case SyncMsg::Error:
        return "error";
    case SyncMsg::CgroupPlaced:
        return "cgroup-placed";
    case SyncMsg::Cloned:
        return "cloned";
    }
    return "unknown";
}

} // namespace

Result<SyncPair> make_sync_pair() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
        return fail_errno("socketpair");
    return SyncPair{.parent = UniqueFd(fds[0]), .child = UniqueFd(fds[1])};
}

Result<void> sync_send(int fd, SyncMsg type, std::string_view text, int err) {
    std::array<char, sizeof(Header) + kMaxText> buf;
    Header h{.type = static_cast<uint32_t>(type), .err = err};
    std::memcpy(buf.data(), &h, sizeof h);
    size_t n = std::min(text.size(), kMaxText);
    if (n > 0) std::memcpy(buf.data() + sizeof h, text.data(), n); // data() may be null
    const ssize_t w =
        io::retry_eintr([&] { return send(fd, buf.data(), sizeof h + n, MSG_NOSIGNAL); });
    if (w < 0) {
        int err = errno;
        // The peer is gone (EPIPE) or went away with our last message unread (ECONNRESET):
        // it usually said why before it exited, and that report is what the caller needs.
        if (err == EPIPE || err == ECONNRESET)
            if (auto m = recv_pending(fd); m && m->type == SyncMsg::Error)
                return std::unexpected(Error(m->err, m->text));
        return fail_sys(err, "sync: send " + std::string(name(type)));
    }
    return {};
}

void sync_send_error(int fd, const Error& e) {
    (void)sync_send(fd, SyncMsg::Error, e.message(), e.err());
}

Result<SyncMessage> sync_recv(int fd) {
    return recv_message(fd, 0);
}

namespace {

Result<SyncMessage> recv_message(int fd, int flags) {
    std::array<char, sizeof(Header) + kMaxText> buf;
    // A peer that closed with unread data leaves ECONNRESET pending on our socket; it is
    // reported once, before the messages the peer sent ahead of closing (its error report).
    auto receive = [&] {
        return io::retry_eintr([&] { return recv(fd, buf.data(), buf.size(), flags); });
    };
    ssize_t r = receive();
    if (r < 0 && errno == ECONNRESET) r = receive();
    if (r < 0) return fail_errno("sync: receive");
    if (r == 0) return fail("the container init exited unexpectedly");
    if (static_cast<size_t>(r) < sizeof(Header)) return fail("sync: short message");
    Header h;
    std::memcpy(&h, buf.data(), sizeof h);
    SyncMessage m;
    m.type = static_cast<SyncMsg>(h.type);
    m.err = h.err;
    m.text.assign(buf.data() + sizeof h, static_cast<size_t>(r) - sizeof h);
    return m;
}

Result<SyncMessage> recv_pending(int fd) {
    return recv_message(fd, MSG_DONTWAIT);
}

} // namespace

Result<void> sync_expect(int fd, SyncMsg want) {
    auto m = HULL_TRY(sync_recv(fd));
    if (m.type == SyncMsg::Error) return std::unexpected(Error(m.err, m.text));
    if (m.type != want)
        return fail("sync: expected " + std::string(name(want)) + ", got " +
                    std::string(name(m.type)));
    return {};
}

} // namespace hull::runtime
