#include "cli/global_options.hpp"

#include "hull/runtime.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace hull::cli {
namespace {

// Relative paths are made absolute now: handlers may change directory before using them.
Result<std::string> absolute(const std::string& path) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(path, ec);
    if (ec) return fail_sys(ec.value(), "resolve " + path);
    return abs.lexically_normal().string();
}

} // namespace

Result<GlobalOptions> make_global_options(const ParsedArgs& globals) {
    GlobalOptions g;
    if (auto root = globals.value("root")) {
        if (root->empty()) return fail("--root must not be empty");
        g.root = HULL_TRY(absolute(*root));
        g.root_given = true;
    } else if (auto def = runtime::default_root()) {
        g.root = *def;
    } else {
        g.root_error = def.error().message(); // reported by the commands that need a root
    }
    if (auto path = globals.value("log"); path && !path->empty())
        g.log.path = HULL_TRY(absolute(*path));
    g.log.format = globals.value("log-format") == "json" ? log::Format::Json : log::Format::Text;
    g.log.debug = globals.flag("debug");
    g.systemd_cgroup = globals.flag("systemd-cgroup");
    const auto rootless = globals.value("rootless").value_or("auto");
    g.rootless = rootless == "true"    ? Rootless::True
                 : rootless == "false" ? Rootless::False
                                       : Rootless::Auto;
    return g;
}

} // namespace hull::cli
