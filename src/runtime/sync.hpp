// The channel between `hull create` (the parent) and the container init it cloned: a
// SOCK_SEQPACKET socketpair carrying small typed messages, one per datagram. Any failure in
// the init travels back as an Error message with errno and text, so `create` fails naming
// the step that failed inside the container.
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace hull::runtime {

enum class SyncMsg : uint32_t {
    MapsWritten = 1, // parent -> init: uid/gid maps are in place, go on
    CreateHooks,     // init -> parent: run prestart + createRuntime now
    CreateHooksDone, // parent -> init: they succeeded
    Ready,           // init -> parent: environment built, waiting for start
    Detach,          // parent -> init: state saved; stop watching for the parent's death
    Detached,        // init -> parent: done, the parent may exit
    Error,           // either way: a failure, with errno and text
    CgroupPlaced,    // parent -> init: you are in your cgroup (unshare the cgroup namespace)
    Cloned,          // joiner -> parent: "<init pid> <in cgroup 0|1>"; its pidfd follows
};

struct SyncMessage {
    SyncMsg type = SyncMsg::Error;
    int err = 0;
    std::string text;
};

struct SyncPair {
    UniqueFd parent;
    UniqueFd child;
};
Result<SyncPair> make_sync_pair();

Result<void> sync_send(int fd, SyncMsg type, std::string_view text = {}, int err = 0);
// Sends an Error message carrying `e`.
void sync_send_error(int fd, const Error& e);
// Receives one message; EOF means the peer died and reads as an error.
Result<SyncMessage> sync_recv(int fd);
// Receives one message and requires it to be `want`; an Error message becomes the returned
// error (with the peer's errno and text).
Result<void> sync_expect(int fd, SyncMsg want);

} // namespace hull::runtime
