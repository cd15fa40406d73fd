// The spec-test harness: runs the hull binary (HULL_BINARY) and the static probe
// (HULL_PROBE), and builds throwaway OCI bundles for container tests.
//
// Everything a test creates lives under one per-run directory /tmp/hull-spec-<pid>-XXXXXX
// (or $HULL_SPEC_TMPDIR), removed when the binary exits. Removal never crosses into another
// mount: a mount left behind by a broken runtime is detached (or skipped), never emptied.
// Tests never touch /run/hull: a Bundle passes its own `--root`.
#pragma once

#include "hull/fd.hpp"

#include <nlohmann/json.hpp>

#include <concepts>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spectest {

struct RunResult {
    int exit_code = -1;     // exit status; 128 + signal when killed; -1 when it did not finish
    std::string out;        // everything written to stdout
    std::string err;        // everything written to stderr
    int signal = 0;         // the signal that killed it, or 0
    bool timed_out = false; // killed (with its process group) after RunOptions::timeout_s
};

struct RunOptions {
    std::string stdin_data;       // fed through a file; empty = /dev/null
    std::vector<std::string> env; // "K=V" entries; empty = inherit ours
    std::string cwd;              // empty = ours
    int timeout_s = 120;
    // When set, stdout/stderr go to these files (created or truncated) and stay there, e.g.
    // for `create`, whose container keeps writing after hull exits. out/err still hold what
    // the files contained when the command exited.
    std::string stdout_file;
    std::string stderr_file;
};

// Runs argv[0] (a path, no PATH lookup) with stdout/stderr captured through files, so a
// process left running (a created container inheriting them) cannot block the harness.
// The command runs in its own process group.
RunResult run_command(const std::vector<std::string>& argv, const RunOptions& opts = {});

// For a process that needs more than run_command gives: extra open fds, or a terminal.
struct SpawnOptions {
    std::vector<int> extra_fds; // become the child's fds 3, 4, ... in order; all others close
    int tty = -1; // a pty slave: the child's stdin/stdout/stderr and, in a new session, its
                  // controlling terminal
    std::string stdout_file;        // without tty: stdout goes here ("" = /dev/null)
    std::string stderr_file;        // without tty: stderr goes here ("" = /dev/null)
    bool socket_activation = false; // sets LISTEN_FDS=<extra_fds.size()>, LISTEN_PID=<child>
};

// Starts argv[0] (a path, no PATH lookup) with our environment; returns its pid.
int spawn_command(const std::vector<std::string>& argv, const SpawnOptions& opts);

// Waits for a spawned pid, killing it after timeout_s: its exit status, 128 + signal when
// killed, or -1 on timeout.
int wait_command(int pid, int timeout_s = 120);

// run_command with HULL_BINARY prepended.
RunResult run_hull(const std::vector<std::string>& args, const RunOptions& opts = {});

// A fresh, empty directory under the per-run directory.
std::string temp_dir();

// $HULL_BINARY and $HULL_PROBE (absolute paths); main() checks they are set.
std::string hull_binary();
std::string probe_binary();
// $HULL_UNGUARDED: hull built without the CVE-2019-5736 guard (the [cve] tests' control).
std::string unguarded_binary();

// "exit 1 (signal 0)\n--- stdout ---\n...\n--- stderr ---\n..." for failure messages:
// INFO(describe(r)).
std::string describe(const RunResult& r);

// The probe's JSON object: the last line of `out` that parses as a JSON object. Throws
// std::runtime_error (Catch reports it with the text) when there is none.
nlohmann::json parse_probe_json(std::string_view out);

// Polls `pred` every 20 ms until it is true (returns true) or timeout_ms passes.
bool wait_until(const std::function<bool()>& pred, int timeout_ms = 10000);

// Reads a whole file; "" when it cannot be read.
std::string read_text(const std::string& path);
void write_text(const std::string& path, std::string_view text);

