// `hull events`: resource statistics of the container's cgroup in runc's event shape, once
// (--stats) or every --interval together with OOM notifications until the container stops.
// Single threaded: one loop polls the init's pidfd (its exit ends the stream) with a short
// timeout, checks the cgroup's OOM kill counter and prints the statistics when they are due.
#include "hull/runtime.hpp"
#include "runtime/container_handle.hpp"
#include "sys/pidfd.hpp"
#include "util/log.hpp"
#include "util/proc.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace hull::runtime {
namespace {

using namespace std::chrono_literals;

// How often the OOM kill counter is read while waiting for the next statistics.
constexpr auto kOomPoll = 100ms;

struct Watched {
    cgroups::Cgroup cgroup;
    UniqueFd init; // pidfd of the container init
};

// The container's cgroup, refusing a stopped container with runc's text. The store is not
// locked: events only read, and a stream must not block kill or delete.
Result<Watched> watch(const std::string& root, const std::string& id) {
    // Opened for no operation: events refuses a stopped container with its own text.
    auto h = HULL_TRY(open_container(root, id, std::nullopt, LockMode::None));
    auto not_running = [&] { return fail("container with id " + id + " is not running"); };
    if (h.status() == Status::Stopped) return not_running();
    auto* cg = HULL_TRY(h.required_cgroup());
    const ContainerState& st = h.state();
    auto fd = sys::pidfd_open(st.pid);
    if (!fd || proc::liveness(st.pid, st.pid_start_time) != proc::Liveness::Alive)
        return not_running();
    return Watched{.cgroup = std::move(*cg), .init = std::move(*fd)};
}

Result<nlohmann::ordered_json> stats_of(const cgroups::Cgroup& cg, const std::string& id) {
    auto data = HULL_TRY_CTX(cg.stats(), "statistics of container " + id);
    nlohmann::ordered_json e;
    e["type"] = "stats";
    e["id"] = id;
    e["data"] = std::move(data);
    return e;
}

nlohmann::ordered_json oom_event(const std::string& id) {
    nlohmann::ordered_json e;
    e["type"] = "oom";
    e["id"] = id;
    return e;
}

} // namespace

Result<nlohmann::ordered_json> stats_event(const std::string& root, const std::string& id) {
    auto w = HULL_TRY(watch(root, id));
    return stats_of(w.cgroup, id);
}

Result<void> stream_events(const std::string& root, const std::string& id,
                           std::chrono::milliseconds interval, const EventSink& emit) {
    if (interval <= 0ms) return fail("duration interval must be greater than 0");
    auto w = HULL_TRY(watch(root, id));
    uint64_t ooms = w.cgroup.oom_kills();
    auto next = std::chrono::steady_clock::now() + interval;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            next - std::chrono::steady_clock::now());
        auto wait = std::clamp(left, 0ms, std::chrono::milliseconds(kOomPoll));
        bool exited = HULL_TRY(sys::pidfd_poll_exit(w.init.get(), static_cast<int>(wait.count())));
        // Read after the exit too: an OOM kill of the init is reported before the stream ends.
        uint64_t now_ooms = w.cgroup.oom_kills();
        if (now_ooms > ooms) {
            ooms = now_ooms;
            emit(oom_event(id));
        }
        if (exited) return {};
        if (std::chrono::steady_clock::now() >= next) {
            if (auto e = stats_of(w.cgroup, id))
                emit(*e);
            else
                log::warn(e.error().message());
            next += interval;
        }
    }
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
    auto invalid = [&] { return fail("time: invalid duration \"" + std::string(text) + "\""); };
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s == "0") return std::chrono::milliseconds(0);
    if (s.empty()) return invalid();
    long double ns = 0;
    while (!s.empty()) {
        size_t digits = 0;
        while (digits < s.size() &&
               (std::isdigit(static_cast<unsigned char>(s[digits])) || s[digits] == '.'))
            ++digits;
        std::string number(s.substr(0, digits));
        if (number.empty() || number == "." || std::ranges::count(number, '.') > 1)
            return invalid();
        s.remove_prefix(digits);
        size_t unit_len = 0;
        while (unit_len < s.size() && !std::isdigit(static_cast<unsigned char>(s[unit_len])) &&
               s[unit_len] != '.')
            ++unit_len;
        std::string_view unit = s.substr(0, unit_len);
        s.remove_prefix(unit_len);
        if (unit.empty())
            return fail("time: missing unit in duration \"" + std::string(text) + "\"");
        long double scale = 0;
        if (unit == "ns")
            scale = 1;
        else if (unit == "us" || unit == "\xc2\xb5s" || unit == "\xce\xbcs")
            scale = 1e3;
        else if (unit == "ms")
            scale = 1e6;
        else if (unit == "s")
            scale = 1e9;
        else if (unit == "m")
            scale = 60e9;
        else if (unit == "h")
            scale = 3600e9;
        else
            return fail("time: unknown unit \"" + std::string(unit) + "\" in duration \"" +
                        std::string(text) + "\"");
        ns += std::strtold(number.c_str(), nullptr) * scale;
    }
    if (ns > 9.2e18L) return invalid();
    // Rounded up, so a positive duration never becomes 0.
    auto ms = static_cast<int64_t>(std::ceil(static_cast<double>(ns / 1e6L)));
    return std::chrono::milliseconds(negative ? -ms : ms);
}

} // namespace hull::runtime
