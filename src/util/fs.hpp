// hull::fs: small fd-relative file helpers.
//
// Everything a caller may read while we write it (state.json, --pid-file) goes through
// write_file_atomic: the data lands in a fresh temp file in the same directory and is renamed
// over the target, so readers see the old or the new content, never a torn one. Reads and
// removals never follow a symlink in the last component; remove_tree never follows one at all
// and never crosses into another mount.
#pragma once

#include "hull/error.hpp"
#include "util/fd.hpp"

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace hull::fs {

// Writes `data` to `name` (relative to dirfd, or AT_FDCWD) through a temp file in the same
// directory plus renameat. The final file has exactly `mode` (umask does not apply). No fsync:
// the state lives on tmpfs and start-up latency matters more than crash durability.
Result<void> write_file_atomic(int dirfd, std::string_view name, std::string_view data,
                               mode_t mode = 0644);
// The same for an absolute or cwd-relative path (e.g. --pid-file).
Result<void> write_file_atomic(std::string_view path, std::string_view data, mode_t mode = 0644);

// Reads a whole file (works for /proc files whose size reads as 0; io::read_all reads an open
// fd). O_NOFOLLOW on the last component.
Result<std::string> read_file(int dirfd, std::string_view name);
Result<std::string> read_file(std::string_view path);

enum class DirAccess {
    Read, // O_RDONLY: can be listed, flock()ed, used for *at() calls
    Path, // O_PATH: only usable as an anchor for *at() calls
};
enum class Symlinks {
    NoFollow, // a symlink in the last component is an error (ELOOP/ENOTDIR)
    Follow,
};

// Opens a directory relative to dirfd (O_DIRECTORY|O_CLOEXEC).
Result<UniqueFd> open_dir(int dirfd, std::string_view path, DirAccess access = DirAccess::Read,
                          Symlinks symlinks = Symlinks::NoFollow);

// mkdir -p: creates missing components with `mode` (subject to umask, like mkdir(1)); existing
// directories are accepted as they are.
Result<void> mkdir_all(std::string_view path, mode_t mode = 0700);

// True if `name` exists relative to dirfd (not following a final symlink). Errors other than
// ENOENT are reported.
Result<bool> exists(int dirfd, std::string_view name);

// A one-line kernel file (/proc/PID/stat, a cgroup's freezer.state): the kernel hands such a
// line to one read, so the file is read until its first newline (or EOF), usually one read
// where read_file needs two. Lines longer than 4 KiB are read on as read_file would.
Result<std::string> read_line_file(int dirfd, std::string_view name);

// The names in the directory `dirfd` (without "." and ".."), in readdir order. Does not move
// the offset of dirfd; an O_PATH fd works too.
Result<std::vector<std::string>> list_dir(int dirfd);
// The same with each entry's d_type (DT_DIR, DT_REG, ...; DT_UNKNOWN where the file system
// does not say): one pass, no stat per entry.
Result<std::vector<std::pair<std::string, unsigned char>>> list_dir_typed(int dirfd);

// Removes `name` (relative to dirfd) and, for a directory, everything below it. Never follows
// symlinks; a directory that is a mount point anywhere in the tree fails with EBUSY (nothing
// on the other filesystem is touched); the rest of the tree is still removed and the first
// failure is reported. A missing `name` is an ENOENT error; entries vanishing concurrently
// inside the tree are ignored.
Result<void> remove_tree(int dirfd, std::string_view name);

// Removes every entry inside the directory `dirfd`, keeping the directory itself.
Result<void> remove_contents(int dirfd);

} // namespace hull::fs
