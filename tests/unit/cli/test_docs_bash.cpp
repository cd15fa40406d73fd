// The generated bash completion, run in bash: what <TAB> offers after a command line, with a
// stand-in `hull` on PATH that prints two container IDs and records its arguments.
#include "cli/docs.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace hull::cli;
namespace docs = hull::cli::docs;

namespace {

using Words = std::set<std::string>;

class Bash {
  public:
    Bash() {
        std::ofstream(dir_ / "hull.bash") << docs::completion_bash();
        ::mkdir((dir_ / "bin").c_str(), 0700);
        const std::string fake = dir_ / "bin/hull";
        std::ofstream(fake) << "#!/bin/sh\necho \"$*\" > '" << dir_.path()
                            << "/args'\nprintf 'alpha\\nbeta\\n'\n";
        ::chmod(fake.c_str(), 0700);
        ::mkdir((dir_ / "tree").c_str(), 0700);
        ::mkdir((dir_ / "tree/subdir").c_str(), 0700);
        std::ofstream(dir_ / "tree/file.json") << "{}";
    }

    const std::string& dir() const { return dir_.path(); }

    // COMPREPLY after `words` with the cursor on the last word.
    Words complete(const std::vector<std::string>& words) const {
        std::string driver = "source '" + (dir_ / "hull.bash") + "'\nCOMP_WORDS=(";
        for (const auto& w : words)
            driver += "'" + w + "' ";
        driver += ")\nCOMP_CWORD=" + std::to_string(words.size() - 1) +
                  "\n_hull\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
        std::ofstream(dir_ / "driver.bash") << driver;
        const std::string cmd = "PATH='" + (dir_ / "bin") +
                                "':\"$PATH\" bash --norc --noprofile '" + (dir_ / "driver.bash") +
                                "' 2>&1";
        std::FILE* p = ::popen(cmd.c_str(), "r");
        REQUIRE(p);
        Words out;
        char buf[512];
        while (std::fgets(buf, sizeof buf, p)) {
            std::string line(buf);
            if (!line.empty() && line.back() == '\n') line.pop_back();
            if (!line.empty()) out.insert(line);
        }
        CHECK(::pclose(p) == 0);
        return out;
    }

    // What the stand-in hull was last called with.
    std::string hull_args() const {
        std::ifstream in(dir_ / "args");
        std::string line;
        std::getline(in, line);
        return line;
    }

  private:
    hull::testutil::TempDir dir_{"docs-bash"};
};

} // namespace

TEST_CASE("bash completion: commands and global flags", "[docs]") {
    Bash bash;
    CHECK(bash.complete({"hull", "cr"}) == Words{"create"});
    CHECK(bash.complete({"hull", "st"}) == Words{"start", "state"});
    CHECK(bash.complete({"hull", "--ro"}) == Words{"--root", "--rootless"});
    CHECK(bash.complete({"hull", "--log-format", ""}) == Words{"text", "json"});
    CHECK(bash.complete({"hull", "--rootless", "=", ""}) == Words{"true", "false", "auto"});
    // Global flag values are skipped when looking for the command.
    CHECK(bash.complete({"hull", "--root", "/r", "--debug", "li"}) == Words{"list"});
    CHECK(bash.complete({"hull", "help", "pa"}) == Words{"pause"});
    Words all{"help"};
    for (const auto& c : command_specs())
        all.insert(std::string(c.name));
    CHECK(bash.complete({"hull", ""}) == all);
}

TEST_CASE("bash completion: every command offers exactly its flags", "[docs]") {
    Bash bash;
    for (const auto& c : command_specs()) {
        INFO("command " << c.name);
        Words expected;
        for (const auto& f : c.flags) {
            expected.insert("--" + std::string(f.name));
            if (f.short_name) expected.insert("-" + std::string(1, f.short_name));
        }
        CHECK(bash.complete({"hull", std::string(c.name), "-"}) == expected);
    }
}

TEST_CASE("bash completion: container IDs come from hull list -q with the given --root", "[docs]") {
    Bash bash;
    CHECK(bash.complete({"hull", "delete", ""}) == Words{"alpha", "beta"});
    CHECK(bash.hull_args() == "list -q");
    CHECK(bash.complete({"hull", "--root", "/r", "kill", "a"}) == Words{"alpha"});
    CHECK(bash.hull_args() == "--root /r list -q");
    CHECK(bash.complete({"hull", "--root", "=", "/s", "state", ""}) == Words{"alpha", "beta"});
    CHECK(bash.hull_args() == "--root /s list -q");
    // Only the first positional is an ID; values of flags are not positionals.
    CHECK(bash.complete({"hull", "kill", "alpha", ""}).empty());
    CHECK(bash.complete({"hull", "exec", "-e", "A=1", "--cwd", "=", "/x", "-t", ""}) ==
          Words{"alpha", "beta"});
    CHECK(bash.complete({"hull", "exec", "alpha", "-t", ""}).empty());
    // No IDs where the command takes none.
    CHECK(bash.complete({"hull", "list", ""}).empty());
    CHECK(bash.complete({"hull", "spec", ""}).empty());
}

TEST_CASE("bash completion: flag values", "[docs]") {
    Bash bash;
    const std::string tree = bash.dir() + "/tree/";
    CHECK(bash.complete({"hull", "list", "--format", ""}) == Words{"table", "json"});
    CHECK(bash.complete({"hull", "ps", "-f", "j"}) == Words{"json"});
    // DIR: directories only; FILE and PATH: any file.
    CHECK(bash.complete({"hull", "create", "-b", tree}) == Words{tree + "subdir"});
    CHECK(bash.complete({"hull", "--root", tree}) == Words{tree + "subdir"});
    CHECK(bash.complete({"hull", "create", "--pid-file", tree}) ==
          Words{tree + "subdir", tree + "file.json"});
    CHECK(bash.complete({"hull", "exec", "--process", "=", tree + "f"}) ==
          Words{tree + "file.json"});
    // Free-text values get nothing, and IDs are not offered in their place.
    CHECK(bash.complete({"hull", "create", "--preserve-fds", ""}).empty());
}
