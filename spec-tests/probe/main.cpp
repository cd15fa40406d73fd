// probe: a tiny static program that the spec tests run inside containers.
//
//   probe [report [PATH]]     one JSON object describing the process (see report() for the
//                             keys), to stdout or written to PATH
//   probe sleep SECONDS       sleep (fractions allowed), then exit 0
//   probe exit CODE           exit with CODE
//   probe write PATH TEXT     create/truncate PATH and write TEXT
//   probe cat PATH            print the file
//   probe ls PATH             the names in a directory, sorted, one a line
//   probe stat [-L] PATH      JSON: type, mode, uid, gid, size, major/minor (rdev),
//                             link target; lstat unless -L
//   probe readlink PATH       the link target
//   probe mkdir PATH          mkdir -p
//   probe chown PATH UID GID  chown (follows symlinks)
//   probe kill-self SIG       send SIG (name like TERM/SIGTERM or number) to itself; if still
//                             alive a second later, say so and exit 2
//   probe wait-signal [FILE]  block all signals, write FILE (if given), print "ready", then
//                             print the name of the first signal received ("SIGTERM") and exit 0
//   probe exec ARGS...        execvp(ARGS)
//   probe attack-exe DEV INO STOP OUT
//                             CVE-2019-5736 attacker: until file STOP exists, for every
//                             visible pid opens /proc/PID/exe O_PATH; when that is the file
//                             DEV:INO it tries O_WRONLY and O_RDWR opens (direct, and again
//                             through the kept O_PATH fd) and writes "PWND" at offset 0 on
//                             success; a last pass follows STOP. Writes JSON counts to OUT:
//                             hull_seen, attempts, write_opens, errors (strerror -> count),
//                             denied, scans. An exe that is not DEV:INO but whose link reads
//                             "/memfd:hull-trampoline..." gets the same treatment with its
//                             own counts: trampoline_seen, trampoline_attempts,
//                             trampoline_write_opens, trampoline_written (pwrite returned 4),
//                             trampoline_errors (failed opens) and trampoline_write_errors
//                             (failed pwrites), strerror -> count. Up to 32 O_PATH fds are
//                             kept for each of the two kinds.
//   probe syscall NR [ARG...] the raw syscall NR with up to 6 integer args (strtoull, any
//                             base); prints "errno N" (N = 0 on success) and exits 0
//
// A failing subcommand prints "<op> <path>: <strerror>" to stdout and exits 1 (exec: 127).
//
// Report notes: rlimits are the raw getrlimit values (unlimited = RLIM_INFINITY =
// 18446744073709551615, as config.json writes it). Capability sets come as hex strings
// (as in /proc/self/status) and as name lists. A value that cannot be read is null.
//
// Files: main.cpp (this dispatch), util.cpp, report.cpp, report_sys.cpp, caps_names.cpp,
// commands.cpp, attack.cpp; probe.hpp declares what they share.
#include "probe.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace probe {
namespace {

int dispatch(int argc, char** argv) {
    std::string cmd = argc >= 2 ? argv[1] : "report";
    if (cmd == "report") return write_report(report(argc, argv), argc >= 3 ? argv[2] : nullptr);
    if (cmd == "sleep" && argc == 3) return cmd_sleep(argv);
    if (cmd == "exit" && argc == 3) return std::atoi(argv[2]);
    if (cmd == "write" && argc == 4) return cmd_write(argv);
    if (cmd == "cat" && argc == 3) return cmd_cat(argv);
    if (cmd == "ls" && argc == 3) return cmd_ls(argv);
    if (cmd == "stat") return cmd_stat(argc, argv);
    if (cmd == "readlink" && argc == 3) return cmd_readlink(argv);
    if (cmd == "mkdir" && argc == 3) return cmd_mkdir(argv[2]);
    if (cmd == "chown" && argc == 5) return cmd_chown(argv);
    if (cmd == "kill-self" && argc == 3) return cmd_kill_self(argv);
    if (cmd == "wait-signal" && argc <= 3) return cmd_wait_signal(argc, argv);
    if (cmd == "attack-exe" && argc == 6) return cmd_attack_exe(argv);
    if (cmd == "syscall" && argc >= 3 && argc <= 9) return cmd_syscall(argc, argv);
    if (cmd == "exec" && argc >= 3) return cmd_exec(argv);
    return usage();
}

} // namespace
} // namespace probe

int main(int argc, char** argv) {
    try {
        return probe::dispatch(argc, argv);
    } catch (const std::exception& e) {
        std::printf("probe: %s\n", e.what());
        return 3;
    }
}
