// probe's internal header: what its files share (see main.cpp for the subcommands).
//
// The probe is a static program run inside containers by the spec tests. It must not link
// libhull: the capability-name table (caps_names.cpp) and everything else here are its own
// copies, an independent check of what hull sets up.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace probe {

using nlohmann::json;

// util.cpp: file and text helpers, error reporting, JSON output.
std::optional<std::string> read_file(const std::string& path);
std::vector<std::string> lines_of(const std::string& s);
std::vector<std::string> words_of(const std::string& s);
std::optional<std::string> read_link(const std::string& path);
json opt(const std::optional<std::string>& s); // the string, or null
// Prints "<what>: <strerror(errno)>" to stdout, returns 1.
int fail(const std::string& what);
// Prints the usage line to stderr, returns 2.
int usage();
// r.dump() and a newline, to stdout (path null) or to path through path.tmp and a rename.
int write_report(const json& r, const char* path);

// caps_names.cpp: a capability mask in hex (as in /proc/self/status) as names.
json cap_names(const std::string& hex);

// report.cpp: the `report` object.
json report(int argc, char** argv);

// report_sys.cpp: report parts read through syscalls and small /proc files.
json scheduler();
json ioprio();
json mempolicy();
json id_map(const char* path);
json cgroups();
json time_offsets();
json tty_info();

// commands.cpp: the small subcommands; each gets main's argc/argv, argc already checked.
int cmd_sleep(char** argv);
int cmd_write(char** argv);
int cmd_cat(char** argv);
int cmd_ls(char** argv);
int cmd_stat(int argc, char** argv);
int cmd_readlink(char** argv);
int cmd_mkdir(const std::string& path);
int cmd_chown(char** argv);
int cmd_kill_self(char** argv);
int cmd_wait_signal(int argc, char** argv);
int cmd_syscall(int argc, char** argv);
int cmd_exec(char** argv);

// attack.cpp: attack-exe.
int cmd_attack_exe(char** argv);

} // namespace probe
