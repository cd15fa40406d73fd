// args[0] lookup in the container's PATH, and the final execve.
#include "process/process.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <string>
#include <vector>

namespace hull::process {

namespace {

constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The value of the first "PATH=" entry, like getenv() in the container would see it.
std::optional<std::string_view> path_of(std::span<const std::string> env) {
    for (const auto& e : env)
        if (e.starts_with("PATH=")) return std::string_view(e).substr(5);
    return std::nullopt;
}

bool is_executable_file(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    return ::faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) == 0;
}

// strerror in lower case, as runc (Go) prints errno values: "permission denied".
std::string lower_strerror(int err) {
    std::string s = std::strerror(err);
    if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
    return s;
}

} // namespace

Result<std::string> find_executable(std::string_view arg0, std::span<const std::string> env) {
    if (arg0.find('/') != std::string_view::npos) return std::string(arg0);
    std::string_view path = path_of(env).value_or(kDefaultPath);
    while (true) {
        size_t colon = path.find(':');
        std::string_view dir = path.substr(0, colon);
        std::string candidate = dir.empty() ? "." : std::string(dir);
        candidate += '/';
        candidate += arg0;
        if (is_executable_file(candidate)) return candidate;
        if (colon == std::string_view::npos) break;
        path.remove_prefix(colon + 1);
    }
    return std::unexpected(
        Error(ENOENT, "exec: \"" + std::string(arg0) + "\": executable file not found in $PATH"));
}

Error exec(const Process& process) {
    if (process.args.empty()) return Error(EINVAL, "exec: process.args is empty");
    auto path = find_executable(process.args[0], process.env);
    if (!path) return std::move(path).error();
    return exec(process, *path);
}

std::vector<char*> c_array(std::span<const std::string> strings, std::vector<char*> prefix) {
    for (const auto& s : strings)
        prefix.push_back(const_cast<char*>(s.c_str()));
    prefix.push_back(nullptr);
    return prefix;
}

Error exec_error(int err, const std::string& path) {
    return Error(err, "exec " + path + ": " + lower_strerror(err));
}

Error exec(const Process& process, const std::string& resolved) {
    if (process.args.empty()) return Error(EINVAL, "exec: process.args is empty");
    std::vector<char*> argv = c_array(process.args);
    std::vector<char*> envp = c_array(process.env);
    ::execve(resolved.c_str(), argv.data(), envp.data());
    return exec_error(errno, resolved);
}

} // namespace hull::process
