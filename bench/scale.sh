#!/bin/bash
# Scale: COUNT containers (sleeping busybox) created and left running; `state`, `create`,
# `start`, `delete` and `list` timed with 10 and with COUNT running; host memory per idle
# container. Writes scale.md and scale.json to OUT.
#
#   bench/scale.sh [HULL]                  # COUNT=1000, K=20 samples, hull and runc
#   COUNT=100 K=5 bench/scale.sh build/hull  # a quick run
#
# Environment: COUNT, K, OUT (default bench/out), RUNTIMES (name=path ..., default hull and
# runc), NO_APT=1. Run as root; like compare.sh, in a private mount namespace with the
# cgroup2 mount of a hybrid host hidden, so crun can be listed in RUNTIMES too.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
HULL=$(realpath "${1:-$HERE/../build/hull}")
if [ "${NO_APT:-0}" != 1 ]; then
    need=()
    command -v runc >/dev/null || need+=(runc)
    [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static || need+=(busybox-static)
    [ -f /usr/share/containers/seccomp.json ] || need+=(golang-github-containers-common)
    command -v file >/dev/null || need+=(file)
    if [ ${#need[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
fi
OUT=$(realpath -m "${OUT:-$HERE/out}")
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/hull-scale.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
RUNTIMES=${RUNTIMES:-"hull=$HULL runc=$(command -v runc)"}
exec unshare -m --propagation private bash -c '
    set -e
    if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi
    mkdir -p "$1/state" && mount -t tmpfs -o mode=0700 bench-state "$1/state"
    shift
    exec python3 "$@"
' bash "$WORK" "$HERE/scale.py" --work "$WORK" --out "$OUT" \
    --count "${COUNT:-1000}" --k "${K:-20}" --runtimes $RUNTIMES
