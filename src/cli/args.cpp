#include "cli/args.hpp"

#include <cassert>
#include <charconv>

namespace hull::cli {
namespace {

std::optional<bool> parse_bool(std::string_view v) {
    // The spellings Go's strconv.ParseBool accepts.
    if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") return true;
    if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False")
        return false;
    return std::nullopt;
}

template <class T> std::optional<T> parse_integer(std::string_view v) {
    T out{};
    const char* end = v.data() + v.size();
    auto [p, ec] = std::from_chars(v.data(), end, out);
    if (v.empty() || ec != std::errc() || p != end) return std::nullopt;
    return out;
}

bool in_choices(std::string_view choices, std::string_view v) {
    while (true) {
        const auto bar = choices.find('|');
        if (choices.substr(0, bar) == v) return true;
        if (bar == std::string_view::npos) return false;
        choices.remove_prefix(bar + 1);
    }
}

std::string choices_list(std::string_view choices) {
    std::string out;
    for (const char c : choices) {
        if (c == '|')
            out += ", ";
        else
            out += c;
    }
    return out;
}

const FlagSpec* lookup(std::span<const FlagSpec> flags, std::string_view name) {
    if (name.size() == 1) {
        for (const auto& f : flags)
            if (f.short_name == name[0]) return &f;
    }
    for (const auto& f : flags)
        if (f.name == name) return &f;
    return nullptr;
}

Result<void> check_value(const FlagSpec& f, std::string_view v) {
    auto bad = [&](std::string_view why) {
        return fail("invalid value \"" + std::string(v) + "\" for flag -" + std::string(f.name) +
                    ": " + std::string(why));
    };
    if (f.kind == FlagKind::Uint && !parse_integer<std::uint64_t>(v))
        return bad("expected an unsigned integer");
    if (f.kind == FlagKind::Int && !parse_integer<std::int64_t>(v))
        return bad("expected an integer");
    if (!f.choices.empty() && !in_choices(f.choices, v))
        return bad("must be one of " + choices_list(f.choices));
    return {};
}

} // namespace

const FlagSpec* ParsedArgs::find(std::string_view name) const {
    for (const auto& f : specs_)
        if (f.name == name) return &f;
    assert(!"ParsedArgs: flag not declared in the table");
    return nullptr;
}

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
    const FlagSpec* spec = find(name);
    for (auto it = given_.rbegin(); it != given_.rend(); ++it)
        if (it->first == name) return it->second;
    if (spec && !spec->default_value.empty()) return std::string(spec->default_value);
    return std::nullopt;
}

bool ParsedArgs::flag(std::string_view name) const {
    auto v = value(name);
    return v && parse_bool(*v).value_or(false);
}

std::vector<std::string> ParsedArgs::values(std::string_view name) const {
    find(name);
    std::vector<std::string> out;
    for (const auto& [n, v] : given_)
        if (n == name) out.push_back(v);
    return out;
}

std::optional<std::uint64_t> ParsedArgs::unsigned_value(std::string_view name) const {
    auto v = value(name);
    if (!v) return std::nullopt;
    return parse_integer<std::uint64_t>(*v);
}

std::optional<std::int64_t> ParsedArgs::signed_value(std::string_view name) const {
    auto v = value(name);
    if (!v) return std::nullopt;
    return parse_integer<std::int64_t>(*v);
}

bool ParsedArgs::given(std::string_view name) const {
    find(name);
    for (const auto& entry : given_)
        if (entry.first == name) return true;
    return false;
}

void ParsedArgs::add(std::string_view name, std::string value) {
    given_.emplace_back(std::string(name), std::move(value));
}

Result<ParsedArgs> parse_args(std::span<const FlagSpec> flags, const ArgRules& rules,
                              std::span<const std::string> argv) {
    ParsedArgs out(std::vector<FlagSpec>(flags.begin(), flags.end()));
    bool flags_ended = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (flags_ended || arg.size() < 2 || arg[0] != '-') {
            out.add_positional(arg);
            if (rules.flags_end_after > 0 &&
                out.positionals().size() == static_cast<std::size_t>(rules.flags_end_after))
                flags_ended = true;
            continue;
        }
        if (arg == "--") {
            flags_ended = true;
            continue;
        }
        std::string_view body(arg);
        body.remove_prefix(body.starts_with("--") ? 2 : 1);
        if (body.empty() || body[0] == '-' || body[0] == '=')
            return fail("bad flag syntax: " + arg);
        std::optional<std::string_view> inline_value;
        std::string_view name = body;
        if (const auto eq = body.find('='); eq != std::string_view::npos) {
            name = body.substr(0, eq);
            inline_value = body.substr(eq + 1);
        }
        const FlagSpec* spec = lookup(flags, name);
        if (!spec) return fail("flag provided but not defined: -" + std::string(name));
        std::string value;
        if (spec->kind == FlagKind::Bool) {
            value = "true";
            if (inline_value) {
                auto b = parse_bool(*inline_value);
                if (!b)
                    return fail("invalid boolean value \"" + std::string(*inline_value) +
                                "\" for -" + std::string(name));
                value = *b ? "true" : "false";
            }
        } else {
            if (inline_value) {
                value = std::string(*inline_value);
            } else if (i + 1 < argv.size()) {
                value = argv[++i];
            } else {
                return fail("flag needs an argument: -" + std::string(name));
            }
            HULL_TRY(check_value(*spec, value));
        }
        out.add(spec->name, std::move(value));
    }
    return out;
}

Result<void> check_arg_count(std::string_view command, const ArgRules& rules, std::size_t count) {
    const auto n = static_cast<long>(count);
    const bool too_few = n < rules.min;
    const bool too_many = rules.max != kUnbounded && n > rules.max;
    if (!too_few && !too_many) return {};
    auto plural = [](int k) {
        return k == 1 ? std::string(" argument") : std::string(" arguments");
    };
    std::string msg = "\"" + std::string(command) + "\" ";
    if (rules.max == 0)
        msg += "accepts no arguments";
    else if (rules.min == rules.max)
        msg += "requires exactly " + std::to_string(rules.min) + plural(rules.min);
    else if (rules.max == kUnbounded)
        msg += "requires at least " + std::to_string(rules.min) + plural(rules.min);
    else if (rules.min == 0)
        msg += "accepts at most " + std::to_string(rules.max) + plural(rules.max);
    else
        msg += "requires " + std::to_string(rules.min) + " to " + std::to_string(rules.max) +
               " arguments";
    return fail(std::move(msg));
}

} // namespace hull::cli
