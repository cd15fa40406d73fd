// The layer rule of docs/ARCHITECTURE.md, checked on the source tree: every quoted include
// names a file below include/ (the API, "hull/...") or src/ (a module's own headers,
// "module/file.hpp"), and a module includes only itself and the modules below it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kRoot = HULL_SOURCE_ROOT;

// What each module may include besides itself. "api" stands for any header of include/hull/
// (only the command line uses it that way; the others name the module that owns the header).
const std::map<std::string, std::set<std::string>>& allowed() {
    static const std::map<std::string, std::set<std::string>> rules = {
        {"util", {}},
        {"sys", {"util"}},
        {"config", {"util"}},
        {"state", {"util", "config"}},
        {"cgroups", {"util", "sys", "config"}},
        {"seccomp", {"util", "sys", "config"}},
        {"rootfs", {"util", "sys", "config"}},
        {"process", {"util", "sys", "config", "rootfs"}},
        {"hooks", {"util", "sys", "config"}},
        {"terminal", {"util", "sys", "config", "rootfs"}},
        {"netdev", {"util", "sys", "config"}},
        {"trampoline", {}},
        {"runtime",
         {"util", "sys", "config", "state", "cgroups", "seccomp", "rootfs", "process", "hooks",
          "terminal", "netdev", "trampoline"}},
        {"cli", {"util", "api"}},
    };
    return rules;
}

// The module that implements each API header.
std::string api_owner(const std::string& header) {
    if (header == "error.hpp") return "util";
    if (header.starts_with("config") || header == "spec_default.hpp") return "config";
    return "runtime"; // runtime.hpp, exec.hpp, features.hpp, hull.hpp
}

struct Include {
    fs::path file;
    int line;
    std::string target;
};

std::vector<Include> quoted_includes(const fs::path& dir) {
    static const std::regex re(R"re(^\s*#\s*include\s+"([^"]+)")re");
    std::vector<Include> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        const auto ext = e.path().extension();
        if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp" && ext != ".h")) continue;
        std::ifstream in(e.path());
        std::string text;
        int n = 0;
        while (std::getline(in, text)) {
            ++n;
            std::smatch m;
            if (std::regex_search(text, m, re)) out.push_back({e.path(), n, m[1].str()});
        }
    }
    return out;
}

std::string where(const Include& inc) {
    return fs::relative(inc.file, kRoot).string() + ":" + std::to_string(inc.line) + ": \"" +
           inc.target + "\"";
}

// One line per offending include, for the failure message.
std::string lines(const std::vector<std::string>& bad) {
    std::string out;
    for (const auto& b : bad)
        out += b + "\n";
    return out;
}

std::string module_of(const fs::path& file) {
    return fs::relative(file, kRoot / "src").begin()->string();
}

} // namespace

TEST_CASE("every directory under src/ is a module with a place in the layers", "[layout]") {
    for (const auto& e : fs::directory_iterator(kRoot / "src")) {
        if (!e.is_directory()) continue;
        INFO(e.path().filename().string());
        CHECK(allowed().contains(e.path().filename().string()));
    }
}

TEST_CASE("every quoted include names a file below include/ or src/", "[layout]") {
    std::vector<std::string> bad;
    auto includes = quoted_includes(kRoot / "src");
    auto api = quoted_includes(kRoot / "include");
    includes.insert(includes.end(), api.begin(), api.end());
    REQUIRE(includes.size() > 300);
    for (const auto& inc : includes) {
        if (inc.target == "util/build_info.h") continue; // generated in the build tree
        const bool ok = inc.target.find("..") == std::string::npos &&
                        (fs::is_regular_file(kRoot / "include" / inc.target) ||
                         fs::is_regular_file(kRoot / "src" / inc.target));
        if (!ok) bad.push_back(where(inc));
    }
    INFO("includes that are relative or name no file below include/ or src/:\n" << lines(bad));
    CHECK(bad.empty());
}

TEST_CASE("modules include only themselves and the layers below", "[layout]") {
    std::vector<std::string> bad;
    for (const auto& inc : quoted_includes(kRoot / "src")) {
        const auto self = module_of(inc.file);
        const auto rules = allowed().find(self);
        if (rules == allowed().end() || inc.target == "util/build_info.h") continue;
        const auto slash = inc.target.find('/');
        if (slash == std::string::npos) {
            bad.push_back(where(inc));
            continue;
        }
        const auto top = inc.target.substr(0, slash);
        std::string dep = top;
        if (top == "hull")
            dep = rules->second.contains("api") ? "api" : api_owner(inc.target.substr(slash + 1));
        if (dep != self && !rules->second.contains(dep))
            bad.push_back(where(inc) + " (" + self + " may not use " + dep + ")");
    }
    INFO(lines(bad));
    CHECK(bad.empty());
}

TEST_CASE("the API headers in include/hull include only the API", "[layout]") {
    std::vector<std::string> bad;
    for (const auto& inc : quoted_includes(kRoot / "include"))
        if (!inc.target.starts_with("hull/")) bad.push_back(where(inc));
    INFO(lines(bad));
    CHECK(bad.empty());
}
