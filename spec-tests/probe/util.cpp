// probe: file and text helpers, error reporting and JSON output shared by the subcommands.
#include "probe.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace probe {

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string l; std::getline(in, l);)
        out.push_back(l);
    return out;
}

std::vector<std::string> words_of(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;)
        out.push_back(w);
    return out;
}

std::optional<std::string> read_link(const std::string& path) {
    char buf[4096];
    ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf));
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
}

json opt(const std::optional<std::string>& s) {
    return s ? json(*s) : json(nullptr);
}

int fail(const std::string& what) {
    std::printf("%s: %s\n", what.c_str(), std::strerror(errno));
    return 1;
}

int usage() {
    std::fprintf(stderr, "usage: probe [report [PATH]|sleep N|exit N|write PATH TEXT|cat PATH|"
                         "ls PATH|stat [-L] PATH|readlink PATH|mkdir PATH|chown PATH UID GID|"
                         "kill-self SIG|wait-signal [FILE]|exec ARGS...]\n");
    return 2;
}

int write_report(const json& r, const char* path) {
    std::string text = r.dump() + "\n";
    if (!path) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return std::fflush(stdout) == 0 ? 0 : 1;
    }
    std::string tmp = std::string(path) + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) return fail(std::string("open ") + tmp);
    std::fwrite(text.data(), 1, text.size(), f);
    if (std::fclose(f) != 0) return fail(std::string("write ") + tmp);
    if (std::rename(tmp.c_str(), path) != 0) return fail(std::string("rename ") + path);
    return 0;
}

} // namespace probe
