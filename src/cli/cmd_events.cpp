// events: the container's resource statistics as runc prints them, one JSON object a line:
// once with --stats, else every --interval (default 5s) plus OOM events until it stops.
#include "cli/commands.hpp"

#include "hull/runtime.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace hull::cli {
namespace {

void print_line(const nlohmann::ordered_json& event) {
    std::string line = event.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

} // namespace

int cmd_events(const CommandLine& cl) {
    std::string text = cl.args.value("interval").value_or("5s");
    auto interval = runtime::parse_duration(text);
    if (!interval)
        return report_error(Error::msg("invalid value \"" + text +
                                       "\" for flag -interval: " + interval.error().message()));
    if (cl.args.flag("stats")) {
        auto e = runtime::stats_event(cl.global.root, cl.id());
        if (!e) return report_error(e.error());
        print_line(*e);
        return 0;
    }
    auto r = runtime::stream_events(cl.global.root, cl.id(), *interval, print_line);
    return r ? 0 : report_error(r.error());
}

} // namespace hull::cli