// Reads from fd (e.g. a pty master) until `needle` shows up, EOF/EIO, or timeout_ms
// passes; returns everything read.
std::string read_until(int fd, std::string_view needle, int timeout_ms = 10000);

// Removes a tree without following symlinks or crossing into other mounts (those are
// detached with MNT_DETACH first; if that fails they are left alone). Returns false when
// something could not be removed.
bool remove_tree(const std::string& path);

// Removes the per-run directory (main() calls it at exit).
void cleanup_temp();

// The base config every Bundle starts from (ociVersion 1.3.0, args ["/probe"], cwd "/",
// root "rootfs", namespaces pid/mount/ipc/uts/network, mounts proc, /dev, /dev/pts,
// /dev/shm, /sys, runc's three default capabilities, RLIMIT_NOFILE 1024).
nlohmann::json base_config();

// A bundle in its own temp directory:
//   <tmp>/bundle/config.json   written by write()
//   <tmp>/bundle/rootfs/       /probe, /bin/busybox + applet links (sh, ls, cat, ...),
//                              /etc/passwd, /etc/group, empty /proc /sys /dev /tmp /root
//   <tmp>/state/               the state root passed as --root
// The rootfs is copied from one template built per run (copies, not hard links, so a test
// may chown or chmod its files freely). The destructor runs `delete --force`, kills any
// process still running with this rootfs as its root, and removes the directory.
class Bundle {
  public:
    Bundle();
    ~Bundle();
    Bundle(const Bundle&) = delete;
    Bundle& operator=(const Bundle&) = delete;

    std::string dir;        // the bundle directory
    std::string rootfs;     // dir + "/rootfs"
    std::string state_root; // passed as --root
    std::string id;         // unique per Bundle in this run
    nlohmann::json config;  // edit, then write()

    // Writes config as dir/config.json.
    void write() const;
    // config["process"]["args"] = args.
    void set_args(std::vector<std::string> args);
    // chown -R (not following symlinks) of the rootfs, e.g. to the host ids that a user
    // namespace maps to container root, so the container can write to its rootfs.
    void chown_rootfs(unsigned uid, unsigned gid) const;
    // A path inside the rootfs as the host sees it: host_path("/tmp/x") = rootfs + "/tmp/x".
    std::string host_path(std::string_view container_path) const;

    // hull --root <state_root> args...
    std::vector<std::string> hull_args(const std::vector<std::string>& args) const;
    RunResult hull(const std::vector<std::string>& args, const RunOptions& opts = {}) const;
    template <class... A>
    requires(std::convertible_to<A, std::string>&&...) RunResult hull(A&&... args)
    const { return hull(std::vector<std::string>{std::string(std::forward<A>(args))...}); }

    // write() + `hull run --bundle <dir> <id>` / `hull create --bundle <dir> <id>`.
    RunResult run(const RunOptions& opts = {}) const;
    RunResult create(const RunOptions& opts = {}) const;
    RunResult start() const;                                  // hull start <id>
    RunResult kill(const std::string& sig = "SIGTERM") const; // hull kill <id> <sig>
    RunResult remove(bool force = false) const;               // hull delete [--force] <id>
    // `hull state <id>` parsed; null when it fails or prints no JSON.
    nlohmann::json state() const;
    // Polls state() until its "status" is `status`.
    bool wait_status(const std::string& status, int timeout_ms = 10000) const;

    // parse_probe_json(r.out).
    static nlohmann::json probe_report(const RunResult& r);

  private:
    std::string tmp_;
    void kill_leftovers() const;
};

// A listening --console-socket: the runtime connects and sends the pty master with its name.
class ConsoleSocket {
  public:
    ConsoleSocket();
    std::string path;
    // Accepts one connection and receives (master fd, pty name). Throws std::runtime_error
    // on failure or when nothing arrives within timeout_ms.
    std::pair<hull::UniqueFd, std::string> receive(int timeout_ms = 10000);

  private:
    hull::UniqueFd listener_;
};

} // namespace spectest
