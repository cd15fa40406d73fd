#include "cli/command_table.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>

namespace hull::cli {
namespace {

constexpr std::string_view kId = "<container-id>";

constexpr std::array kGlobalFlags{
    text("root", 0, "DIR",
         "directory holding container state (default: /run/hull; $XDG_RUNTIME_DIR/hull when "
         "not root)"),
    text("log", 0, "FILE", "append log messages to FILE instead of writing them to stderr"),
    choice("log-format", 0, "text|json", "text", "format of log messages"),
    boolean("debug", 0, "also log debug messages"),
    boolean("systemd-cgroup", 0,
            "read linux.cgroupsPath as slice:prefix:name and let systemd create the cgroup"),
    choice("rootless", 0, "true|false|auto", "auto",
           "whether cgroup permission errors are ignored (auto: decide from the user)"),
    boolean("version", 'v', "print the version and exit"),
    boolean("help", 'h', "show help and exit"),
};

constexpr FlagSpec kHelp = boolean("help", 'h', "show help for this command");

constexpr FlagSpec kBundle =
    text("bundle", 'b', "DIR", "bundle directory holding config.json (default: current directory)");
constexpr FlagSpec kConsoleSocket =
    text("console-socket", 0, "PATH",
         "AF_UNIX socket that receives the pseudo-terminal master when the process has a terminal");
constexpr FlagSpec kPidfdSocket =
    text("pidfd-socket", 0, "PATH", "AF_UNIX socket that receives a pidfd of the process");
constexpr FlagSpec kPidFile = text("pid-file", 0, "PATH", "write the process id to PATH");
constexpr FlagSpec kNoPivot =
    boolean("no-pivot", 0, "enter the rootfs with MS_MOVE and chroot instead of pivot_root");
constexpr FlagSpec kNoNewKeyring =
    boolean("no-new-keyring", 0, "do not give the container a new session keyring");
constexpr FlagSpec kPreserveFds = unsigned_number(
    "preserve-fds", 0, "N", "pass N more file descriptors (from fd 3 on) to the process");
constexpr FlagSpec kConfig =
    text("config", 'f', "FILE", "read the configuration from FILE instead of <bundle>/config.json");
constexpr FlagSpec kNoSubreaper =
    boolean("no-subreaper", 0, "do not make the runtime process a child subreaper");
constexpr FlagSpec kDetach = boolean("detach", 'd', "return once the process runs; do not wait");
constexpr FlagSpec kFormat = choice("format", 'f', "table|json", "table", "output format");

// CRIU options shared by checkpoint and restore.
constexpr FlagSpec kImagePath = text("image-path", 0, "DIR", "directory of the CRIU image files");
constexpr FlagSpec kWorkPath =
    text("work-path", 0, "DIR", "directory for CRIU work files and logs");
constexpr FlagSpec kTcpEstablished = boolean("tcp-established", 0, "allow open TCP connections");
constexpr FlagSpec kExtUnixSk = boolean("ext-unix-sk", 0, "allow external unix sockets");
constexpr FlagSpec kShellJob = boolean("shell-job", 0, "allow shell jobs");
constexpr FlagSpec kFileLocks = boolean("file-locks", 0, "handle file locks");
constexpr FlagSpec kLazyPages =
    boolean("lazy-pages", 0, "restore memory pages lazily (not supported: refused)");
constexpr FlagSpec kManageCgroups = choice("manage-cgroups-mode", 0, "soft|full|strict|ignore", {},
                                           "how CRIU handles cgroups (default: soft)");
constexpr FlagSpec kEmptyNs =
    repeated("empty-ns", 0, "NS", "create namespace NS without restoring its properties");
constexpr FlagSpec kAutoDedup = boolean("auto-dedup", 0, "deduplicate memory images");

std::vector<FlagSpec> flags(std::initializer_list<FlagSpec> list) {
    std::vector<FlagSpec> out(list);
    out.push_back(kHelp);
    return out;
}

constexpr ArgRules exactly(int n) {
    return {n, n, 0};
}

std::vector<CommandSpec> build() {
    const std::initializer_list<FlagSpec> create_flags{kBundle,      kConsoleSocket, kPidfdSocket,
                                                       kPidFile,     kNoPivot,       kNoNewKeyring,
                                                       kPreserveFds, kConfig,        kNoSubreaper};
    std::vector<FlagSpec> run_flags(create_flags);
    run_flags.push_back(kDetach);
    run_flags.push_back(boolean("keep", 0, "do not delete the container after it stopped"));
    run_flags.push_back(kHelp);

    std::vector<CommandSpec> cmds{
        {"checkpoint", "save the state of a running container with CRIU", kId,
         "Dumps the processes of the container into CRIU image files with criu(8); unless "
         "--leave-running or --pre-dump, the container is deleted afterwards.",
         flags({kImagePath, kWorkPath,
                text("parent-path", 0, "DIR", "images of a previous pre-dump, relative"),
                boolean("leave-running", 0, "keep the container running after the dump"),
                kTcpEstablished, kExtUnixSk, kShellJob, kLazyPages,
                signed_number(
                    "status-fd", 0, "FD",
                    "CRIU writes \\0 to FD when lazy pages are ready (not supported: refused)"),
                text("page-server", 0, "ADDRESS:PORT",
                     "send pages to a CRIU page server (not supported: refused)"),
                kFileLocks,
                boolean("pre-dump", 0, "dump memory only and leave the container running"),
                kManageCgroups, kEmptyNs, kAutoDedup}),
         exactly(1)},
        {"create", "create a container from a bundle", kId,
         "Sets up the container's namespaces, cgroup and rootfs and leaves its process waiting "
         "for \"hull start\".",
         flags(create_flags), exactly(1)},
        {"delete", "delete a stopped container and its resources", kId,
         "Removes the container's state, cgroup and runs the poststop hooks.",
         flags({boolean("force", 'f', "kill the container first if it still runs")}), exactly(1)},
        {"events", "show container events and resource usage", kId,
         "Prints OOM notifications and resource statistics as JSON lines.",
         flags({text("interval", 0, "DURATION", "time between two statistics", "5s"),
                boolean("stats", 0, "print the statistics once and exit")}),
         exactly(1)},
        {"exec",
         "run a new process in a running container",
         "<container-id> <command> [args...]",
         "Everything after the command name is passed to the command unchanged. "
         "With --process, the process is read from a runtime-spec process JSON file.",
         flags({kConsoleSocket, kPidfdSocket, text("cwd", 0, "DIR", "working directory"),
                repeated("env", 'e', "KEY=VALUE", "set an environment variable (repeatable)"),
                boolean("tty", 't', "allocate a pseudo-terminal"),
                text("user", 'u', "UID[:GID]", "user (and group) to run as"),
                repeated("additional-gids", 'g', "GID", "add a supplementary group (repeatable)"),
                text("process", 'p', "FILE", "read the process from a process.json FILE"), kDetach,
                kPidFile, text("process-label", 0, "LABEL", "SELinux label of the process"),
                text("apparmor", 0, "PROFILE", "AppArmor profile of the process"),
                boolean("no-new-privs", 0, "set no_new_privs for the process"),
                repeated("cap", 'c', "CAP", "add a capability (repeatable)"), kPreserveFds,
                repeated("cgroup", 0, "[CONTROLLER:]PATH",
                         "run in this sub-cgroup of the container (repeatable)"),
                boolean("ignore-paused", 0, "run even if the container is paused")}),
         {1, kUnbounded, 2}},
        {"features", "show the features this runtime implements", "",
         "Prints the runtime-spec features document as JSON.", flags({}), exactly(0)},
        {"kill",
         "send a signal to the container's init process",
         "<container-id> [signal]",
         "The signal is a name (KILL, SIGKILL) or a number; the default is SIGTERM.",
         flags({boolean("all", 'a', "signal every process in the container's cgroup"),
                text("signal", 0, "SIGNAL", "the signal, instead of the positional argument")}),
         {1, 2, 0}},
        {"list", "list the containers under --root", "",
         "Prints one line (or JSON object) per container.",
         flags({kFormat, boolean("quiet", 'q', "print only the container IDs")}), exactly(0)},
        {"pause", "freeze every process of a container", kId, "Freezes the container's cgroup.",
         flags({}), exactly(1)},
        {"ps",
         "list the processes of a container",
         "<container-id> [ps options]",
         "Arguments after the container ID are passed to ps(1) for the table format.",
         flags({kFormat}),
         {1, kUnbounded, 1}},
        {"restore", "restore a container from a CRIU checkpoint", kId,
         "Recreates a container from the image files written by \"hull checkpoint\", with the "
         "bundle's config.json; without --detach hull waits for it as `run` does.",
         flags({kImagePath, kWorkPath, kTcpEstablished, kExtUnixSk, kShellJob, kFileLocks,
                kManageCgroups, kBundle, kConsoleSocket, kDetach, kPidFile, kNoSubreaper, kNoPivot,
                kEmptyNs, kAutoDedup, kLazyPages,
                text("lsm-profile", 0, "TYPE:LABEL",
                     "LSM profile of the restored process (not supported: refused)"),
                text("lsm-mount-context", 0, "CONTEXT",
                     "SELinux mount context (not supported: refused)")}),
         exactly(1)},
        {"resume", "thaw a paused container", kId, "Thaws the container's cgroup.", flags({}),
         exactly(1)},
        {"run", "create and start a container", kId,
         "Creates the container, starts it and, unless --detach, waits for it, deletes it and "
         "exits with its status.",
         std::move(run_flags), exactly(1)},
        {"spec", "write a starter config.json", "",
         "Writes config.json into the bundle directory; an existing file is kept.",
         flags({kBundle, boolean("rootless", 0, "write a config for an unprivileged user")}),
         exactly(0)},
        {"start", "start the process of a created container", kId,
         "Runs the user's process of a container in the created state.", flags({}), exactly(1)},
        {"state", "print the state of a container as JSON", kId,
         "Prints the runtime-spec state of the container.", flags({}), exactly(1)},
        {"update", "change the resource limits of a container", kId,
         "Reads linux.resources JSON from --resources (\"-\" for stdin) and/or the flags.",
         flags({text("resources", 'r', "FILE", "LinuxResources JSON file, \"-\" for stdin"),
                unsigned_number("blkio-weight", 0, "WEIGHT", "block IO weight (10 to 1000)"),
                unsigned_number("cpu-period", 0, "USEC", "CPU CFS period"),
                signed_number("cpu-quota", 0, "USEC", "CPU CFS quota"),
                unsigned_number("cpu-burst", 0, "USEC", "CPU CFS burst (accumulated quota)"),
                signed_number("cpu-idle", 0, "0|1", "1: the cgroup gets SCHED_IDLE"),
                unsigned_number("cpu-share", 0, "SHARES", "CPU shares (relative weight)"),
                unsigned_number("cpu-rt-period", 0, "USEC", "CPU real-time period"),
                signed_number("cpu-rt-runtime", 0, "USEC", "CPU real-time runtime"),
                text("cpuset-cpus", 0, "CPUS", "CPUs the container may use (0-3,6)"),
                text("cpuset-mems", 0, "NODES", "memory nodes the container may use"),
                text("memory", 0, "BYTES", "memory limit"),
                text("memory-reservation", 0, "BYTES", "memory soft limit"),
                text("memory-swap", 0, "BYTES", "memory plus swap limit (-1: unlimited)"),
                text("kernel-memory", 0, "BYTES", "kernel memory limit (ignored)"),
                text("kernel-memory-tcp", 0, "BYTES", "kernel TCP buffer limit (ignored)"),
                signed_number("pids-limit", 0, "N", "maximum number of processes"),
                text("l3-cache-schema", 0, "SCHEMA", "Intel RDT L3 cache schema"),
                text("mem-bw-schema", 0, "SCHEMA", "Intel RDT memory bandwidth schema")}),
         exactly(1)},
    };
    std::ranges::sort(cmds, {}, &CommandSpec::name);
    return cmds;
}

} // namespace

std::span<const FlagSpec> global_flags() {
    return kGlobalFlags;
}

ArgRules global_rules() {
    return {0, kUnbounded, 1};
}

const std::vector<CommandSpec>& command_specs() {
    static const std::vector<CommandSpec> specs = build();
    return specs;
}

const CommandSpec* find_command(std::string_view name) {
    for (const auto& c : command_specs())
        if (c.name == name) return &c;
    return nullptr;
}

} // namespace hull::cli
