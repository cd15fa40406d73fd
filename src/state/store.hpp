// The container store: one directory per container under the root (default /run/hull),
// holding state.json and whatever the runtime keeps there (exec.fifo, config snapshot, ...).
//
// Locking. A Container owns an fd on its directory and holds a flock() on it:
//   Exclusive  every command that changes the container (create, start, kill, delete, pause,
//              exec, update, ...). Commands on one container are serialised; a second `delete`
//              waiting for the first one finds the directory gone and reports
//              "container <id> does not exist".
//   Shared     readers that want a settled state; waits for writers.
//   None       `state` and `list` should use this. state.json is only ever replaced by
//              rename, so a lock-free read sees the old or the new record, never a torn one,
//              and the live status comes from /proc and exec.fifo anyway. This keeps `state`
//              from waiting behind a long `create` (slow hooks) or a foreground `run`, and lets
//              it report "creating" while `create` runs, as the spec describes.
// The lock belongs to the open file description: a child made by fork/clone that inherits the
// fd keeps the lock alive until it closes its copy (or execs, the fd is O_CLOEXEC). A container
// init that waits on exec.fifo must close Container::dirfd() right after clone, or `start`
// would wait for ever. A foreground `run` should unlock() while it waits for the container.
#pragma once

#include "hull/error.hpp"
#include "state/state.hpp"
#include "util/fd.hpp"

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace hull {

// Container ids: 1 to 255 characters from [A-Za-z0-9_+.-], not "." or "..". Error:
//   invalid container id "<id>": <reason>
Result<void> validate_id(std::string_view id);
// The id with control characters, '"', '\\' and non-ASCII bytes escaped (\n, \xNN): safe to
// put in a one-line message.
std::string printable_id(std::string_view id);

enum class LockMode { Exclusive, Shared, None };

// What Container::load reads: Full also reads the annotations (annotations.json, which may be
// large); Lean leaves ContainerState::annotations empty, for commands that do not print them.
enum class StateDetail { Full, Lean };

class Container {
  public:
    Container(Container&&) noexcept = default;
    Container& operator=(Container&&) noexcept = default;

    const std::string& id() const { return id_; }
    // <root>/<id>, for messages and for paths handed to other programs.
    const std::string& path() const { return path_; }
    // The container directory (O_RDONLY|O_DIRECTORY|O_CLOEXEC); -1 after destroy().
    int dirfd() const { return dir_.get(); }
    LockMode lock_mode() const { return mode_; }

    // state.json, replaced atomically. Needs the exclusive lock. The annotations go to
    // annotations.json the first time they are saved and are never rewritten: a state loaded
    // Lean can be saved without losing them.
    Result<void> save(const ContainerState&);
    // Reads state.json. A missing file reads as "container <id> does not exist" (ENOENT): the
    // directory is being created or destroyed.
    Result<ContainerState> load(StateDetail detail = StateDetail::Full) const;
    // Fills st.annotations from annotations.json (after a Lean load, e.g. before a hook runs).
    Result<void> load_annotations(ContainerState& st) const;

    // Files inside the container directory. Writes are atomic and need the exclusive lock.
    Result<void> write_file(std::string_view name, std::string_view data, mode_t mode = 0600);
    Result<std::string> read_file(std::string_view name) const;
    Result<bool> has_file(std::string_view name) const;

    // Removes everything in the directory (continuing past failures; state.json last, so a failed
    // destroy, e.g. EBUSY on a mount left inside, keeps the record for a retry), then the directory
    // itself, while the exclusive lock is held. Afterwards the object is dead: dirfd() is -1 and
    // the id is free.
    Result<void> destroy();

    // Drops the lock but keeps the directory open; lock() takes it again (blocking) and
    // re-checks that the directory was not destroyed in between.
    void unlock();
    Result<void> lock(LockMode mode);

  private:
    friend class Store;
    Container(std::string id, std::string path, UniqueFd root, UniqueFd dir, LockMode mode)
        : id_(std::move(id)), path_(std::move(path)), root_(std::move(root)), dir_(std::move(dir)),
          mode_(mode) {}
    Result<void> need_exclusive(std::string_view what) const;

    std::string id_;
    std::string path_;
    UniqueFd root_;
    UniqueFd dir_;
    LockMode mode_ = LockMode::None;
};

class Store {
  public:
    // mkdir -p <root> (0700) and open it.
    static Result<Store> open_root(std::string root);

    const std::string& root() const { return root_; }
    int rootfd() const { return rootfd_.get(); }

    // Reserves <id> atomically and returns it locked exclusively. The directory is built
    // under a temp name (".tmp~XXXXXXXX", '~' is not valid in ids) and renamed into place
    // with RENAME_NOREPLACE. An existing id fails with EEXIST:
    //   container with given ID already exists: <id>
    // With `initial`, state.json is written before the rename, so the container never appears
    // without a record.
    Result<Container> create(std::string_view id);
    Result<Container> create(std::string_view id, const ContainerState& initial);

    // Opens <id> and takes the lock (blocking). A missing container, or one destroyed while we
    // waited, fails with ENOENT: container <id> does not exist
    Result<Container> open(std::string_view id, LockMode mode = LockMode::Exclusive) const;

    // The container ids present, sorted. Temp directories and stray entries are skipped;
    // temp directories of a dead `create` are removed first (remove_stale_temps(0)).
    Result<std::vector<std::string>> list() const;

    // Removes temp directories left by a `create` that died before its rename, when unlocked
    // and older than min_age. create(), list() and `delete` call it with 0: a `create` that
    // finds its fresh temp directory swept before it took the lock takes another name.
    Result<void> remove_stale_temps(std::chrono::seconds min_age) const;

  private:
    Store(std::string root, UniqueFd fd) : root_(std::move(root)), rootfd_(std::move(fd)) {}
    Result<Container> create_impl(std::string_view id, const ContainerState* initial);

    std::string root_;
    UniqueFd rootfd_;
};

} // namespace hull
