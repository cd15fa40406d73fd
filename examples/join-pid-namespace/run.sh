#!/usr/bin/env bash
# Starts a first container detached (sleep 30) in a new pid namespace, then runs a second one whose
# config joins that namespace by path (/proc/<pid>/ns/pid): its `ps` lists the first one's sleep.
set -euo pipefail
example_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/common.sh
. "$example_dir/../common.sh"
ensure_rootfs

first=$(container_id join-pid-first)
second=$(container_id join-pid-second)
work=$(mktemp -d /tmp/hull-join-pid-namespace.XXXXXX)
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    "$HULL" delete --force "$first" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "join-pid-namespace: a second container joins the pid namespace of a running first one"
# The detached container keeps the stdio it is given, so give it none of ours.
"$HULL" run -d --pid-file "$work/first.pid" -b "$example_dir" "$first" </dev/null >/dev/null 2>&1
first_pid=$(cat "$work/first.pid")
echo "first container $first: sleep 30, host pid $first_pid, pid namespace $(readlink "/proc/$first_pid/ns/pid")"

# joiner.json holds the placeholder /proc/FIRST_PID/ns/pid; this copy names the real process.
generate_config joiner.json "$work/joiner.json" "FIRST_PID=$first_pid"
echo "--- inside the second container ($HULL run -b $example_dir -f $work/joiner.json) ---"
status=0
out=$("$HULL" run -b "$example_dir" -f "$work/joiner.json" "$second" </dev/null 2>&1) || status=$?
printf '%s\n' "$out"
echo "--- second container exited with status $status ---"

check "the second container exited with status 0" test "$status" -eq 0
check "its ps shows the first container's sleep as PID 1" grep -qE '^ *1 +root +sleep 30' <<<"$out"
check "its ps shows its own ps" grep -qE '^ *[0-9]+ +root +ps ' <<<"$out"
check "the first container is still running" grep -q '"status": *"running"' <<<"$("$HULL" state "$first")"
"$HULL" delete --force "$first"
# The sleep is dead once its /proc entry is gone or a zombie (the host's pid 1 reaps it).
check "hull delete --force killed the first container's sleep" \
    bash -c "test ! -e /proc/$first_pid/status || grep -q '^State:[[:space:]]*Z' /proc/$first_pid/status"
check "hull delete --force removed the first container's state" bash -c "! '$HULL' state '$first'"
finish "both containers shared one pid namespace"
