// The generated zsh and fish scripts read by the shells themselves, where they are installed
// (tools/setup.sh does not install them: without them these cases only warn).
#include "cli/docs.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

namespace docs = hull::cli::docs;

namespace {

bool installed(const char* path) {
    std::FILE* f = std::fopen(path, "r");
    if (f) std::fclose(f);
    return f != nullptr;
}

// Exit status and the output lines (up to the first tab: fish adds descriptions).
std::set<std::string> run(const std::string& cmd, int& status) {
    std::FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    REQUIRE(p);
    std::set<std::string> out;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) {
        std::string line(buf);
        line = line.substr(0, line.find_first_of("\t\n"));
        if (!line.empty()) out.insert(line);
    }
    status = ::pclose(p);
    return out;
}

} // namespace

TEST_CASE("completion: zsh reads the zsh script", "[docs]") {
    if (!installed("/usr/bin/zsh")) {
        WARN("zsh is not installed: skipped");
        return;
    }
    hull::testutil::TempDir dir("docs-zsh");
    std::ofstream(dir / "_hull") << docs::completion_zsh();
    int status = -1;
    CHECK(run("zsh -n '" + (dir / "_hull") + "'", status).empty());
    CHECK(status == 0);
}

TEST_CASE("completion: fish completes from the fish script", "[docs]") {
    if (!installed("/usr/bin/fish")) {
        WARN("fish is not installed: skipped");
        return;
    }
    hull::testutil::TempDir dir("docs-fish");
    const std::string script = dir / "hull.fish";
    std::ofstream(script) << docs::completion_fish();
    std::ofstream(dir / "hull") << "#!/bin/sh\necho \"$*\" > '" << dir.path()
                                << "/args'\nprintf 'alpha\\nbeta\\n'\n";
    ::chmod((dir / "hull").c_str(), 0700);
    int status = -1;
    CHECK(run("fish -n '" + script + "'", status).empty());
    CHECK(status == 0);
    auto complete = [&](const std::string& line) {
        return run("PATH='" + dir.path() + "':\"$PATH\" fish -c \"source '" + script +
                       "'; complete -C '" + line + "'\"",
                   status);
    };
    using Words = std::set<std::string>;
    CHECK(complete("hull cr") == Words{"create"});
    CHECK(complete("hull --ro") == Words{"--root", "--rootless"});
    CHECK(complete("hull list --format ") == Words{"table", "json"});
    CHECK(complete("hull create --bu") == Words{"--bundle"});
    CHECK(complete("hull help st") == Words{"start", "state"});
    CHECK(complete("hull --root /r delete ") == Words{"alpha", "beta"});
    std::ifstream args(dir / "args");
    std::string line;
    std::getline(args, line);
    CHECK(line == "--root /r list -q");
    CHECK(complete("hull kill alpha ").empty());
    CHECK(complete("hull exec -e A=1 ") == Words{"alpha", "beta"});
}
