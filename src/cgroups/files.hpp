// Internal to hull::cgroups: reading and writing cgroup control files with errors that name
// the file and the directory ("write memory.max in /sys/fs/cgroup/hull/c1: Invalid argument"),
// and parsers for the file formats (single values, flat keyed "key value" lines, nested keyed
// "key a=1 b=2" lines), and the listing of the cgroups below a cgroup.
#pragma once

#include "hull/error.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hull::cgroups {

// <dir>/<file> exists.
bool has_file(const std::string& dir, std::string_view file);
bool is_dir(const std::string& path);
// The names of the cgroups directly below `dir` (its subdirectories). The error keeps the errno
// of opendir (ENOENT: `dir` is gone).
Result<std::vector<std::string>> child_cgroups(const std::string& dir);

// Reads a control file.
Result<std::string> read_cg(const std::string& dir, std::string_view file);
// Writes `value` in one write(2), as the kernel expects.
Result<void> write_cg(const std::string& dir, std::string_view file, std::string_view value);
// A control file opened once for several writes (v1 devices.allow takes one rule per
// write(2)); errors name it as write_cg() does.
class ControlFile {
  public:
    ControlFile(std::string dir, std::string_view file) : dir_(std::move(dir)), file_(file) {}
    ControlFile(const ControlFile&) = delete;
    ControlFile& operator=(const ControlFile&) = delete;
    ~ControlFile();
    // Opens the file on first use.
    Result<void> write(std::string_view value);

  private:
    std::string dir_;
    std::string file_;
    int fd_ = -1;
};

// read_cg() trimmed of surrounding whitespace.
Result<std::string> read_trimmed(const std::string& dir, std::string_view file);
// A file holding one number; "max" reads as nullopt.
Result<std::optional<uint64_t>> read_u64_or_max(const std::string& dir, std::string_view file);
// A file holding one number ("-1" is accepted for v1 values and reads as UINT64_MAX).
Result<uint64_t> read_u64(const std::string& dir, std::string_view file);

std::string_view trim(std::string_view s);
std::optional<uint64_t> parse_u64(std::string_view s);
std::vector<std::string_view> split_lines(std::string_view s);
std::vector<std::string_view> split_ws(std::string_view s);
// "key value" lines -> map (values that are not numbers are skipped).
std::map<std::string, uint64_t> parse_flat_keyed(std::string_view content);
// "key a=1 b=2" lines -> (key, {a:1, b:2}).
std::vector<std::pair<std::string, std::map<std::string, uint64_t>>>
parse_nested_keyed(std::string_view content);

// An int64 config value as a cgroup file wants it: -1 (or any negative) -> `unlimited`.
std::string limit_str(int64_t v, std::string_view unlimited);

} // namespace hull::cgroups
