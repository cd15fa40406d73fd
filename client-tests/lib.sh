# lib.sh - the small test harness shared by the client scripts (sourced, not run).
#
# A client script defines test_NAME functions and calls `run_tests`. Each test runs in a
# subshell: the first failed check (`die`, `expect_*`) ends it. After each test the script's
# `cleanup_client` hook removes whatever the test left, and `check_leftovers` fails the test
# if a mount, cgroup, state directory or process of a container was still there.
# Output: "PASS name (Ns)" / "FAIL name: reason" lines, then "<client>: N passed, M failed".
#
# Every client script runs as PID 1 of private mount, network and PID namespaces
# (run.sh starts it with unshare), with a tmpfs on /run and on its work directory.

set -uo pipefail

CLIENT_NAME=${CLIENT_NAME:-client}
CMD_TIMEOUT=${CMD_TIMEOUT:-60}
declare -i N_PASS=0 N_FAIL=0
BASE_PIDS=" "   # processes that live for the whole script (PID 1, the daemons)
LEFTOVER_CGROUP_PARENT="" # cgroup parent of the client's containers (one level under the root)
LEFTOVER_STATE_DIRS=()     # directories (or globs) that must be empty but for LEFTOVER_STATE_KEEP
LEFTOVER_STATE_KEEP="seccomp-cache"
LEFTOVER_MOUNT_RE=""       # extended regex over /proc/self/mountinfo lines
LEFTOVER_CGROUP_KEEP=""   # names of the client's own cgroups under the parent (conmon)

say() { echo "[$CLIENT_NAME] $*" >&2; }

# Ends the current test with a reason.
die() {
    echo "FAILED CHECK: $*" >&2
    exit 1
}

# Runs a command with a time limit, its stdout in $OUT, stderr in $ERR, status in $RC.
capture() {
    local o e
    [ "$1" != cli ] || { shift; set -- "${CLI[@]}" "$@"; }
    o=$(mktemp) e=$(mktemp)
    timeout -k 5 "$CMD_TIMEOUT" "$@" >"$o" 2>"$e" </dev/null
    RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    return 0
}

# expect_rc WANT CMD...: runs CMD (capture) and checks its exit status.
expect_rc() {
    local want=$1
    shift
    capture "$@"
    [ "$RC" = "$want" ] || die "'$*' exited $RC, expected $want
stdout: $OUT
stderr: $ERR"
}

# expect_ok CMD...: expect_rc 0.
expect_ok() { expect_rc 0 "$@"; }

expect_eq() { # GOT WANT WHAT
    [ "$1" = "$2" ] || die "$3: got '$1', expected '$2'"
}

expect_contains() { # HAYSTACK NEEDLE WHAT
    case $1 in
    *"$2"*) ;;
    *) die "$3: '$2' not found in: $1" ;;
    esac
}

expect_not_contains() { # HAYSTACK NEEDLE WHAT
    case $1 in
    *"$2"*) die "$3: '$2' unexpectedly found in: $1" ;;
    esac
}

