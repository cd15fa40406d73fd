#include "cgroups/files.hpp"

#include "util/io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>

namespace hull::cgroups {

namespace {
std::string where(std::string_view op, std::string_view file, const std::string& dir) {
    std::string s(op);
    s += ' ';
    s += file;
    s += " in ";
    s += dir;
    return s;
}
} // namespace

bool has_file(const std::string& dir, std::string_view file) {
    std::string p = dir + "/" + std::string(file);
    return ::access(p.c_str(), F_OK) == 0;
}

bool is_dir(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::vector<std::string>> child_cgroups(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return fail_errno("opendir " + dir);
    std::vector<std::string> out;
    while (auto* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (e->d_type == DT_DIR && n != "." && n != "..") out.emplace_back(n);
    }
    ::closedir(d);
    return out;
}

Result<std::string> read_cg(const std::string& dir, std::string_view file) {
    std::string p = dir + "/" + std::string(file);
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail_errno(where("read", file, dir));
    auto out = io::read_all(fd, where("read", file, dir));
    ::close(fd);
    return out;
}

namespace {

Result<void> write_fd(int fd, const std::string& dir, std::string_view file,
                      std::string_view value) {
    const ssize_t n = io::retry_eintr([&] { return ::write(fd, value.data(), value.size()); });
    if (n >= 0) return {};
    int e = errno;
    std::string what = where("write", file, dir);
    what += " (\"";
    what += value;
    what += "\")";
    return fail_sys(e, what);
}

} // namespace

Result<void> write_cg(const std::string& dir, std::string_view file, std::string_view value) {
    std::string p = dir + "/" + std::string(file);
    int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail_errno(where("write", file, dir));
    auto r = write_fd(fd, dir, file, value);
    ::close(fd);
    return r;
}

ControlFile::~ControlFile() {
    if (fd_ >= 0) ::close(fd_);
}

Result<void> ControlFile::write(std::string_view value) {
    if (fd_ < 0) {
        std::string p = dir_ + "/" + file_;
        fd_ = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd_ < 0) return fail_errno(where("write", file_, dir_));
    }
    return write_fd(fd_, dir_, file_, value);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

Result<std::string> read_trimmed(const std::string& dir, std::string_view file) {
    auto s = HULL_TRY(read_cg(dir, file));
    return std::string(trim(s));
}

std::optional<uint64_t> parse_u64(std::string_view s) {
    s = trim(s);
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

Result<std::optional<uint64_t>> read_u64_or_max(const std::string& dir, std::string_view file) {
    auto s = HULL_TRY(read_trimmed(dir, file));
    if (s == "max") return std::optional<uint64_t>{};
    auto v = parse_u64(s);
    if (!v) return fail(where("parse", file, dir) + ": not a number: \"" + s + "\"");
    return std::optional<uint64_t>(*v);
}

Result<uint64_t> read_u64(const std::string& dir, std::string_view file) {
    auto s = HULL_TRY(read_trimmed(dir, file));
    if (s == "-1") return UINT64_MAX;
    auto v = parse_u64(s);
    if (!v) return fail(where("parse", file, dir) + ": not a number: \"" + s + "\"");
    return *v;
}

std::vector<std::string_view> split_lines(std::string_view s) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        auto nl = s.find('\n');
        auto line = s.substr(0, nl);
        if (!trim(line).empty()) out.push_back(line);
        if (nl == std::string_view::npos) break;
        s.remove_prefix(nl + 1);
    }
    return out;
}

std::vector<std::string_view> split_ws(std::string_view s) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
            i++;
        size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t' && s[j] != '\n')
            j++;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::map<std::string, uint64_t> parse_flat_keyed(std::string_view content) {
    std::map<std::string, uint64_t> out;
    for (auto line : split_lines(content)) {
        auto f = split_ws(line);
        if (f.size() != 2) continue;
        if (auto v = parse_u64(f[1])) out[std::string(f[0])] = *v;
    }
    return out;
}

std::vector<std::pair<std::string, std::map<std::string, uint64_t>>>
parse_nested_keyed(std::string_view content) {
    std::vector<std::pair<std::string, std::map<std::string, uint64_t>>> out;
    for (auto line : split_lines(content)) {
        auto f = split_ws(line);
        if (f.empty()) continue;
        std::map<std::string, uint64_t> kv;
        for (size_t i = 1; i < f.size(); i++) {
            auto eq = f[i].find('=');
            if (eq == std::string_view::npos) continue;
            if (auto v = parse_u64(f[i].substr(eq + 1))) kv[std::string(f[i].substr(0, eq))] = *v;
        }
        out.emplace_back(std::string(f[0]), std::move(kv));
    }
    return out;
}

std::string limit_str(int64_t v, std::string_view unlimited) {
    if (v < 0) return std::string(unlimited);
    return std::to_string(v);
}

} // namespace hull::cgroups
