// The one "open a container" step of every command that acts on an existing container
// (start, state, list, kill, delete, exec, update, pause, resume, ps, events):
//   validate the id -> open the root -> open and lock the container -> load state.json ->
//   derive the live status -> check the operation against it,
// giving a handle that also reaches the config snapshot and the cgroup, each loaded on first
// use (`state` and `list` never parse the config).
#pragma once

#include "cgroups/cgroups.hpp"
#include "hull/config.hpp"
#include "hull/error.hpp"
#include "state/state.hpp"
#include "state/store.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace hull::runtime {

class ContainerHandle {
  public:
    ContainerHandle(ContainerHandle&&) noexcept = default;
    ContainerHandle& operator=(ContainerHandle&&) noexcept = default;

    const std::string& id() const { return record_.id(); }
    // The state root the container lives under (--root).
    const std::string& root() const { return root_; }
    // The store record: its directory, lock, state.json and files.
    Container& record() { return record_; }
    const Container& record() const { return record_; }
    // state.json as read at open; save() it through record() after changing it.
    ContainerState& state() { return state_; }
    const ContainerState& state() const { return state_; }
    // The live status at open (derive_status).
    Status status() const { return status_; }

    // The config snapshot taken at create, read and parsed on the first call.
    Result<Config*> config();
    // Gives the handle the config this process already holds (`run` made the snapshot from
    // it), so config() need not read it back.
    void adopt_config(Config cfg) { config_ = std::move(cfg); }
    // The container's cgroup, attached on the first call; nullptr when the record has none.
    Result<cgroups::Cgroup*> cgroup();
    // The same, failing with "container <id> has no cgroup" when the record has none.
    Result<cgroups::Cgroup*> required_cgroup();

  private:
    friend Result<ContainerHandle> open_container(const Store&, std::string_view,
                                                  std::optional<Operation>, LockMode, StateDetail);
    ContainerHandle(std::string root, Container record, ContainerState state)
        : root_(std::move(root)), record_(std::move(record)), state_(std::move(state)) {}

    std::string root_;
    Container record_;
    ContainerState state_;
    Status status_ = Status::Stopped;
    std::optional<Config> config_;
    bool cgroup_loaded_ = false;
    std::optional<cgroups::Cgroup> cgroup_;
};

// Opens container `id` of `store` for `op`: takes the lock (`lock`), reads state.json,
// derives the live status and fails with check_operation's text (runc's) when `op` is not
// legal in it. Without an operation (state, list, exec before its own check) every status is
// accepted. The paused status is derived from the cgroup's freezer except for Kill, Delete
// and ForceDelete, which treat a paused container as running and need no cgroup to decide.
// A missing container fails with ENOENT "container <id> does not exist". `detail` Lean
// leaves the annotations unread (record().load_annotations(state()) reads them later, e.g.
// before a hook runs).
Result<ContainerHandle> open_container(const Store& store, std::string_view id,
                                       std::optional<Operation> op, LockMode lock,
                                       StateDetail detail = StateDetail::Full);
// The same after opening the store at `root` (created when missing, as every command does).
Result<ContainerHandle> open_container(const std::string& root, std::string_view id,
                                       std::optional<Operation> op,
                                       LockMode lock = LockMode::Exclusive,
                                       StateDetail detail = StateDetail::Full);

} // namespace hull::runtime