# wait_for SECONDS CMD...: retries CMD (quietly) every 0.1 s until it succeeds.
wait_for() {
    local secs=$1 i
    shift
    for ((i = 0; i < secs * 10; i++)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

# A cgroup directory under every mounted hierarchy (v1 controllers and v2).
cgroup_dirs_of() { # RELATIVE_PATH
    local d
    for d in /sys/fs/cgroup/"$1" /sys/fs/cgroup/*/"$1"; do
        [ -d "$d" ] && echo "$d"
    done
}

# The freezer state of a cgroup (v1 freezer.state or v2 cgroup.freeze as FROZEN/THAWED).
freezer_state() { # RELATIVE_PATH
    if [ -f /sys/fs/cgroup/freezer/"$1"/freezer.state ]; then
        cat /sys/fs/cgroup/freezer/"$1"/freezer.state
    elif [ -f /sys/fs/cgroup/"$1"/cgroup.freeze ]; then
        [ "$(cat /sys/fs/cgroup/"$1"/cgroup.freeze)" = 1 ] && echo FROZEN || echo THAWED
    else
        echo "no freezer for $1"
    fi
}

# Runs a command with a pseudo-terminal as its stdin/stdout (script(1)); the input comes from
# stdin. Output in $OUT (with \r removed), status in $RC.
with_tty() { # COMMAND_STRING
    local o
    o=$(mktemp)
    timeout -k 5 "$CMD_TIMEOUT" script -qefc "$1" /dev/null >"$o" 2>&1
    RC=$?
    OUT=$(tr -d '\r' <"$o")
    rm -f "$o"
}

# The processes now alive in this PID namespace that were not there at the start (but for
# this shell and its parents: the subshells of $(...)).
new_processes() {
    local p comm args self=" " q=$BASHPID stat
    while [ "$q" -gt 1 ]; do
        self+="$q "
        read -r stat <"/proc/$q/stat" || break
        stat=${stat##*) }
        q=$(set -- $stat; echo "$2")
    done
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        case $BASE_PIDS in *" $p "*) continue ;; esac
        case $self in *" $p "*) continue ;; esac
        # kernel threads (kthreadd and its children) come and go where the script sees the
        # host's pids (a lane's guest): they are not the container's
        read -r stat <"/proc/$p/stat" 2>/dev/null || continue
        stat=${stat##*) }
        [ "$p" = 2 ] || [ "$(set -- $stat; echo "$2")" = 2 ] && continue
        comm=$(cat /proc/"$p"/comm 2>/dev/null) || continue
        args=$(tr '\0' ' ' </proc/"$p"/cmdline 2>/dev/null)
        echo "pid $p ($comm): $args"
    done
}

# Records the processes alive now as the ones that are allowed to stay.
set_base_processes() {
    local p
    BASE_PIDS=" "
    for p in /proc/[0-9]*; do BASE_PIDS+="${p#/proc/} "; done
}

# Lists what a container left behind: cgroups below LEFTOVER_CGROUP_PARENT, entries in the
# state dirs, mounts matching LEFTOVER_MOUNT_RE, new processes. Empty output: clean.
leftovers() {
    local d e procs
    if [ -n "$LEFTOVER_CGROUP_PARENT" ]; then
        for d in $(cgroup_dirs_of "$LEFTOVER_CGROUP_PARENT"); do
            find "$d" -mindepth 1 -type d -printf 'cgroup %p\n' 2>/dev/null |
                grep -vE "^cgroup $d/(${LEFTOVER_CGROUP_KEEP:-/})\$"
        done
    fi
    # Unquoted: the entries may be globs (no spaces in these paths).
    for d in ${LEFTOVER_STATE_DIRS[*]}; do
        [ -d "$d" ] || continue
        for e in "$d"/* "$d"/.[!.]*; do
            [ -e "$e" ] || continue
            case " $LEFTOVER_STATE_KEEP " in *" ${e##*/} "*) continue ;; esac
            echo "state $e"
        done
    done
    if [ -n "$LEFTOVER_MOUNT_RE" ]; then
        grep -E "$LEFTOVER_MOUNT_RE" /proc/self/mountinfo | awk '{print "mount " $5}'
    fi
    procs=$(new_processes)
    [ -z "$procs" ] || echo "$procs"
}

# Leftovers that a failed test could not clean up: reported once, then not held against
# the tests after it.
KNOWN_LEFTOVERS=""

# Waits up to 10 s for leftovers to go (shims and conmon exit a moment after a delete).
check_leftovers() {
    local left i
    for ((i = 0; i < 50; i++)); do
        left=$(leftovers)
        [ -z "$KNOWN_LEFTOVERS" ] || left=$(grep -vxF -e "$KNOWN_LEFTOVERS" <<<"$left")
        [ -z "$left" ] && return 0
        sleep 0.2
    done
    echo "$left"
    return 1
}

# Removes the (empty) cgroup parent directory of the client from every hierarchy.
remove_cgroup_parent() {
    local d
    [ -n "$LEFTOVER_CGROUP_PARENT" ] || return 0
    for d in $(cgroup_dirs_of "$LEFTOVER_CGROUP_PARENT"); do
        find "$d" -depth -mindepth 0 -type d -exec rmdir {} + 2>/dev/null
        [ -d "$d" ] && say "could not remove $d"
    done
    return 0
}

# Runs every test_* function (or those matching $CLIENT_TESTS_FILTER) and prints the summary.
run_tests() {
    local t name log start secs left
    log=$(mktemp)
    for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
        name=${t#test_}
        if [ -n "${CLIENT_TESTS_FILTER:-}" ] && ! [[ $name =~ $CLIENT_TESTS_FILTER ]]; then
            continue
        fi
        start=$(date +%s.%N)
        ("$t") >"$log" 2>&1
        local rc=$?
        cleanup_client >>"$log" 2>&1
        left=""
        if [ $rc -eq 0 ]; then
            left=$(check_leftovers) || rc=1
        fi
        secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e - s}')
        if [ $rc -eq 0 ]; then
            N_PASS+=1
            echo "PASS $CLIENT_NAME/$name (${secs}s)"
        else
            N_FAIL+=1
            echo "FAIL $CLIENT_NAME/$name (${secs}s)"
            if [ -n "$left" ]; then
                echo "  left behind after the container was removed:"
                sed 's/^/    /' <<<"$left"
            fi
            tail -n 25 "$log" | sed 's/^/  | /'
            # Clean up for the next test whatever this one left.
            cleanup_client >/dev/null 2>&1
            if ! left=$(check_leftovers); then
                say "left even after the cleanup (ignored from now on):"
                sed "s/^/    /" <<<"$left"
                KNOWN_LEFTOVERS+="$left"$'\n'
            fi
        fi
    done
    rm -f "$log"
    echo "$CLIENT_NAME: $N_PASS passed, $N_FAIL failed"
}

# A fresh tmpfs on /run (the runtime's default root /run/hull, the clients' sockets) and on
# DIR (the client's private state), so nothing of the host's is seen or changed.
private_dirs() { # DIR
    mount -t tmpfs -o mode=755 tmpfs /run || return 1
    mkdir -p "$1" && mount -t tmpfs -o mode=755 tmpfs "$1" || return 1
    ip link set lo up
}

# Ends the script before any test ran, counted as one failed test.
fail_script() {
    echo "$CLIENT_NAME: 0 passed, 1 failed"
    exit 1
}

# The start of every client script (after it has set CLIENT_NAME and sourced this file): WORK
# (the script's work directory), HULL (the binary under test) and ST, the script's private
# state directory, a fresh tmpfs like /run (private_dirs).
client_prologue() { # WORKDIR
    lane_prologue "$1"
    private_dirs "$ST" || fail_script
}

# The same for a script that a lane runs in its guest, whose mount namespace is private
# already and whose /run must stay (systemd's bus is there): WORK, HULL and ST only.
lane_prologue() { # WORKDIR
    WORK=$1
    HULL=$HULL_BINARY
    ST=$WORK/state
}

# The end of a client script whose daemon (pid in daemon_pid) is up and whose test image is
# loaded: runs the tests, removes what the last one left, stops the daemon and removes the
# client's cgroup parent.
run_tests_and_stop() {
    set_base_processes
    run_tests
    cleanup_client
    kill "$daemon_pid"
    wait "$daemon_pid"
    remove_cgroup_parent
}
