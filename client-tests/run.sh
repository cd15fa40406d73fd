#!/usr/bin/env bash
# run.sh - the client suite: real podman, containerd (ctr) and dockerd drive hull.
#
# Installs the clients from Debian (install.sh), builds a busybox-static test image, then runs
# each client's script as PID 1 of private mount, network and PID namespaces, with its own
# state, config and sockets on a tmpfs: nothing of the host's container state is used or
# changed. Each script checks after every removal that no mount, cgroup, state directory or
# process is left. Needs root.
#
# Usage: client-tests/run.sh [CLIENT...]   (clients: podman podman-rootless containerd docker;
#                                            default all)
# Environment:
#   HULL_BINARY             the hull to test (default: build/hull)
#   CLIENT_TESTS_FILTER     run only the tests whose name matches this regex
#   CLIENT_TESTS_LOGDIR     keep each client's output there (default: a temp dir, removed)
# Prints one line per test, "<client>: N passed, M failed" per client and, last,
# "clients: N passed, M failed". Exit status 0 when nothing failed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

export HULL_BINARY=${HULL_BINARY:-$root/build/hull}
clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(podman podman-rootless containerd docker)

fail_all() {
    echo "clients: 0 passed, 1 failed"
    exit 1
}
[ -x "$HULL_BINARY" ] || { echo "run.sh: no hull binary at $HULL_BINARY" >&2; fail_all; }
[ "$(id -u)" -eq 0 ] || { echo "run.sh: the client suite needs root" >&2; fail_all; }

docker_dir=$("$here/install.sh" | tail -n1) || { echo "run.sh: installing the clients failed" >&2; fail_all; }
export DOCKER_DIR=$docker_dir

work=$(mktemp -d /tmp/hull-clients.XXXXXX)
# CLIENT_TESTS_KEEP=1 keeps the work directory (daemon logs, state) for a look after a failure.
if [ "${CLIENT_TESTS_KEEP:-0}" = 1 ]; then echo "run.sh: keeping $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
logdir=${CLIENT_TESTS_LOGDIR:-$work/logs}
mkdir -p "$logdir"

"$here/make-image.sh" "$work/image" || { echo "run.sh: building the test image failed" >&2; fail_all; }
export CLIENT_IMAGE_ROOTFS_TAR=$work/image/rootfs.tar
export CLIENT_IMAGE_ARCHIVE=$work/image/image.tar

# The cgroup parent each client puts its containers under (see the scripts).
cgroup_parent_of() {
    case $1 in
    podman) echo libpod_parent ;;
    containerd) echo hullct ;;
    docker) echo hull-clients-docker ;;
    esac
}

total_pass=0 total_fail=0
suite_start=$(date +%s)
for c in "${clients[@]}"; do
    if [ ! -f "$here/$c.sh" ]; then
        echo "run.sh: unknown client $c" >&2
        total_fail=$((total_fail + 1))
        continue
    fi
    mkdir -p "$work/$c"
    # Empty parents from an earlier, interrupted run are removed first.
    for parent in $(cgroup_parent_of "$c"); do
        for d in /sys/fs/cgroup/$parent /sys/fs/cgroup/*/$parent; do
            [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
    done
    start=$(date +%s)
    # PID 1 of new namespaces: when the script ends, every process it left is killed.
    unshare --mount --net --pid --fork --mount-proc --propagation private \
        bash "$here/$c.sh" "$work/$c" 2>&1 | tee "$logdir/$c.log"
    line=$(grep -E "^$c: [0-9]+ passed, [0-9]+ failed$" "$logdir/$c.log" | tail -n1)
    if [ -n "$line" ]; then
        p=$(awk '{print $2}' <<<"$line") f=$(awk '{print $4}' <<<"$line")
    else
        echo "$c: the script ended without a summary"
        p=0 f=1
    fi
    echo "$c: took $(($(date +%s) - start))s"
    total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
    # The scripts remove their cgroup parents; anything left there is the runtime's leak.
    for parent in $(cgroup_parent_of "$c"); do
        for d in /sys/fs/cgroup/$parent /sys/fs/cgroup/*/$parent; do
            if [ -d "$d" ]; then
                echo "$c: cgroup $d was left on the host"
                total_fail=$((total_fail + 1))
                find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
            fi
        done
    done
done
echo "client suite took $(($(date +%s) - suite_start))s"
echo "clients: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
