// hull-docgen: writes the man pages or a completion script generated from the command table.
// Run by the build (src/cli/docgen/meson.build), never installed.
//   hull-docgen man DIR         hull.8 and hull-COMMAND.8 for every command, into DIR
//   hull-docgen bash|zsh|fish FILE
#include "cli/docs.hpp"

#include "util/build_info.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;
namespace docs = hull::cli::docs;

// Written to a temporary name and renamed, so a reader never sees half a file.
bool write_file(const fs::path& path, const std::string& text) {
    const fs::path tmp = path.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        out.close();
        if (!out) {
            std::fprintf(stderr, "hull-docgen: cannot write %s\n", tmp.c_str());
            return false;
        }
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        std::fprintf(stderr, "hull-docgen: rename %s: %s\n", tmp.c_str(), ec.message().c_str());
        return false;
    }
    return true;
}

bool write_man_pages(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    // Pages of commands that no longer exist must not be installed.
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".8") fs::remove(entry.path(), ec);
    const docs::ManInfo info{.version = HULL_VERSION};
    bool ok = write_file(dir / docs::man_page_file(nullptr), docs::man_page_main(info));
    for (const auto& c : hull::cli::command_specs())
        ok = write_file(dir / docs::man_page_file(&c), docs::man_page(c, info)) && ok;
    return ok;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fputs("usage: hull-docgen man DIR | bash FILE | zsh FILE | fish FILE\n", stderr);
        return 2;
    }
    const std::string_view kind = argv[1];
    const fs::path out = argv[2];
    if (kind == "man") return write_man_pages(out) ? 0 : 1;
    if (kind == "bash") return write_file(out, docs::completion_bash()) ? 0 : 1;
    if (kind == "zsh") return write_file(out, docs::completion_zsh()) ? 0 : 1;
    if (kind == "fish") return write_file(out, docs::completion_fish()) ? 0 : 1;
    std::fprintf(stderr, "hull-docgen: unknown kind %s\n", argv[1]);
    return 2;
}
