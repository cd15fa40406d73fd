#!/usr/bin/env bash
# Runs one libFuzzer target for a given time on the seed corpus (fuzz/corpus/TARGET, never
# written to: new inputs go to a scratch copy) and prints one summary line:
#   fuzz TARGET: N execs, cov C, ft F, corpus K, S s, crashes X
# A crash input is kept in fuzz/out/crashes/TARGET/ (turn it into a regression test: add it to
# fuzz/regressions/TARGET/, which `fuzz/run.sh --regress` replays). Exit 1 on a crash.
# Usage: fuzz/run.sh TARGET SECONDS      (TARGET: config, cli, state, mount_options)
#        fuzz/run.sh --regress            (replays every file in fuzz/regressions/*/)
set -uo pipefail
cd "$(dirname "$0")/.."
out=${FUZZ_OUT:-fuzz/out}
if [ "${1:-}" = "--regress" ]; then
    rc=0
    for d in fuzz/regressions/*/; do
        [ -d "$d" ] || continue
        t=$(basename "$d")
        "$out/fuzz_$t" -runs=0 "$d" >/dev/null 2>&1 || { echo "regression $t: FAILED"; rc=1; }
    done
    exit $rc
fi
t=${1:?target}; secs=${2:?seconds}
bin=$out/fuzz_$t
[ -x "$bin" ] || { echo "fuzz $t: $bin missing (run fuzz/build.sh)"; exit 1; }
work=$out/work/$t crashes=$out/crashes/$t log=$out/$t.log
rm -rf "$work"; mkdir -p "$work" "$crashes"
cp fuzz/corpus/"$t"/* "$work"/
touch "$work/.start"
dict=()
[ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" "$work" >"$log" 2>&1
status=$?
execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
last=$(grep -E '^#[0-9]+' "$log" | tail -n1)
cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo 0)
ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo 0)
corp=$(grep -oE 'corp: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo 0)
n_crash=$(find "$crashes" -type f -newer "$work/.start" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
echo "fuzz $t: ${execs:-0} execs, cov $cov, ft $ft, corpus $corp, ${secs} s, crashes $n_crash"
[ "$status" -eq 0 ] && [ "$n_crash" -eq 0 ]
