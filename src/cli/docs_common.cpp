#include "cli/docs.hpp"

namespace hull::cli::docs {

ValueKind value_kind(const FlagSpec& flag) {
    if (flag.kind == FlagKind::Bool) return ValueKind::None;
    if (!flag.choices.empty()) return ValueKind::Choice;
    if (flag.value_name == "DIR") return ValueKind::Directory;
    if (flag.value_name == "FILE" || flag.value_name == "PATH") return ValueKind::File;
    return ValueKind::Text;
}

std::vector<std::string_view> choices(const FlagSpec& flag) {
    std::vector<std::string_view> out;
    std::string_view rest = flag.choices;
    while (!rest.empty()) {
        const auto bar = rest.find('|');
        out.push_back(rest.substr(0, bar));
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
    }
    return out;
}

bool takes_container_id(const CommandSpec& command) {
    return command.args_usage.starts_with("<container-id>");
}

} // namespace hull::cli::docs
