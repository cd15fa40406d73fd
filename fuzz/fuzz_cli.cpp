// libFuzzer target: the command-line parser. The input is argv split at NUL bytes: global
// flags first, then the command named by the first positional and its own flags.
#include "cli/args.hpp"
#include "cli/command_table.hpp"
#include "cli/global_options.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> argv;
    std::string cur;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == 0) {
            argv.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += static_cast<char>(data[i]);
        }
    }
    if (!cur.empty()) argv.push_back(std::move(cur));
    using namespace hull::cli;
    auto globals = parse_args(global_flags(), global_rules(), argv);
    if (!globals) return 0;
    (void)make_global_options(*globals);
    const auto& pos = globals->positionals();
    if (pos.empty()) return 0;
    const CommandSpec* cmd = find_command(pos[0]);
    if (!cmd) return 0;
    std::span<const std::string> rest(pos.begin() + 1, pos.end());
    auto args = parse_args(cmd->flags, cmd->args, rest);
    if (!args) return 0;
    (void)check_arg_count(cmd->name, cmd->args, args->positionals().size());
    for (const auto& f : cmd->flags) {
        (void)args->value(f.name);
        (void)args->values(f.name);
        if (f.kind == FlagKind::Uint) (void)args->unsigned_value(f.name);
        if (f.kind == FlagKind::Int) (void)args->signed_value(f.name);
    }
    return 0;
}
