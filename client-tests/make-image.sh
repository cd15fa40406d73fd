#!/usr/bin/env bash
# make-image.sh - builds the client suite's test image from busybox-static, with no registry.
# Usage: make-image.sh OUTDIR
# Writes OUTDIR/rootfs.tar (a plain rootfs: podman import) and OUTDIR/image.tar (a docker
# archive: manifest.json, config, one layer; for `ctr image import` and `docker load`),
# tagged localhost/hulltest:latest.
set -euo pipefail
out=$1
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "make-image.sh: $busybox missing (busybox-static)" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/rootfs" "$out/archive"
r=$out/rootfs
mkdir -p "$r"/{bin,etc,proc,sys,dev,tmp,root,run,var/tmp}
chmod 1777 "$r/tmp" "$r/var/tmp"
chmod 700 "$r/root"
cp "$busybox" "$r/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$r/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"
echo 'root:x:0:' >"$r/etc/group"
# Fixed times and owners: the same layer digest every time.
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$r" -cf "$out/rootfs.tar" .

a=$out/archive
cp "$out/rootfs.tar" "$a/layer.tar"
diff_id=$(sha256sum "$a/layer.tar" | cut -d' ' -f1)
cat >"$a/config.json" <<EOF
{"architecture":"$(dpkg --print-architecture)","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
           "Cmd":["/bin/sh"]},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"hull client-tests make-image.sh"}]}
EOF
config=$(sha256sum "$a/config.json" | cut -d' ' -f1).json
mv "$a/config.json" "$a/$config"
echo "[{\"Config\":\"$config\",\"RepoTags\":[\"localhost/hulltest:latest\"],\"Layers\":[\"layer.tar\"]}]" \
    >"$a/manifest.json"
tar --mtime=@0 --owner=0 --group=0 -C "$a" -cf "$out/image.tar" manifest.json "$config" layer.tar
rm -rf "$a" "$r"
