#!/usr/bin/env bash
# Sets up, builds and runs every test suite; ends with one line "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
./tools/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

logdir=build/test-logs
mkdir -p "$logdir"
total_pass=0 total_fail=0 rc=0

# Runs one Catch2 binary and adds its test-case counts to the totals.
run_suite() {
    local name=$1; shift
    local log=$logdir/$name.log
    echo "== $name"
    "$@" 2>&1 | tee "$log"
    local status=${PIPESTATUS[0]}
    local pass fail
    # Catch2 v2 ends with "All tests passed (A assertions in N test cases)" or
    # "test cases: N | P passed | F failed".
    if line=$(grep -E '^All tests passed' "$log" | tail -n1) && [ -n "$line" ]; then
        pass=$(sed -E 's/.* in ([0-9]+) test case.*/\1/' <<<"$line"); fail=0
    elif line=$(grep -E '^test cases:' "$log" | tail -n1) && [ -n "$line" ]; then
        pass=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
        # "N failed as expected" counts [!mayfail] tests: known bugs, reported, not failures.
        fail=$(grep -oE '[0-9]+ failed( as expected)?' <<<"$line" | grep -v 'as expected' |
               grep -oE '[0-9]+' || echo 0)
    else
        pass=0; fail=1           # the binary crashed or ran nothing
    fi
    [ "$status" -eq 0 ] || [ "$fail" -gt 0 ] || fail=1
    total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail))
    [ "$status" -eq 0 ] || rc=1
}

run_suite unit ./build/tests/unit/hull-unit
if [ -x build/spec-tests/hull-spec ]; then
    run_suite spec env HULL_BINARY="$PWD/build/hull" HULL_PROBE="$PWD/build/spec-tests/probe" \
        ./build/spec-tests/hull-spec
fi

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ "$rc" -eq 0 ]
