// Table-driven command-line flag parser with runc (Go flag / urfave cli) conventions.
//
// Accepted forms for a flag "bundle" with short name 'b':
//   --bundle DIR   --bundle=DIR   -bundle DIR   -bundle=DIR   -b DIR   -b=DIR   --b DIR
// Boolean flags take no separate argument: --detach, -d, --detach=true, --detach=false.
// A value-taking flag consumes the next argument even if it starts with '-'.
// "--" ends the flags; a lone "-" is a positional. Flags and positionals may interleave
// until ArgRules::flags_end_after positionals were seen; from then on everything is
// positional (exec's command line, ps's options).
#pragma once

#include "hull/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hull::cli {

enum class FlagKind { Bool, String, Uint, Int };
enum class Occurs { Once, Many }; // Many: every value is kept, in order

struct FlagSpec {
    std::string_view name; // long name, no dashes
    char short_name = 0;   // 0: none
    FlagKind kind = FlagKind::Bool;
    Occurs occurs = Occurs::Once;
    std::string_view value_name = {};    // shown in help: "--bundle DIR"
    std::string_view help = {};          // one line
    std::string_view default_value = {}; // returned when not given ("" = none)
    std::string_view choices = {};       // "table|json": allowed values ("" = any)
};

// Table builders.
constexpr FlagSpec boolean(std::string_view name, char short_name, std::string_view help) {
    return {.name = name, .short_name = short_name, .kind = FlagKind::Bool, .help = help};
}
constexpr FlagSpec text(std::string_view name, char short_name, std::string_view value_name,
                        std::string_view help, std::string_view default_value = {}) {
    return {.name = name,
            .short_name = short_name,
            .kind = FlagKind::String,
            .value_name = value_name,
            .help = help,
            .default_value = default_value};
}
constexpr FlagSpec repeated(std::string_view name, char short_name, std::string_view value_name,
                            std::string_view help) {
    return {.name = name,
            .short_name = short_name,
            .kind = FlagKind::String,
            .occurs = Occurs::Many,
            .value_name = value_name,
            .help = help};
}
constexpr FlagSpec unsigned_number(std::string_view name, char short_name,
                                   std::string_view value_name, std::string_view help) {
    return {.name = name,
            .short_name = short_name,
            .kind = FlagKind::Uint,
            .value_name = value_name,
            .help = help};
}
constexpr FlagSpec signed_number(std::string_view name, char short_name,
                                 std::string_view value_name, std::string_view help) {
    return {.name = name,
            .short_name = short_name,
            .kind = FlagKind::Int,
            .value_name = value_name,
            .help = help};
}
constexpr FlagSpec choice(std::string_view name, char short_name, std::string_view choices,
                          std::string_view default_value, std::string_view help) {
    return {.name = name,
            .short_name = short_name,
            .kind = FlagKind::String,
            .value_name = choices,
            .help = help,
            .default_value = default_value,
            .choices = choices};
}

inline constexpr int kUnbounded = -1;

struct ArgRules {
    int min = 0;
    int max = kUnbounded;
    int flags_end_after = 0; // 0: flags are recognised anywhere before "--"
};

// The flags and positionals of one parsed command line. Getters take the long name of a
// flag declared in the table the arguments were parsed with (asserted).
class ParsedArgs {
  public:
    ParsedArgs() = default;
    explicit ParsedArgs(std::vector<FlagSpec> specs) : specs_(std::move(specs)) {}

    // The last value given, else the flag's default, else nullopt.
    std::optional<std::string> value(std::string_view name) const;
    // A boolean flag: its last value, else its default, else false.
    bool flag(std::string_view name) const;
    // Every value given, in order (for Occurs::Many flags).
    std::vector<std::string> values(std::string_view name) const;
    // value() converted; the parser already checked the syntax of Uint/Int flags.
    std::optional<std::uint64_t> unsigned_value(std::string_view name) const;
    std::optional<std::int64_t> signed_value(std::string_view name) const;
    // Whether the flag appeared on the command line.
    bool given(std::string_view name) const;

    const std::vector<std::string>& positionals() const { return positionals_; }

    // Used by the parser.
    void add(std::string_view name, std::string value);
    void add_positional(std::string arg) { positionals_.push_back(std::move(arg)); }

  private:
    const FlagSpec* find(std::string_view name) const;

    std::vector<FlagSpec> specs_;
    std::vector<std::pair<std::string, std::string>> given_; // (long name, value) in order
    std::vector<std::string> positionals_;
};

// Parses argv (without the program or command name) against a flag table.
// Errors: "flag provided but not defined: -x", "flag needs an argument: -bundle",
// "invalid boolean value \"x\" for -detach", "invalid value \"x\" for flag -format: ...",
// "bad flag syntax: ---x". Positional counts are checked separately (check_arg_count),
// so that --help works without them.
Result<ParsedArgs> parse_args(std::span<const FlagSpec> flags, const ArgRules& rules,
                              std::span<const std::string> argv);

// `"state" requires exactly 1 argument`, `"kill" requires 1 to 2 arguments`,
// `"exec" requires at least 1 argument`, `"list" accepts no arguments`.
Result<void> check_arg_count(std::string_view command, const ArgRules& rules, std::size_t count);

} // namespace hull::cli
