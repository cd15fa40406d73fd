// Module-private: the flock() and identity checks behind Container locking.
#pragma once

#include "hull/error.hpp"
#include "state/store.hpp"

#include <string_view>

namespace hull::store_detail {

// flock(fd, LOCK_EX/LOCK_SH), waiting and retrying on EINTR. LockMode::None does nothing.
Result<void> take_lock(int fd, LockMode mode);
// Non-blocking attempt; false when someone else holds a conflicting lock.
Result<bool> try_lock(int fd, LockMode mode);
void drop_lock(int fd);

enum class Identity {
    Same,     // <rootfd>/<name> is still the directory open as dirfd
    Gone,     // the directory was removed (nlink 0) and nothing is at <name>
    Replaced, // <name> now names another directory: reopen
};
// Called after taking the lock: a directory destroyed while we waited has nlink 0.
Result<Identity> check_identity(int rootfd, std::string_view name, int dirfd);

} // namespace hull::store_detail
