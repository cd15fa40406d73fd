// The completion scripts generated from the command table: every command and every flag
// (long and short name) is in the part of each script that completes that command.
#include "cli/docs.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <span>
#include <sstream>
#include <string>
#include <vector>

using namespace hull::cli;
namespace docs = hull::cli::docs;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The body of a shell function "name() {" ... "\n}\n" (bash and zsh); empty when missing.
std::string function_body(const std::string& script, const std::string& name) {
    const auto start = script.find("\n" + name + "() {\n");
    if (start == std::string::npos) return {};
    const auto end = script.find("\n}\n", start + 1);
    return script.substr(start, end == std::string::npos ? end : end - start + 3);
}

// The fish `complete` lines with this condition.
std::string fish_lines(const std::string& script, const std::string& condition) {
    std::string out;
    std::istringstream in(script);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("complete -c hull -n " + condition + " ")) out += line + "\n";
    return out;
}

// The words of every `compgen -W "..."` in a bash function, space-padded: " --bundle -b ".
std::string bash_words(const std::string& body) {
    std::string out = " ";
    for (auto at = body.find("compgen -W \""); at != std::string::npos;
         at = body.find("compgen -W \"", at + 1)) {
        const auto start = at + 12;
        out += body.substr(start, body.find('"', start) - start) + " ";
    }
    return out;
}

std::string s(std::string_view v) {
    return std::string(v);
}

void check_bash(const std::string& body, std::span<const FlagSpec> flags) {
    REQUIRE_FALSE(body.empty());
    const std::string words = bash_words(body);
    for (const auto& f : flags) {
        INFO("flag --" << f.name);
        CHECK(contains(words, " --" + s(f.name) + " "));
        if (f.short_name) CHECK(contains(words, " -" + std::string(1, f.short_name) + " "));
        // A flag with a value has a case arm that completes (or at least swallows) it.
        const std::string arm = "        --" + s(f.name) + " | -" + s(f.name);
        if (docs::value_kind(f) == docs::ValueKind::None)
            CHECK_FALSE(contains(body, arm));
        else
            CHECK(contains(body, arm));
        if (docs::value_kind(f) == docs::ValueKind::Directory)
            CHECK(contains(body, arm + (f.short_name ? " | -" + std::string(1, f.short_name) : "") +
                                     ")\n            _hull_dirs\n"));
    }
}

void check_zsh(const std::string& body, std::span<const FlagSpec> flags) {
    REQUIRE_FALSE(body.empty());
    for (const auto& f : flags) {
        INFO("flag --" << f.name);
        const std::string name = "--" + s(f.name) + (f.kind == FlagKind::Bool ? "" : "=");
        if (f.short_name)
            CHECK(contains(body, "{-" + std::string(1, f.short_name) + "," + name + "}'["));
        else
            CHECK(contains(body, "'" + name + "["));
        if (docs::value_kind(f) == docs::ValueKind::Directory) CHECK(contains(body, ":_files -/'"));
    }
}

void check_fish(const std::string& lines, std::span<const FlagSpec> flags) {
    REQUIRE_FALSE(lines.empty());
    for (const auto& f : flags) {
        INFO("flag --" << f.name);
        std::string part = " -l " + s(f.name) + " ";
        if (f.short_name) part = " -s " + std::string(1, f.short_name) + part;
        CHECK(contains(lines, part));
    }
}

} // namespace

TEST_CASE("completion: what the table says about values and IDs", "[docs]") {
    const CommandSpec* create = find_command("create");
    const CommandSpec* list = find_command("list");
    REQUIRE(create);
    REQUIRE(list);
    CHECK(docs::takes_container_id(*create));
    CHECK(docs::takes_container_id(*find_command("exec")));
    CHECK_FALSE(docs::takes_container_id(*list));
    CHECK_FALSE(docs::takes_container_id(*find_command("spec")));
    auto flag = [](const CommandSpec& c, std::string_view name) {
        for (const auto& f : c.flags)
            if (f.name == name) return f;
        FAIL("no flag " << name);
        return FlagSpec{};
    };
    CHECK(docs::value_kind(flag(*create, "bundle")) == docs::ValueKind::Directory);
    CHECK(docs::value_kind(flag(*create, "pid-file")) == docs::ValueKind::File);
    CHECK(docs::value_kind(flag(*create, "preserve-fds")) == docs::ValueKind::Text);
    CHECK(docs::value_kind(flag(*create, "no-pivot")) == docs::ValueKind::None);
    CHECK(docs::value_kind(flag(*list, "format")) == docs::ValueKind::Choice);
    CHECK(docs::choices(flag(*list, "format")) == std::vector<std::string_view>{"table", "json"});
    CHECK(docs::choices(flag(*create, "bundle")).empty());
}

TEST_CASE("completion: bash has every command and every flag", "[docs]") {
    const std::string script = docs::completion_bash();
    CHECK(script.ends_with("complete -F _hull hull\n"));
    const std::string global = function_body(script, "_hull_global");
    check_bash(global, global_flags());
    const std::string dispatch = function_body(script, "_hull");
    for (const auto& c : command_specs()) {
        INFO("command " << c.name);
        CHECK(contains(bash_words(global), " " + s(c.name) + " "));
        CHECK(contains(dispatch, "        " + s(c.name) + ") _hull_cmd_" + s(c.name) + " ;;\n"));
        const std::string body = function_body(script, "_hull_cmd_" + s(c.name));
        check_bash(body, c.flags);
        CHECK(contains(body, "_hull_ids") == docs::takes_container_id(c));
    }
    CHECK(contains(bash_words(global), " help "));
}

TEST_CASE("completion: zsh has every command and every flag", "[docs]") {
    const std::string script = docs::completion_zsh();
    CHECK(script.starts_with("#compdef hull\n"));
    const std::string main = function_body(script, "_hull");
    check_zsh(main, global_flags());
    for (const auto& c : command_specs()) {
        INFO("command " << c.name);
        std::string summary;
        for (const char ch : c.summary)
            summary += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
        CHECK(contains(main, "    '" + s(c.name) + ":" + summary + "'\n"));
        CHECK(contains(main, "    " + s(c.name) + ") _hull_cmd_" + s(c.name) + " && ret=0"));
        const std::string body = function_body(script, "_hull_cmd_" + s(c.name));
        check_zsh(body, c.flags);
        CHECK(contains(body, "'1:container ID:_hull_ids'") == docs::takes_container_id(c));
    }
}

TEST_CASE("completion: fish has every command and every flag", "[docs]") {
    const std::string script = docs::completion_fish();
    const std::string global = fish_lines(script, "'__hull_needs_command'");
    check_fish(global, global_flags());
    for (const auto& c : command_specs()) {
        INFO("command " << c.name);
        CHECK(contains(global, " -a " + s(c.name) + " -d "));
        const std::string lines = fish_lines(script, "'__hull_using_command " + s(c.name) + "'");
        check_fish(lines, c.flags);
        CHECK(contains(script, "complete -c hull -n '__hull_wants_id " + s(c.name) +
                                   "' -a '(__hull_ids)'\n") == docs::takes_container_id(c));
        // Flags of other commands do not leak in: one line per flag.
        CHECK(std::count(lines.begin(), lines.end(), '\n') == static_cast<long>(c.flags.size()));
    }
}
