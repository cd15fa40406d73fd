#!/usr/bin/env bash
# The cost of a large config for every command (issue 15, defect 8): a container whose config
# carries one annotation of SIZE_MB megabytes (default 50), driven through create, state, list,
# start, kill, delete; each timed with /usr/bin/time -v (wall clock, max RSS). Also prints the
# size of the container's state directory. Run as root.
# Usage: bench/big_annotation.sh HULL [SIZE_MB]
set -euo pipefail
hull=$(realpath "$1"); mb=${2:-50}
tmp=$(mktemp -d /tmp/hull-bigann-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/b/rootfs/bin" "$tmp/b/rootfs/proc" "$tmp/b/rootfs/dev" "$tmp/b/rootfs/sys"
cp /bin/busybox "$tmp/b/rootfs/bin/busybox"
ln -s busybox "$tmp/b/rootfs/bin/sh"; ln -s busybox "$tmp/b/rootfs/bin/sleep"
python3 - "$tmp/b/config.json" "$mb" <<'PY'
import json, sys
cfg = {"ociVersion": "1.3.0", "root": {"path": "rootfs"},
       "process": {"args": ["/bin/sleep", "30"], "cwd": "/", "user": {"uid": 0, "gid": 0},
                   "env": ["PATH=/bin"]},
       "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
       "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"},
                                {"type": "uts"}]},
       "annotations": {"big": "a" * (int(sys.argv[2]) << 20), "small": "x"}}
json.dump(cfg, open(sys.argv[1], "w"))
PY
root=$tmp/state id=big
step() {
    local name=$1; shift
    /usr/bin/time -v -o "$tmp/t" "$hull" --root "$root" "$@" >/dev/null
    local wall rss
    wall=$(grep 'Elapsed (wall clock)' "$tmp/t" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$tmp/t" | awk '{print $NF}')
    printf '%-8s %10s s %8d MB\n' "$name" "${wall#0:}" "$((rss / 1024))"
}
printf '%-8s %12s %11s\n' command wall max-RSS
step create create --bundle "$tmp/b" "$id"
echo "state dir: $(du -sm "$root/$id" | cut -f1) MB ($(ls "$root/$id" | tr '\n' ' '))"
step state state "$id"
step list list
step start start "$id"
step kill kill "$id" KILL
sleep 0.3
step delete delete "$id"
