// Commands that only describe hull: --version, features, spec.
#include "cli/commands.hpp"

#include "hull/features.hpp"
#include "hull/spec_default.hpp"
#include "util/build_info.h"
#include "util/fd.hpp"
#include "util/io.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>

namespace hull::cli {
namespace {

constexpr std::string_view kConfigName = "config.json";
constexpr std::string_view kExistsError = "File config.json exists. Remove it first";

// Writes to stdout, reporting a failed write (a closed pipe must not look like success).
Result<void> print(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout))
        return fail_errno("write to stdout");
    return {};
}

// Creates `name` in dirfd with `data`, atomically and never replacing an existing file:
// a temp file is filled, then renamed with RENAME_NOREPLACE (link+unlink where the
// filesystem lacks it). The mode is 0666 minus the umask, as for any new file.
Result<void> create_file_atomic(int dirfd, std::string_view name, std::string_view data) {
    std::random_device rd;
    std::string tmp;
    UniqueFd fd;
    for (int attempt = 0; attempt < 16 && !fd; ++attempt) {
        tmp = "." + std::string(name) + "." + std::to_string(rd());
        fd.reset(::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                          0666));
        if (!fd && errno != EEXIST) return fail_errno("create " + tmp);
    }
    if (!fd) return fail_sys(EEXIST, "create temporary file for " + std::string(name));
    auto cleanup = [&] { ::unlinkat(dirfd, tmp.c_str(), 0); };
    if (auto r = io::write_all(fd.get(), data); !r) {
        cleanup();
        return with_context(std::move(r), "write " + tmp);
    }
    fd.reset();
    const std::string target(name);
    if (::renameat2(dirfd, tmp.c_str(), dirfd, target.c_str(), RENAME_NOREPLACE) == 0) return {};
    int err = errno;
    if (err == EINVAL || err == ENOSYS) {
        err = ::linkat(dirfd, tmp.c_str(), dirfd, target.c_str(), 0) == 0 ? 0 : errno;
    }
    cleanup();
    if (err == EEXIST) return fail(std::string(kExistsError));
    if (err != 0) return fail_sys(err, "rename " + tmp + " to " + target);
    return {};
}

Result<void> write_spec(const std::string& bundle, SpecMode mode) {
    UniqueFd dir(::open(bundle.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return fail_errno("open bundle " + bundle);
    struct stat st {};
    const std::string name(kConfigName);
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
        return fail(std::string(kExistsError));
    if (errno != ENOENT) return fail_errno("stat " + name);
    const std::string data =
        default_spec(mode).dump(4, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return create_file_atomic(dir.get(), kConfigName, data);
}

} // namespace

int cmd_version(const CommandLine&) {
    const std::string text = std::string("hull version ") + HULL_VERSION +
                             "\ncommit: " + HULL_COMMIT + "\nspec: " + HULL_SPEC_VERSION + "\n";
    if (auto r = print(text); !r) return report_error(r.error());
    return 0;
}

int cmd_features(const CommandLine&) {
    const std::string text =
        features_document().dump(4, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (auto r = print(text); !r) return report_error(r.error());
    return 0;
}

int cmd_spec(const CommandLine& cl) {
    const std::string bundle = cl.args.value("bundle").value_or(".");
    const SpecMode mode = cl.args.flag("rootless") ? SpecMode::Rootless : SpecMode::Root;
    if (auto r = write_spec(bundle, mode); !r) return report_error(r.error());
    return 0;
}

} // namespace hull::cli
