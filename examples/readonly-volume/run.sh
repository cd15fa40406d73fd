#!/usr/bin/env bash
# Binds a host directory read-only (options bind,ro) at /data: the container reads it, and its
# write fails with "Read-only file system" while the host directory stays unchanged.
set -euo pipefail
example_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/common.sh
. "$example_dir/../common.sh"
ensure_rootfs

host_dir=$(mktemp -d /tmp/hull-readonly-volume.XXXXXX)
work=$(mktemp -d /tmp/hull-readonly-volume-config.XXXXXX)
trap 'rm -rf "$host_dir" "$work"' EXIT
chmod 0755 "$host_dir"
echo "hello from the host" >"$host_dir/hello.txt"
# The committed config.json holds the placeholder /path/to/host/dir; this copy has the real path.
generate_config config.json "$work/config.json" "/path/to/host/dir=$host_dir"

echo "readonly-volume: host directory $host_dir bound read-only at /data"
echo "--- inside the container ($HULL run -b $example_dir -f $work/config.json) ---"
id=$(container_id readonly-volume)
status=0
out=$("$HULL" run -b "$example_dir" -f "$work/config.json" "$id" </dev/null 2>&1) || status=$?
printf '%s\n' "$out"
echo "--- container exited with status $status (non-zero: its last command, the write, failed) ---"

check "the container read the host file" grep -q 'read /data/hello.txt: hello from the host' <<<"$out"
check "the write failed with \"Read-only file system\"" grep -q 'Read-only file system' <<<"$out"
check "the container exited non-zero (the write failed)" test "$status" -ne 0
check "nothing was written to the host directory" test ! -e "$host_dir/new.txt"
finish "the bind mount was readable and read-only"
