// Running a list of lifecycle hooks; see hooks/hooks.hpp.
#include "hooks/hooks.hpp"

#include "hooks/hook_process.hpp"

#include <string>

namespace hull::hooks {
namespace {

constexpr size_t kMaxQuoted = 512;

// The first non-blank line of what the hook wrote on stderr, trimmed and shortened.
std::string first_line(std::string_view text) {
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        size_t b = line.find_first_not_of(" \t\r");
        if (b != std::string_view::npos) {
            size_t e = line.find_last_not_of(" \t\r");
            line = line.substr(b, e - b + 1);
            std::string out(line.substr(0, kMaxQuoted));
            if (line.size() > kMaxQuoted) out += "...";
            return out;
        }
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return {};
}

std::string describe(const Hook& hook, const detail::Outcome& o) {
    std::string what;
    switch (o.end) {
    case detail::Outcome::End::Exited:
        what = "exit status " + std::to_string(o.code);
        break;
    case detail::Outcome::End::Signaled:
        what = "killed by signal " + std::to_string(o.signal);
        break;
    case detail::Outcome::End::TimedOut:
        what = "timed out after " + std::to_string(hook.timeout.value_or(0)) + "s";
        break;
    }
    std::string line = first_line(o.stderr_text);
    if (!line.empty()) what += ": " + line;
    return what;
}

// Runs one hook; the error carries the full "<kind> hook #<i> (<path>): ..." text.
Result<void> run_one(HookKind kind, size_t index, const Hook& hook, std::string_view state) {
    std::string ctx =
        std::string(to_string(kind)) + " hook #" + std::to_string(index) + " (" + hook.path + ")";
    if (hook.path.empty() || hook.path.front() != '/') return fail(ctx + ": path is not absolute");
    auto outcome = detail::run_process(hook, state);
    if (!outcome) return std::unexpected(std::move(outcome.error()).context(ctx));
    if (outcome->end == detail::Outcome::End::Exited && outcome->code == 0) return {};
    return fail(ctx + ": " + describe(hook, *outcome));
}

} // namespace

std::string_view to_string(HookKind kind) {
    switch (kind) {
    case HookKind::Prestart:
        return "prestart";
    case HookKind::CreateRuntime:
        return "createRuntime";
    case HookKind::CreateContainer:
        return "createContainer";
    case HookKind::StartContainer:
        return "startContainer";
    case HookKind::Poststart:
        return "poststart";
    case HookKind::Poststop:
        return "poststop";
    }
    return "unknown";
}

Result<void> run(HookKind kind, std::span<const Hook> hooks, std::string_view state_json) {
    for (size_t i = 0; i < hooks.size(); ++i)
        HULL_TRY(run_one(kind, i, hooks[i], state_json));
    return {};
}

std::vector<Error> run_all(HookKind kind, std::span<const Hook> hooks,
                           std::string_view state_json) {
    std::vector<Error> errors;
    for (size_t i = 0; i < hooks.size(); ++i) {
        auto r = run_one(kind, i, hooks[i], state_json);
        if (!r) errors.push_back(std::move(r.error()));
    }
    return errors;
}

bool runtime_create_hooks(const Hooks& hooks) {
    return !hooks.prestart.empty() || !hooks.createRuntime.empty();
}

} // namespace hull::hooks
