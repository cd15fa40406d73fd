// The man pages generated from the command table: every command and flag is in them, and
// every line is a man(7) macro this generator is meant to use, or escaped text.
#include "cli/docs.hpp"

#include "temp_dir.hpp"

#include "hull/runtime.hpp"

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

using namespace hull::cli;
namespace docs = hull::cli::docs;

namespace {

const docs::ManInfo kInfo{.version = "9.8.7"};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string bold_flag(const FlagSpec& f) {
    return "\\fB\\-\\-" + docs::roff_escape(f.name) + "\\fR";
}

std::string bold_short(const FlagSpec& f) {
    return "\\fB\\-" + std::string(1, f.short_name) + "\\fR";
}

// The help text as the page has it: escaped, from the second character on (the first is
// capitalised).
std::string help_text(const FlagSpec& f) {
    return docs::roff_escape(f.help.substr(1));
}

void check_flags(const std::string& page, std::span<const FlagSpec> flags) {
    for (const auto& f : flags) {
        INFO("flag --" << f.name);
        CHECK(contains(page, bold_flag(f)));
        if (f.short_name) CHECK(contains(page, bold_short(f) + ", " + bold_flag(f)));
        if (f.kind != FlagKind::Bool)
            CHECK(contains(page, bold_flag(f) + " \\fI" + docs::roff_escape(f.value_name)));
        CHECK(contains(page, help_text(f)));
    }
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        out.push_back(line);
    return out;
}

// Problems of one page: unknown macros, raw '-' or '\' escapes other than the ones used,
// fonts left open, empty lines, a missing or misplaced .TH.
std::vector<std::string> lint(const std::string& page) {
    static const std::set<std::string> kMacros{"TH", "SH", "TP", "PP", "B", "I", "BR", "br"};
    std::vector<std::string> problems;
    bool seen_th = false;
    for (const auto& line : lines(page)) {
        if (line.starts_with(".\\\"")) continue; // comment
        if (line.empty()) {
            problems.push_back("empty line");
            continue;
        }
        std::string text = line;
        if (line[0] == '.' || line[0] == '\'') {
            const auto space = line.find(' ');
            const std::string macro =
                line.substr(1, space == std::string::npos ? space : space - 1);
            if (!kMacros.contains(macro)) problems.push_back("unknown macro: " + line);
            if (macro == "TH") {
                if (seen_th) problems.push_back("second .TH");
                seen_th = true;
            } else if (!seen_th) {
                problems.push_back("macro before .TH: " + line);
            }
            text = space == std::string::npos ? "" : line.substr(space);
        }
        char font = 'R';
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '-') problems.push_back("unescaped '-': " + line);
            if (text[i] != '\\') continue;
            const std::string esc = text.substr(i + 1, 1);
            if (esc == "f" && i + 2 < text.size()) {
                font = text[i + 2];
                if (font != 'B' && font != 'I' && font != 'R')
                    problems.push_back("unknown font: " + line);
                i += 2;
            } else if (esc == "-" || esc == "e" || esc == "&" || esc == "\"") {
                ++i;
            } else {
                problems.push_back("unknown escape: " + line);
            }
        }
        if (font != 'R') problems.push_back("font left open: " + line);
    }
    if (!seen_th) problems.push_back("no .TH");
    return problems;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::string> all_pages() {
    std::vector<std::string> pages{docs::man_page_main(kInfo)};
    for (const auto& c : command_specs())
        pages.push_back(docs::man_page(c, kInfo));
    return pages;
}

} // namespace

TEST_CASE("man: roff_escape", "[docs]") {
    CHECK(docs::roff_escape("--bundle") == "\\-\\-bundle");
    CHECK(docs::roff_escape("a\\0b") == "a\\e0b");
    CHECK(docs::roff_escape(".hidden") == "\\&.hidden");
    CHECK(docs::roff_escape("'quote") == "\\&'quote");
    CHECK(docs::roff_escape("one\n.two") == "one\n\\&.two");
    CHECK(docs::roff_escape("a.b 'c'") == "a.b 'c'");
}

