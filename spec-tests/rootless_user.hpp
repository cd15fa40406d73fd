// The unprivileged user of the [rootless] spec tests: made with useradd the first time a test
// asks for it, with a subuid and a subgid range of its own, and removed (account, ranges,
// runtime directory) when the test binary exits. hull runs as that user through
// setpriv(1) --reuid/--regid/--clear-groups (no setuid helper of our own), with
// XDG_RUNTIME_DIR set to a private directory of the user's.
#pragma once

#include "harness.hpp"

#include <sys/types.h>

#include <string>
#include <vector>

namespace spectest {

struct RootlessUser {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    uint32_t sub_start = 0; // its range in /etc/subuid and /etc/subgid
    uint32_t sub_count = 0;
    std::string runtime_dir; // its XDG_RUNTIME_DIR
};

// The user, made on first use (a REQUIREd failure when useradd is missing).
const RootlessUser& rootless_user();

// The environment hull gets as that user: PATH, HOME, USER, and XDG_RUNTIME_DIR unless
// `with_xdg` is false.
std::vector<std::string> rootless_env(bool with_xdg = true);

// Runs `hull args...` as the user (no --root added).
RunResult run_hull_as_user(const std::vector<std::string>& args, const RunOptions& opts = {});

// Makes the bundle usable by the user: the directories above it searchable, the bundle and
// its state root the user's.
void give_bundle_to_user(const Bundle& b);

// One id-map entry as config.json spells it: [{containerID, hostID, size}].
nlohmann::json one_map(unsigned container_id, unsigned host_id, unsigned size);

// The bundle's config (base_config()) in a user namespace mapping root to the user alone,
// without the tty group (not mapped), and the bundle given to the user.
void make_rootless(Bundle& b);

// Removes the user (main() calls it at exit; a no-op when it was never made).
void remove_rootless_user();

} // namespace spectest
