#!/usr/bin/env bash
# Runs a shell in new pid, mount, uts, ipc and network namespaces and checks what it sees:
# only its own processes, its own hostname, only the loopback interface.
set -euo pipefail
example_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/common.sh
. "$example_dir/../common.sh"
ensure_rootfs

echo "isolated-shell: a container with its own pid, mount, uts, ipc and network namespaces"
echo "host: hostname $(hostname), $(find /proc -maxdepth 1 -name "[0-9]*" | wc -l) processes, interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')"
echo "--- inside the container ($HULL run -b $example_dir) ---"
id=$(container_id isolated-shell)
status=0
out=$("$HULL" run -b "$example_dir" "$id" </dev/null 2>&1) || status=$?
printf '%s\n' "$out"
echo "--- container exited with status $status ---"

# ps lines after the header: the shell (PID 1) and ps itself, nothing from the host.
procs=$(printf '%s\n' "$out" | sed -n '/^processes/,/^network/p' | grep -E '^ *[0-9]+ ' || true)
interfaces=$(printf '%s\n' "$out" | sed -n '/^network interfaces/,$p' | tail -n +2 | tr -d ' ')

check "the container exited with status 0" test "$status" -eq 0
check "hostname is the container's (isolated)" grep -qx 'hostname: isolated' <<<"$out"
check "ps shows PID 1 (the container's shell)" grep -qE '^ *1 ' <<<"$procs"
check "ps shows at most 2 processes (sh and ps)" test "$(grep -c . <<<"$procs")" -le 2
check "the only network interface is lo" test "$interfaces" = lo
finish "the container saw only its own processes, hostname and network"
