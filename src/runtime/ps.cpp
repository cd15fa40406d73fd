// `hull ps`: the processes of a container, taken from its cgroup (so processes in a shared or
// host pid namespace are found too), and runc's filtering of ps(1) output by those pids.
#include "hull/runtime.hpp"
#include "runtime/container_handle.hpp"
#include "runtime/rootless.hpp"

#include <algorithm>
#include <charconv>

namespace hull::runtime {
namespace {

std::vector<std::string_view> fields_of(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

} // namespace

Result<std::vector<pid_t>> processes(const std::string& root, const std::string& id) {
    auto h = HULL_TRY(open_container(root, id, Operation::Ps, LockMode::None));
    const auto* cg = HULL_TRY(h.cgroup());
    if (!cg) return rootless::processes_without_cgroup(h.state().pid); // rootless, no permission
    return with_context(cg->pids(), "list the processes of container " + id);
}

Result<std::string> filter_ps_table(std::string_view ps_output, const std::vector<pid_t>& pids) {
    std::vector<std::string_view> lines;
    for (size_t pos = 0; pos < ps_output.size();) {
        size_t nl = ps_output.find('\n', pos);
        if (nl == std::string_view::npos) nl = ps_output.size();
        lines.push_back(ps_output.substr(pos, nl - pos));
        pos = nl + 1;
    }
    if (lines.empty()) return fail("ps printed nothing");
    auto titles = fields_of(lines[0]);
    auto it = std::ranges::find(titles, std::string_view("PID"));
    if (it == titles.end()) return fail("couldn't find PID field in ps output");
    size_t index = static_cast<size_t>(it - titles.begin());

    std::string out(lines[0]);
    out += '\n';
    for (size_t i = 1; i < lines.size(); ++i) {
        auto fields = fields_of(lines[i]);
        if (fields.empty()) continue;
        if (index >= fields.size())
            return fail("unable to parse pid: no PID column in \"" + std::string(lines[i]) + "\"");
        pid_t pid = 0;
        auto f = fields[index];
        auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), pid);
        if (ec != std::errc{} || p != f.data() + f.size())
            return fail("unable to parse pid: \"" + std::string(f) + "\"");
        if (std::ranges::binary_search(pids, pid)) {
            out += lines[i];
            out += '\n';
        }
    }
    return out;
}

} // namespace hull::runtime
