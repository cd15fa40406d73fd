#!/usr/bin/env bash
# podman-checkpoint.sh - podman's `container checkpoint` and `container restore` with hull as
# the runtime, where criu works: the criu lane runs it in its guest (tools/criu-guest.sh).
# podman as root, cgroupfs (the lane has no systemd), vfs storage, no network. A busybox loop
# counts on its stdout (podman logs); it is checkpointed (gone), restored (counting on from
# where it stopped, not from 1), checkpointed with --leave-running, and exported to a tar
# file, removed and restored from it (--import). After each test the harness checks that
# nothing of the container is left (cgroups under podman's parent, /run/hull state, mounts,
# processes).
# Usage: podman-checkpoint.sh WORKDIR   (env: HULL_BINARY, CLIENT_IMAGE_ROOTFS_TAR)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CLIENT_NAME=podman-checkpoint
. "$here/lib.sh"

# Not client_prologue (it puts a fresh tmpfs on /run): the lane's guest is private already.
lane_prologue "$1"
CMD_TIMEOUT=120 # criu under an emulated CPU
. "$here/podman-lib.sh"
PODMAN_CONTAINERS_LINES=$'netns = "none"\nlog_driver = "k8s-file"\ncgroupns = "private"'
PODMAN_ENGINE_LINES='cgroup_manager = "cgroupfs"'
podman_conf || fail_script
podman_cli vfs
LEFTOVER_CGROUP_PARENT=libpod_parent
LEFTOVER_CGROUP_KEEP=conmon
LEFTOVER_MOUNT_RE="$ST/.*/vfs/"

cli() { "${CLI[@]}" "$@"; }
inspect() { cli inspect -f "$2" "$1"; }

# A detached counter: "n" on its stdout every 0.2 s. Its own session and /dev/null as stdin:
# criu wants no session leader outside the container.
COUNT='i=0; while true; do i=$((i+1)); echo $i; sleep 0.2; done'
start_counter() { # NAME
    expect_ok cli run -d --name "$1" "$IMG" setsid sh -c "$COUNT"
    local i n
    for ((i = 0; i < 150; i++)); do
        n=$(last_count "$1")
        [ -n "$n" ] && [ "$n" -ge 10 ] && return 0
        sleep 0.2
    done
    die "$1 never counted to 10: $(cli logs "$1" 2>&1 | tail -n 3)"
}
# The last number the counter printed.
last_count() { "${CLI[@]}" logs "$1" 2>/dev/null | tail -n 1 | tr -dc '0-9'; }

# The count goes on from `from`: the first number seen after the restore is at least `from`
# (a restarted loop would begin at 1), and it passes `from` + 3.
counts_on_from() { # NAME FROM
    local i n first=""
    for ((i = 0; i < 100; i++)); do
        [ -z "$first" ] || break
        first=$(last_count "$1")
        [ -n "$first" ] || sleep 0.1
    done
    [ -n "$first" ] && [ "$first" -ge "$2" ] ||
        die "$1 began again at '$first' after the restore, not at $2 or above"
    for ((i = 0; i < 100; i++)); do
        n=$(last_count "$1")
        [ -n "$n" ] && [ "$n" -ge $(($2 + 3)) ] && return 0
        sleep 0.2
    done
    die "$1 did not count on from $2 (last: $(last_count "$1"))"
}

test_checkpoint_then_restore_counts_on() {
    start_counter c1
    expect_ok cli container checkpoint c1
    expect_eq "$(inspect c1 '{{.State.Status}}')" exited "status after checkpoint"
    [ -z "$(ls /run/hull 2>/dev/null | grep -v seccomp-cache)" ] ||
        die "hull still knows the container: $(ls /run/hull)"
    local at
    at=$(last_count c1)
    sleep 1
    expect_eq "$(last_count c1)" "$at" "the count while checkpointed"
    expect_ok cli container restore c1
    expect_eq "$(inspect c1 '{{.State.Status}}')" running "status after restore"
    counts_on_from c1 "$at"
    # the restored init is hull's container again
    expect_ok "$HULL" state "$(inspect c1 '{{.Id}}')"
    expect_contains "$OUT" '"status": "running"' "hull state"
    expect_ok cli rm -f -t 0 c1
}

test_checkpoint_leave_running() {
    start_counter c2
    expect_ok cli container checkpoint --leave-running c2
    expect_eq "$(inspect c2 '{{.State.Status}}')" running "status after --leave-running"
    local at
    at=$(last_count c2)
    counts_on_from c2 "$at"
    expect_ok cli rm -f -t 0 c2
}

test_checkpoint_export_rm_restore_import() {
    start_counter c3
    local tarball=$WORK/c3.tar.gz at
    expect_ok cli container checkpoint --export "$tarball" c3
    at=$(last_count c3)
    [ -s "$tarball" ] || die "no exported checkpoint"
    expect_ok cli rm c3
    expect_ok cli container restore --import "$tarball"
    expect_eq "$(inspect c3 '{{.State.Status}}')" running "status after restore --import"
    counts_on_from c3 "$at"
    expect_ok cli rm -f -t 0 c3
}

podman_import_image 300
say "podman $(podman --version | awk '{ print $3 }'), criu $(criu --version | head -n1)"
set_base_processes
run_tests
cleanup_client