TEST_CASE("man: hull(8) has every command, every global flag and its sections", "[docs]") {
    const std::string page = docs::man_page_main(kInfo);
    CHECK(docs::man_page_file(nullptr) == "hull.8");
    CHECK(page.starts_with(".\\\""));
    CHECK(contains(page, "\n.TH HULL 8 \"\" \"hull 9.8.7\""));
    for (const auto* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS",
                                "EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO"})
        CHECK(contains(page, std::string("\n.SH ") + section + "\n"));
    check_flags(page, global_flags());
    for (const auto& c : command_specs()) {
        INFO("command " << c.name);
        CHECK(contains(page, ".TP\n\\fB" + docs::roff_escape(c.name) + "\\fR"));
        CHECK(contains(page, docs::roff_escape(c.summary.substr(1))));
        CHECK(contains(page, "\\fBhull\\-" + docs::roff_escape(c.name) + "\\fR(8)"));
        CHECK(contains(page, ".BR hull\\-" + docs::roff_escape(c.name) + " (8)"));
        if (!c.args_usage.empty()) CHECK(contains(page, docs::roff_escape(c.args_usage)));
    }
    CHECK(contains(page, ".TP\n\\fBhelp\\fR"));
    // The state root comes from the store, not from a copy of its value.
    CHECK(contains(page,
                   ".TP\n\\fI" + docs::roff_escape(hull::runtime::default_root_for(0, nullptr))));
}

TEST_CASE("man: every command has a page with its synopsis and every flag", "[docs]") {
    for (const auto& c : command_specs()) {
        INFO("command " << c.name);
        const std::string page = docs::man_page(c, kInfo);
        const std::string name = docs::roff_escape(c.name);
        CHECK(docs::man_page_file(&c) == "hull-" + std::string(c.name) + ".8");
        CHECK(contains(page, "\n.TH HULL\\-" + upper(c.name) + " 8"));
        for (const auto* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "SEE ALSO"})
            CHECK(contains(page, std::string("\n.SH ") + section + "\n"));
        CHECK(contains(page,
                       ".SH NAME\nhull\\-" + name + " \\- " + docs::roff_escape(c.summary) + "\n"));
        std::string synopsis = ".B hull\n[\\fIglobal options\\fR] \\fB" + name + "\\fR";
        if (c.flags.size() > 1) synopsis += " [\\fIcommand options\\fR]";
        if (!c.args_usage.empty()) synopsis += " \\fI" + docs::roff_escape(c.args_usage) + "\\fR";
        CHECK(contains(page, ".SH SYNOPSIS\n" + synopsis + "\n"));
        if (!c.description.empty()) CHECK(contains(page, docs::roff_escape(c.description)));
        check_flags(page, c.flags);
    }
}

TEST_CASE("man: every line is a known macro or escaped text", "[docs]") {
    for (const auto& page : all_pages()) {
        INFO(page.substr(0, page.find("\n.SH")));
        CHECK(lint(page).empty());
    }
    // The check itself catches what it is there for.
    CHECK_FALSE(lint(".TH X 8\n.XY foo\n").empty());
    CHECK_FALSE(lint(".TH X 8\ntext with --dash\n").empty());
    CHECK_FALSE(lint(".TH X 8\n\\fBbold\n").empty());
    CHECK_FALSE(lint(".SH NAME\n").empty());
    CHECK(lint(".\\\" comment\n.TH X 8\n.SH NAME\nx \\- \\fBy\\fR\n").empty());
}

TEST_CASE("man: groff formats every page without a warning", "[docs]") {
    if (std::FILE* probe = std::fopen("/usr/bin/groff", "r")) {
        std::fclose(probe);
    } else {
        WARN("groff is not installed: skipped");
        return;
    }
    hull::testutil::TempDir dir("docs-man");
    int n = 0;
    for (const auto& page : all_pages()) {
        const std::string path = dir / ("page" + std::to_string(n++) + ".8");
        std::ofstream(path) << page;
        std::FILE* p = ::popen(("groff -man -z -ww " + path + " 2>&1").c_str(), "r");
        REQUIRE(p);
        std::string out;
        char buf[512];
        while (std::fgets(buf, sizeof buf, p))
            out += buf;
        INFO(page.substr(0, page.find("\n.SH")));
        CHECK(out.empty());
        CHECK(::pclose(p) == 0);
    }
    CHECK(n == static_cast<int>(command_specs().size()) + 1);
}
