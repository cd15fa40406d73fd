// update: new resource limits from --resources (a LinuxResources JSON file, "-" for stdin) or
// from runc's per-field flags.
#include "cli/commands.hpp"
#include "cli/update_flags.hpp"

#include "hull/config_parse.hpp"
#include "hull/runtime.hpp"
#include "util/fs.hpp"
#include "util/io.hpp"

#include <unistd.h>

namespace hull::cli {
namespace {

Result<Resources> requested_resources(const ParsedArgs& a, std::vector<std::string>& warnings) {
    // No Intel RDT (resctrl) support: runc's errors for a host without it.
    if (!a.value("l3-cache-schema").value_or("").empty())
        return fail("Intel RDT/CAT: l3 cache schema is not enabled");
    if (!a.value("mem-bw-schema").value_or("").empty())
        return fail("Intel RDT/MBA: memory bandwidth schema is not enabled");
    std::string in = a.value("resources").value_or("");
    if (in.empty()) return resources_from_flags(a, warnings);
    // As runc: with --resources every other flag is ignored.
    std::string text = in == "-"
                           ? HULL_TRY(io::read_all(STDIN_FILENO, "read the resources from stdin"))
                           : HULL_TRY(fs::read_file(in));
    return with_context(parse_resources(text), "resources");
}

} // namespace

int cmd_update(const CommandLine& cl) {
    std::vector<std::string> warnings;
    auto delta = requested_resources(cl.args, warnings);
    if (!delta) return report_error(delta.error());
    for (const auto& w : warnings)
        log::warn(w);
    auto r = runtime::update(cl.global.root, cl.id(), *delta);
    if (!r) return report_error(r.error());
    for (const auto& w : *r)
        log::warn(w);
    return 0;
}

} // namespace hull::cli
