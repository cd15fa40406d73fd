#!/bin/bash
# Latency of `hull exec` with and without the protection of the hull binary (CVE-2019-5736,
# docs/security.md): the median wall time of N runs of `hull exec <id> /probe exit 0` into a
# running container without a user namespace (the case that pays for the protection), then
# the same with HULL_BENCH_NO_EXE_SEAL=1. Run as root.
#
#   bench/exec_protection.sh HULL PROBE [N]      e.g. build/hull build/spec-tests/probe 200
set -euo pipefail
HULL=$(realpath "${1:?hull binary}")
PROBE=$(realpath "${2:?static probe binary}")
N=${3:-100}
WORK=$(mktemp -d /tmp/hull-bench-exec.XXXXXX)
ID=bench-exec-$$
cleanup() {
    "$HULL" --root "$WORK/state" delete --force "$ID" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/bundle/rootfs"/{proc,dev,tmp,sys}
cp "$PROBE" "$WORK/bundle/rootfs/probe"
"$HULL" spec --bundle "$WORK/bundle"
python3 - "$WORK/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = ["/probe", "sleep", "100000"]
c["process"]["terminal"] = False
json.dump(c, open(p, "w"))
PY
"$HULL" --root "$WORK/state" run -d --bundle "$WORK/bundle" "$ID"

# Median milliseconds of N runs of "$@".
median_ms() {
    local times=()
    for ((i = 0; i < N; i++)); do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >/dev/null
        t1=$(date +%s%N)
        times+=($(((t1 - t0) / 1000)))
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1000}'
}

EXEC=("$HULL" --root "$WORK/state" exec "$ID" /probe exit 0)
"${EXEC[@]}" # warm up (page cache, seccomp cache)
with=$(median_ms "${EXEC[@]}")
without=$(HULL_BENCH_NO_EXE_SEAL=1 median_ms "${EXEC[@]}")
# A binary on a read-only mount needs no protection at all: the check alone.
mkdir -p "$WORK/ro"
cp "$HULL" "$WORK/ro/hull"
mount --bind "$WORK/ro" "$WORK/ro"
mount -o remount,bind,ro "$WORK/ro"
RO_EXEC=("$WORK/ro/hull" --root "$WORK/state" exec "$ID" /probe exit 0)
ro=$(median_ms "${RO_EXEC[@]}")
umount "$WORK/ro"

echo "hull exec, median of $N runs (ms):"
echo "  protected (re-exec from a read-only view): $with"
echo "  protection disabled:                       $without"
echo "  binary on a read-only mount (no re-exec):  $ro"
awk -v a="$with" -v b="$without" 'BEGIN {printf "  ratio protected / disabled: %.2f\n", a / b}'
