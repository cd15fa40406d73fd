#!/usr/bin/env bash
# Usage: examples/make-rootfs.sh DIR
# Builds a tiny root file system in DIR from Debian's busybox-static: /bin/busybox, one symlink per
# applet, /etc/passwd (root, nobody), /etc/group and empty /proc /sys /dev /tmp /root.
# Safe to run again: existing files are kept or replaced, nothing else in DIR is touched.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1

busybox=/bin/busybox
if [ ! -x "$busybox" ] || ! "$busybox" --list >/dev/null 2>&1; then
    echo "make-rootfs: $busybox is missing; install it with: apt-get install busybox-static" >&2
    exit 1
fi
# The container has no shared libraries, so the binary has to be the static build.
if ldd "$busybox" >/dev/null 2>&1; then
    echo "make-rootfs: $busybox is dynamically linked; install busybox-static" >&2
    exit 1
fi

mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root}
chmod 1777 "$dir/tmp"
chmod 0700 "$dir/root"

# Copy to a temporary name and rename, so a run of this script never leaves a half-written binary.
cp "$busybox" "$dir/bin/.busybox.tmp"
chmod 0755 "$dir/bin/.busybox.tmp"
mv -f "$dir/bin/.busybox.tmp" "$dir/bin/busybox"

# `busybox --list-full` prints each applet with its install path (bin/sh, usr/bin/env, ...);
# every link points at /bin/busybox with a path relative to its own directory.
"$busybox" --list-full | while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    case $applet in
        */*/*) target=../../bin/busybox ;;
        bin/*) target=busybox ;;
        */*)   target=../bin/busybox ;;
        *)     continue ;;
    esac
    mkdir -p "$dir/$(dirname "$applet")"
    ln -sfn "$target" "$dir/$applet"
done

cat >"$dir/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$dir/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
chmod 0644 "$dir/etc/passwd" "$dir/etc/group"

echo "make-rootfs: $dir ready ($("$busybox" --list | wc -l) applets)"
