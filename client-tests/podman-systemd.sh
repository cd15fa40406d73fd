#!/usr/bin/env bash
# podman-systemd.sh - podman as root with cgroup_manager = "systemd" drives hull, against
# systemd as PID 1: the systemd lane runs it in its guest (tools/systemd-lane-guest.sh), inside
# systemd's pid and mount namespaces. podman passes --systemd-cgroup to hull, which asks
# systemd for the container's libpod-<id>.scope in machine.slice; podman puts conmon in a scope
# of its own. A part of the daily set (daily.sh) plus the scope's own checks: the unit is
# active with the limits as properties while the container runs, exec joins it, and no unit or
# cgroup is left after rm.
# Usage: podman-systemd.sh WORKDIR   (env: HULL_BINARY, CLIENT_IMAGE_ROOTFS_TAR)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CLIENT_NAME=podman-systemd
. "$here/lib.sh"

# Not client_prologue: a fresh /run would hide systemd's bus.
lane_prologue "$1"
. "$here/podman-lib.sh"
PODMAN_CONTAINERS_LINES=$'netns = "none"\nlog_driver = "k8s-file"'
PODMAN_ENGINE_LINES='cgroup_manager = "systemd"'
podman_conf || fail_script
podman_cli vfs
LEFTOVER_CGROUP_PARENT=machine.slice
LEFTOVER_MOUNT_RE="$ST/.*/vfs/"

cg_rel() { echo "machine.slice/$(scope_of "$1")"; }
scope_of() { echo "libpod-$("${CLI[@]}" inspect -f '{{.Id}}' "$1").scope"; }

# The libpod scopes systemd knows (loaded in any state), one per line.
libpod_units() {
    systemctl list-units --all --plain --no-legend 'libpod-*' 2>/dev/null | awk '{ print $1 }'
}

. "$here/daily.sh"

# Only these of the daily set run here (each podman command is slow in an emulated VM).
daily_here='run_exit_code_and_streams|detached_exec_stop_rm|stop_kills_after_timeout|pause_unpause|limits_visible_inside|memory_limit_enforced|pids_limit_enforced'
CLIENT_TESTS_FILTER=${CLIENT_TESTS_FILTER:-"^($daily_here|systemd_.*)\$"}

test_systemd_scope_while_running() {
    start_detached s1 "$TERM_OK" --memory 64m --pids-limit 40 --cpu-shares 512
    local scope cg
    scope=$(scope_of s1)
    cg=/sys/fs/cgroup/machine.slice/$scope
    expect_ok systemctl is-active "$scope"
    expect_eq "$OUT" active "systemd's view of $scope"
    expect_ok systemctl status --no-pager "$scope"
    expect_contains "$OUT" "$scope" "systemctl status"
    expect_ok systemctl show -p MemoryMax -p TasksMax -p Delegate -p Slice "$scope"
    expect_contains "$OUT" "MemoryMax=67108864" "the memory limit as a unit property"
    expect_contains "$OUT" "TasksMax=40" "the pids limit as a unit property"
    expect_contains "$OUT" "Delegate=yes" "Delegate"
    expect_contains "$OUT" "Slice=machine.slice" "the slice"
    [ -d "$cg" ] || die "no cgroup $cg"
    expect_eq "$(cat "$cg/memory.max")" 67108864 "memory.max of the scope"
    # the container's init is in the scope's cgroup
    local pid
    pid=$(inspect s1 '{{.State.Pid}}')
    expect_eq "$(cut -d: -f3 "/proc/$pid/cgroup")" "/machine.slice/$scope" "cgroup of the init"
    # exec joins it
    expect_ok cli exec s1 cat /proc/self/cgroup
    expect_eq "$OUT" "0::/" "cgroup of an exec'd process, seen inside (cgroup namespace)"
    expect_ok cli exec -d s1 sh -c 'sleep 300'
    local n
    n=$(wc -l <"$cg/cgroup.procs")
    [ "$n" -ge 2 ] || die "the exec'd sleep is not in $cg (cgroup.procs: $(cat "$cg/cgroup.procs"))"
    # podman puts conmon in a scope of its own
    libpod_units | grep -q '^libpod-conmon-' || die "no conmon scope: $(libpod_units)"
    expect_ok cli stop -t 5 s1
    expect_ok cli rm s1
    wait_for 10 sh -c '[ -z "$(systemctl list-units --all --plain --no-legend "libpod-*")" ]' ||
        die "units left after rm: $(libpod_units)"
    [ ! -d "$cg" ] || die "$cg left after rm"
}

test_systemd_update_reaches_the_unit() {
    start_detached u1 "$TERM_OK" --memory 64m
    local scope
    scope=$(scope_of u1)
    expect_ok cli update --memory 96m --cpus 0.5 u1
    expect_ok systemctl show -p MemoryMax -p CPUQuotaPerSecUSec "$scope"
    expect_contains "$OUT" "MemoryMax=100663296" "MemoryMax after update"
    expect_contains "$OUT" "CPUQuotaPerSecUSec=500ms" "CPU quota after update"
    expect_eq "$(cat "/sys/fs/cgroup/machine.slice/$scope/memory.max")" 100663296 "memory.max"
    expect_ok cli "${RM_FORCE[@]}" u1
}

test_systemd_run_rm_leaves_no_unit() {
    expect_rc 4 cli run --rm --memory 32m "$IMG" sh -c 'exit 4'
    wait_for 10 sh -c '[ -z "$(systemctl list-units --all --plain --no-legend "libpod-*")" ]' ||
        die "units left after run --rm: $(libpod_units)"
}

podman_import_image 300
say "podman $(podman --version | awk '{ print $3 }'), hull at $HULL," \
    "cgroup manager: $("${CLI[@]}" info -f '{{.Host.CgroupManager}}' 2>&1)"
set_base_processes
run_tests
cleanup_client
# nothing of podman's or hull's may stay in systemd
left=$(libpod_units)
if [ -n "$left" ]; then
    echo "FAIL $CLIENT_NAME: units left at the end: $left"
    echo "$CLIENT_NAME: $N_PASS passed, $((N_FAIL + 1)) failed"
fi
