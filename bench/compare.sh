#!/bin/bash
# Side-by-side benchmark: hull against every other OCI runtime found (crun, runc), and against
# the floor `unshare -m -p -f -u -i -n chroot rootfs /bin/true`, interleaved in one run
# (A B C A B C ...), so that the machine's noise falls on all alike. Writes a markdown table
# (results.md), the raw samples (samples.json) and a plot of per-run latency (latency.png).
#
#   bench/compare.sh [HULL] [-- options for compare.py]
#   e.g. bench/compare.sh build/hull                  # N=50 samples per case
#        N=10 SEQ=20 bench/compare.sh build/hull      # a quick run
#        OLD=/tmp/hull-old bench/compare.sh build/hull  # a second hull build side by side
#
# Environment: N (samples per case, default 50), SEQ (runs in the sequential case, default
# 100), PAR (runs per stream in the two-stream case, default 50), NBIG (samples of the
# sequential and parallel cases, default 5), OUT (output directory, default bench/out),
# RUNTIMES (space-separated list of name=path to compare, default: every one found),
# OLD (an older hull binary, compared as "hull-old"), CRUN_TWICE=1 (crun measured twice, to
# show the noise), NO_APT=1 (skip the apt-get install).
# Run as root. Every runtime runs inside one private mount namespace in which the cgroup2
# mount at /sys/fs/cgroup/unified (a hybrid host's) is hidden: crun refuses hybrid hosts.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
HULL=$(realpath "${1:-$HERE/../build/hull}")
shift || true
[ "${1:-}" = "--" ] && shift

if [ "${NO_APT:-0}" != 1 ]; then
    need=()
    command -v crun >/dev/null || need+=(crun)
    command -v runc >/dev/null || need+=(runc)
    command -v gnuplot >/dev/null || need+=(gnuplot-nox)
    [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q static || need+=(busybox-static)
    [ -f /usr/share/containers/seccomp.json ] || need+=(golang-github-containers-common)
    command -v file >/dev/null || need+=(file)
    [ -x /usr/bin/time ] || need+=(time)
    if [ ${#need[@]} -gt 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
fi

OUT=$(realpath -m "${OUT:-$HERE/out}")
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/hull-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

if [ -z "${RUNTIMES:-}" ]; then
    RUNTIMES="hull=$HULL"
    [ -n "${OLD:-}" ] && RUNTIMES+=" hull-old=$(realpath "$OLD")"
    for r in crun runc; do
        p=$(command -v $r || true)
        [ -n "$p" ] && RUNTIMES+=" $r=$p"
    done
    [ "${CRUN_TWICE:-0}" = 1 ] && command -v crun >/dev/null && RUNTIMES+=" crun#2=$(command -v crun)"
fi

# One private mount namespace for the whole run; inside it the cgroup2 mount is hidden and
# the state directories live on a tmpfs, as /run is on most hosts.
exec unshare -m --propagation private bash -c '
    set -e
    if mountpoint -q /sys/fs/cgroup/unified; then umount -l /sys/fs/cgroup/unified; fi
    mkdir -p "$1/state" && mount -t tmpfs -o mode=0700 bench-state "$1/state"
    shift
    exec python3 "$@"
' bash "$WORK" "$HERE/compare.py" --work "$WORK" --out "$OUT" \
    --n "${N:-50}" --seq "${SEQ:-100}" --par "${PAR:-50}" --nbig "${NBIG:-5}" \
    --runtimes $RUNTIMES "$@"
