// The container store: root directory, id validation, create/open/list, and the Container's
// file and lifetime operations.
#include "state/store.hpp"

#include "state/lock.hpp"
#include "util/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace hull {

using store_detail::Identity;

namespace {

constexpr std::string_view kStateFile = "state.json";
// The annotations live beside state.json, written once: they never change after create and
// may be large (a 50 MB annotation must not be re-read by kill or start).
constexpr std::string_view kAnnotationsFile = "annotations.json";
constexpr const char* kAnnotationsKey = "annotationsFile"; // in state.json: whether it exists
constexpr std::string_view kTempPrefix = ".tmp~";
// How often open() follows an id that was destroyed and recreated while it waited.
constexpr int kOpenAttempts = 16;

std::unexpected<Error> does_not_exist(std::string_view id) {
    return std::unexpected(Error(ENOENT, "container " + std::string(id) + " does not exist"));
}

std::string temp_name() {
    unsigned char b[4] = {};
    if (getrandom(b, sizeof b, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof b)) {
        struct timespec ts {};
        clock_gettime(CLOCK_MONOTONIC, &ts);
        auto v = static_cast<unsigned>(ts.tv_nsec) ^ static_cast<unsigned>(getpid());
        for (int i = 0; i < 4; i++)
            b[i] = static_cast<unsigned char>(v >> (8 * i));
    }
    char out[16];
    std::snprintf(out, sizeof out, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
    return std::string(kTempPrefix) + out;
}

Result<UniqueFd> open_container_dir(int rootfd, const std::string& name) {
    UniqueFd fd(::openat(rootfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) return fail_errno("open " + name);
    return fd;
}

Result<UniqueFd> dup_fd(int fd) {
    UniqueFd out(::fcntl(fd, F_DUPFD_CLOEXEC, 3));
    if (!out) return fail_errno("dup");
    return out;
}

std::string join(const std::string& root, std::string_view id) {
    std::string p = root;
    if (p.empty() || p.back() != '/') p += '/';
    p += id;
    return p;
}

// Writes state.json without the annotations, and annotations.json (once) when there are any.
// state.json says whether annotations.json exists ("annotationsFile"), so that reading the
// state (`list` reads a thousand) need not look for it.
Result<void> write_state(int dirfd, const ContainerState& st) {
    bool have = HULL_TRY(fs::exists(dirfd, kAnnotationsFile));
    if (!st.annotations.empty() && !have) {
        HULL_TRY(fs::write_file_atomic(dirfd, kAnnotationsFile,
                                       nlohmann::json(st.annotations).dump(), 0600));
        have = true;
    }
    ContainerState lean{.id = st.id,
                        .pid = st.pid,
                        .pid_start_time = st.pid_start_time,
                        .status = st.status,
                        .bundle = st.bundle,
                        .rootfs = st.rootfs,
                        .created = st.created,
                        .owner = st.owner,
                        .annotations = {},
                        .extra = st.extra};
    lean.extra[kAnnotationsKey] = have;
    // One line (dump() escapes every newline in a string) ending in '\n': a reader needs a
    // single read() (fs::read_line_file).
    return fs::write_file_atomic(dirfd, kStateFile, to_persisted_json(lean).dump() + "\n", 0600);
}

} // namespace

// ---- root and ids ----

// The id as it may appear in a message: control characters, quotes, backslashes and bytes
// above 0x7e escaped, so a hostile id cannot split or forge lines of a log a caller parses.
std::string printable_id(std::string_view id) {
    std::string out;
    for (unsigned char c : id) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c < 0x20 || c > 0x7e) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

Result<void> validate_id(std::string_view id) {
    auto invalid = [&](std::string_view why) {
        return fail_sys(EINVAL,
                        "invalid container id \"" + printable_id(id) + "\": " + std::string(why));
    };
    if (id.empty()) return invalid("empty");
    if (id.size() > 255) return invalid("longer than 255 characters");
    if (id == "." || id == "..") return invalid("reserved name");
    for (unsigned char c : id) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '+' || c == '-' || c == '.';
        if (!ok) return invalid("only letters, digits, '_', '+', '-' and '.' are allowed");
    }
    return {};
}

// ---- Store ----

Result<Store> Store::open_root(std::string root) {
    if (root.empty()) return fail_sys(EINVAL, "empty state root");
    // It exists but the first time: open first, make it only when missing.
    auto fd = fs::open_dir(AT_FDCWD, root, fs::DirAccess::Read, fs::Symlinks::Follow);
    if (!fd && fd.error().err() == ENOENT) {
        HULL_TRY_CTX(fs::mkdir_all(root, 0700), "create state root");
        fd = fs::open_dir(AT_FDCWD, root, fs::DirAccess::Read, fs::Symlinks::Follow);
    }
    if (!fd) return std::unexpected(std::move(fd).error());
    return Store(std::move(root), std::move(*fd));
}

Result<Container> Store::create(std::string_view id) {
    return create_impl(id, nullptr);
}

Result<Container> Store::create(std::string_view id, const ContainerState& initial) {
    return create_impl(id, &initial);
}

Result<Container> Store::create_impl(std::string_view id, const ContainerState* initial) {
    HULL_TRY(validate_id(id));
    std::string name(id);
    std::string ctx = "create container " + name;
    // A `create` killed before its rename leaves its temp directory behind, unlocked.
    (void)remove_stale_temps(std::chrono::seconds(0));

    std::string tmp;
    auto cleanup = [&] { (void)fs::remove_tree(rootfd(), tmp); };
    Result<UniqueFd> dir;
    for (int attempt = 0;; attempt++) {
        tmp = temp_name();
        if (::mkdirat(rootfd(), tmp.c_str(), 0700) < 0) {
            if (errno != EEXIST || attempt > 100) return fail_errno(ctx + ": mkdir " + tmp);
            continue;
        }
        dir = open_container_dir(rootfd(), tmp);
        if (!dir && dir.error().err() == ENOENT && attempt < 100) continue; // swept already
        if (!dir) {
            cleanup();
            return std::unexpected(std::move(dir).error().context(ctx));
        }
        if (auto r = store_detail::take_lock(dir->get(), LockMode::Exclusive); !r) {
            cleanup();
            return std::unexpected(std::move(r).error().context(ctx));
        }
        // Between our mkdir and our flock the directory looked dead: another command's sweep
        // may have removed it. Then take another name.
        auto same = store_detail::check_identity(rootfd(), tmp, dir->get());
        if (same && *same == Identity::Same) break;
        if (attempt > 100) return fail_sys(EAGAIN, ctx + ": the temp directory keeps vanishing");
    }
    if (initial) {
        auto r = write_state(dir->get(), *initial);
        if (!r) {
            cleanup();
            return std::unexpected(std::move(r).error().context(ctx));
        }
    }
    if (::renameat2(rootfd(), tmp.c_str(), rootfd(), name.c_str(), RENAME_NOREPLACE) < 0) {
        int err = errno;
        if (err != EINVAL && err != ENOSYS) {
            cleanup();
            if (err == EEXIST)
                return std::unexpected(
                    Error(EEXIST, "container with given ID already exists: " + name));
            return fail_sys(err, ctx + ": rename into place");
        }
        // A filesystem without RENAME_NOREPLACE: fall back to an exclusive mkdir. The new
        // directory is unlocked for a moment before we flock it.
        cleanup();
        if (::mkdirat(rootfd(), name.c_str(), 0700) < 0) {
            if (errno == EEXIST)
                return std::unexpected(
                    Error(EEXIST, "container with given ID already exists: " + name));
            return fail_errno(ctx + ": mkdir");
        }
        dir = HULL_TRY_CTX(open_container_dir(rootfd(), name), ctx);
        HULL_TRY_CTX(store_detail::take_lock(dir->get(), LockMode::Exclusive), ctx);
        if (initial) HULL_TRY_CTX(write_state(dir->get(), *initial), ctx);
    }
    auto root = HULL_TRY_CTX(dup_fd(rootfd()), ctx);
    return Container(name, join(root_, name), std::move(root), std::move(*dir),
                     LockMode::Exclusive);
}

Result<Container> Store::open(std::string_view id, LockMode mode) const {
    HULL_TRY(validate_id(id));
    std::string name(id);
    for (int attempt = 0; attempt < kOpenAttempts; attempt++) {
        UniqueFd dir(
            ::openat(rootfd(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!dir) {
            // ENOTDIR/ELOOP: something that is not a container directory sits at the name.
            if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) return does_not_exist(id);
            return fail_errno("open container " + name);
        }
        HULL_TRY_CTX(store_detail::take_lock(dir.get(), mode), "open container " + name);
        // Under a lock, the directory must still be the one at the name (a destroy may have
        // run between our open and our lock). Without one (state, list) nothing holds it
        // anyway: a reader copes with a container that goes (state.json reads as missing).
        if (mode != LockMode::None) {
            auto same = HULL_TRY_CTX(store_detail::check_identity(rootfd(), name, dir.get()),
                                     "open container " + name);
            if (same == Identity::Gone) return does_not_exist(id);
            if (same == Identity::Replaced) continue; // destroyed and re-created meanwhile
        }
        // The root is kept for destroy and lock, which an unlocked open (state, list) never
        // does: it goes without (a thousand fewer dup/close pairs for `list`).
        UniqueFd root;
        if (mode != LockMode::None) root = HULL_TRY(dup_fd(rootfd()));
        return Container(name, join(root_, name), std::move(root), std::move(dir), mode);
    }
    return fail_sys(EAGAIN, "open container " + name + ": it keeps being re-created");
}

Result<std::vector<std::string>> Store::list() const {
    // One pass over the root: its d_type says which entries are directories (list reads a
    // thousand of them); a stat only where the file system does not say.
    auto entries = HULL_TRY_CTX(fs::list_dir_typed(rootfd()), "list " + root_);
    std::vector<std::string> ids;
    bool temps = false;
    for (auto& [n, type] : entries) {
        if (n.starts_with(kTempPrefix)) temps = true;
        if (!validate_id(n)) continue;
        if (type == DT_UNKNOWN) {
            struct stat st {};
            if (::fstatat(rootfd(), n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISDIR(st.st_mode))
                type = DT_DIR;
        }
        if (type == DT_DIR) ids.push_back(std::move(n));
    }
    if (temps) (void)remove_stale_temps(std::chrono::seconds(0));
    std::ranges::sort(ids);
    return ids;
}

Result<void> Store::remove_stale_temps(std::chrono::seconds min_age) const {
    auto names = HULL_TRY_CTX(fs::list_dir(rootfd()), "list " + root_);
    struct timespec now {};
    clock_gettime(CLOCK_REALTIME, &now);
    for (const auto& n : names) {
        if (!n.starts_with(kTempPrefix)) continue;
        auto dir = open_container_dir(rootfd(), n);
        if (!dir) continue;
        struct stat st {};
        if (::fstat(dir->get(), &st) < 0) continue;
        if (now.tv_sec - st.st_mtim.tv_sec < min_age.count()) continue;
        auto locked = store_detail::try_lock(dir->get(), LockMode::Exclusive);
        if (!locked || !*locked) continue; // its `create` is still running
        // Removed while locked: a `create` that reaches its flock later fails its rename.
        (void)fs::remove_tree(rootfd(), n);
    }
    return {};
}

// ---- Container ----

Result<void> Container::need_exclusive(std::string_view what) const {
    if (!dir_) return fail_sys(EBADF, std::string(what) + ": container " + id_ + " was destroyed");
    if (mode_ != LockMode::Exclusive)
        return fail_sys(EPERM,
                        std::string(what) + ": container " + id_ + " is not locked exclusively");
    return {};
}

Result<void> Container::save(const ContainerState& st) {
    HULL_TRY(need_exclusive("save state"));
    return with_context(write_state(dir_.get(), st), "save state of container " + id_);
}

Result<ContainerState> Container::load(StateDetail detail) const {
    if (!dir_) return does_not_exist(id_);
    auto text = fs::read_line_file(dir_.get(), kStateFile);
    if (!text) {
        if (text.error().err() == ENOENT) return does_not_exist(id_);
        return std::unexpected(std::move(text).error().context("load container " + id_));
    }
    auto st = HULL_TRY_CTX(from_persisted_json(*text), "load container " + id_);
    if (st.id != id_)
        return fail_sys(EINVAL, "load container " + id_ + ": state.json names \"" + st.id + "\"");
    // Written by an older hull: no word on annotations.json, so look for it.
    auto marker = st.extra.find(kAnnotationsKey);
    const bool file = marker == st.extra.end() || *marker != false;
    if (marker != st.extra.end()) st.extra.erase(marker);
    if (detail == StateDetail::Full && file) HULL_TRY(load_annotations(st));
    return st;
}

Result<void> Container::load_annotations(ContainerState& st) const {
    if (!dir_) return does_not_exist(id_);
    auto text = fs::read_file(dir_.get(), kAnnotationsFile);
    if (!text && text.error().err() == ENOENT) return {}; // none, or kept in state.json
    if (!text) return std::unexpected(std::move(text).error().context("load container " + id_));
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (!j.is_object())
        return fail_sys(EINVAL, "load container " + id_ + ": annotations.json is not an object");
    st.annotations.clear();
    for (auto& [k, v] : j.items()) {
        if (!v.is_string())
            return fail_sys(EINVAL, "load container " + id_ + ": annotations.json: " + k +
                                        " is not a string");
        st.annotations.emplace(k, v.get<std::string>());
    }
    return {};
}

Result<void> Container::write_file(std::string_view name, std::string_view data, mode_t mode) {
    HULL_TRY(need_exclusive("write " + std::string(name)));
    return with_context(fs::write_file_atomic(dir_.get(), name, data, mode), "container " + id_);
}

Result<std::string> Container::read_file(std::string_view name) const {
    if (!dir_) return does_not_exist(id_);
    return with_context(fs::read_file(dir_.get(), name), "container " + id_);
}

Result<bool> Container::has_file(std::string_view name) const {
    if (!dir_) return does_not_exist(id_);
    return with_context(fs::exists(dir_.get(), name), "container " + id_);
}

Result<void> Container::destroy() {
    HULL_TRY(need_exclusive("destroy"));
    std::string ctx = "destroy container " + id_;
    auto names = HULL_TRY_CTX(fs::list_dir(dir_.get()), ctx);
    // Remove as much as possible; the first failure is reported and keeps the record.
    Result<void> first_error;
    for (const auto& n : names) {
        if (n == kStateFile) continue;
        auto r = fs::remove_tree(dir_.get(), n);
        if (!r && first_error) first_error = std::unexpected(std::move(r).error().context(ctx));
    }
    if (!first_error) return first_error;
    if (::unlinkat(dir_.get(), std::string(kStateFile).c_str(), 0) < 0 && errno != ENOENT)
        return fail_errno(ctx + ": remove state.json");
    if (::unlinkat(root_.get(), id_.c_str(), AT_REMOVEDIR) < 0)
        return fail_errno(ctx + ": remove " + path_);
    // Closing the last fd releases the lock; waiters then see nlink 0.
    dir_.reset();
    root_.reset();
    mode_ = LockMode::None;
    return {};
}

void Container::unlock() {
    if (dir_ && mode_ != LockMode::None) store_detail::drop_lock(dir_.get());
    mode_ = LockMode::None;
}

Result<void> Container::lock(LockMode mode) {
    if (!dir_) return does_not_exist(id_);
    if (!root_) return fail_sys(EBADF, "lock container " + id_ + ": opened without a lock");
    unlock();
    HULL_TRY_CTX(store_detail::take_lock(dir_.get(), mode), "lock container " + id_);
    auto same = HULL_TRY_CTX(store_detail::check_identity(root_.get(), id_, dir_.get()),
                             "lock container " + id_);
    if (same != Identity::Same) {
        store_detail::drop_lock(dir_.get());
        dir_.reset();
        root_.reset();
        return does_not_exist(id_);
    }
    mode_ = mode;
    return {};
}

} // namespace hull
