#!/usr/bin/env bash
# Runs root in a user namespace that maps container uid/gid 0-65535 to host 100000-165535.
# Root inside writes a file into a bound host directory; on the host the file belongs to 100000.
set -euo pipefail
example_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/common.sh
. "$example_dir/../common.sh"
ensure_rootfs
# The rootfs belongs to host root, which is unmapped (nobody) in the user namespace: container root
# cannot create the mount point there, so it is made from the host.
mkdir -p "$example_dir/rootfs/data"

host_dir=$(mktemp -d /tmp/hull-userns-volume.XXXXXX)
work=$(mktemp -d /tmp/hull-userns-volume-config.XXXXXX)
trap 'rm -rf "$host_dir" "$work"' EXIT
# Container root is host uid 100000: give it the directory, as a volume for it would be.
chown 100000:100000 "$host_dir"
chmod 0755 "$host_dir"
# The committed config.json holds the placeholder /path/to/host/dir; this copy has the real path.
generate_config config.json "$work/config.json" "/path/to/host/dir=$host_dir"

echo "userns-volume: container uid 0 is host uid 100000 (uidMappings/gidMappings, size 65536)"
echo "host directory $host_dir (owner 100000) bound at /data"
echo "--- inside the container ($HULL run -b $example_dir -f $work/config.json) ---"
id=$(container_id userns-volume)
status=0
out=$("$HULL" run -b "$example_dir" -f "$work/config.json" "$id" </dev/null 2>&1) || status=$?
printf '%s\n' "$out"
echo "--- container exited with status $status ---"
file=$host_dir/from-container
owner=$(stat -c '%u:%g' "$file" 2>/dev/null || echo missing)
echo "on the host: $file is owned by $owner"

check "the container exited with status 0" test "$status" -eq 0
check "the process is uid 0 inside" grep -qx 'uid inside: 0' <<<"$out"
check "inside, the file is owned by 0:0" grep -qE '^-[rwx-]+ +1 +0 +0 ' <<<"$out"
check "on the host, the file is owned by 100000:100000" test "$owner" = 100000:100000
finish "root in the user namespace wrote a file the host sees as uid 100000"
