#!/bin/bash
# What the CVE-2019-5736 guard (docs/security.md) costs: `hull` against `hull-unguarded`
# (the same code built without it), median wall time of N runs each, the two alternating so
# that the machine's noise hits both alike. Run as root; no user namespace, so the guard is
# in force (the container could write the binary).
#   - run:  `hull run` of a container whose process is `/probe exit 0` (create, start, the
#           process's exit, delete): the init execs through the trampoline.
#   - exec: `hull exec <id> /probe exit 0` into a running container.
#
#   bench/exe_guard.sh HULL HULL_UNGUARDED PROBE [N]
#   e.g. bench/exe_guard.sh build/hull build/spec-tests/hull-unguarded build/spec-tests/probe 200
set -euo pipefail
HULL=$(realpath "${1:?hull binary}")
UNGUARDED=$(realpath "${2:?hull-unguarded binary}")
PROBE=$(realpath "${3:?static probe binary}")
N=${4:-100}
WORK=$(mktemp -d /tmp/hull-bench-guard.XXXXXX)
ID=bench-guard-$$
cleanup() {
    "$HULL" --root "$WORK/state" delete --force "$ID" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

mkdir -p "$WORK/bundle/rootfs"/{proc,dev,tmp,sys}
cp "$PROBE" "$WORK/bundle/rootfs/probe"
"$HULL" spec --bundle "$WORK/bundle"
set_args() {
    python3 - "$WORK/bundle/config.json" "$@" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["args"] = sys.argv[2:]
c["process"]["terminal"] = False
json.dump(c, open(p, "w"))
PY
}

# Microseconds one run of "$@" takes.
time_us() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000))
}
median_ms() { sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]/1000}'; }

# Alternates the two command lines (given as "A..." and "B..." through arrays A and B).
compare() {
    local label=$1 ta=() tb=()
    "${A[@]}" >/dev/null
    "${B[@]}" >/dev/null # warm up: page cache, seccomp cache
    for ((i = 0; i < N; i++)); do
        ta+=("$(time_us "${A[@]}")")
        tb+=("$(time_us "${B[@]}")")
    done
    local a b
    a=$(printf '%s\n' "${ta[@]}" | median_ms)
    b=$(printf '%s\n' "${tb[@]}" | median_ms)
    printf '  %-5s guarded %8s ms   unguarded %8s ms   ratio %s\n' "$label" "$a" "$b" \
        "$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.3f", a / b}')"
}

echo "median of $N runs each:"
set_args /probe exit 0
A=("$HULL" --root "$WORK/state" run --bundle "$WORK/bundle" "$ID-run")
B=("$UNGUARDED" --root "$WORK/state" run --bundle "$WORK/bundle" "$ID-run")
compare run

set_args /probe sleep 100000
"$HULL" --root "$WORK/state" run -d --bundle "$WORK/bundle" "$ID"
A=("$HULL" --root "$WORK/state" exec "$ID" /probe exit 0)
B=("$UNGUARDED" --root "$WORK/state" exec "$ID" /probe exit 0)
compare exec
