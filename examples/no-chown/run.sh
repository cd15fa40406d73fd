#!/usr/bin/env bash
# Runs a root process whose capabilities leave out CAP_CHOWN: uid 0 alone is not enough,
# `chown 1 /tmp/x` fails with "Operation not permitted".
set -euo pipefail
example_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=examples/common.sh
. "$example_dir/../common.sh"
ensure_rootfs

echo "no-chown: uid 0 in the container, capabilities without CAP_CHOWN (bit 0)"
echo "--- inside the container ($HULL run -b $example_dir) ---"
id=$(container_id no-chown)
status=0
out=$("$HULL" run -b "$example_dir" "$id" </dev/null 2>&1) || status=$?
printf '%s\n' "$out"
echo "--- container exited with status $status (non-zero: its last command, chown, failed) ---"

# CapEff is a hex mask; CAP_CHOWN is bit 0.
capeff=$(sed -n 's/^CapEff:[[:space:]]*//p' <<<"$out")
check "the process runs as uid 0" grep -qx 'uid: 0' <<<"$out"
check "CAP_CHOWN (bit 0) is not in CapEff ($capeff)" test -n "$capeff" -a $((16#${capeff:-1} & 1)) -eq 0
check "chown failed with \"Operation not permitted\"" grep -q 'chown: /tmp/x: Operation not permitted' <<<"$out"
check "the container exited non-zero (chown failed)" test "$status" -ne 0
finish "root without CAP_CHOWN could not change a file's owner"
