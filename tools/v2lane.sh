#!/usr/bin/env bash
# v2lane.sh - the cgroup-v2 test lane. Boots the Debian cloud kernel with cgroup_no_v1=all
# (cgroup v2 only: every controller on /sys/fs/cgroup) under QEMU, runs hull's cgroup tests
# from an already built tree inside it, and brings their output back. No KVM needed (TCG).
#
# Usage: tools/v2lane.sh [-o OUTDIR] [BUILD_DIR]          (BUILD_DIR defaults to build)
#   Prints each suite's Catch2 output. With -o, also writes OUTDIR/<suite>.log (the output)
#   and OUTDIR/<suite>.status (its exit status) for each suite: unit, spec.
# Exit status: 0 every suite passed; 1 a suite failed; 2 the lane could not run (no kernel,
# no QEMU, a missing binary, the VM died or timed out).
#
# Environment (optional):
#   V2LANE_UNIT_TAGS, V2LANE_SPEC_TAGS  replace the test specs below
#   V2LANE_ACCEL    tcg (default) or kvm
#   V2LANE_TIMEOUT  limit for the whole VM in seconds (default 900)
#   V2LANE_CACHE    where the kernel image is kept (default /var/cache/hull-v2lane as root,
#                   else ~/.cache/hull-v2lane)
#   V2LANE_KEEP=1   keep the work directory (initramfs, console log) and say where
#   V2LANE_CARRY    space-separated absolute host paths (files or directories) copied into the
#                   guest at the same paths, with the shared libraries of the ELF files among
#                   them (e.g. a tool a lane needs: "/usr/sbin/criu /usr/bin/tar")
#   V2LANE_MODULES  space-separated kernel module names (as the .ko files are named, e.g.
#                   "nf_tables unix_diag"), taken with their dependencies from the same kernel
#                   package and loaded (insmod) in the guest before the suites run
#   V2LANE_GUEST    a host shell script run in the guest instead of the default suites; it is
#                   sourced by the guest's init, so it calls `suite NAME COMMAND...` (and `info`)
#                   like the default ones, and its suites are reported and written to OUTDIR
#                   the same way (a suite that began but did not end counts as not finished)
set -uo pipefail

# What runs in the guest (Catch2 test specs; a comma means "or").
UNIT_TAGS=${V2LANE_UNIT_TAGS:-'[cgroups],[clone]'}
SPEC_TAGS=${V2LANE_SPEC_TAGS:-'[cgroups],[cgroup_cmds],[exec]~[cve],[namespaces]'}

KERNEL_PKG=linux-image-cloud-amd64
GUEST_CPUS=2
GUEST_MEM=2G

prog=${0##*/}
say() { echo "[$prog] $*" >&2; }
broken() { say "$*"; exit 2; }

outdir=""
while getopts ':o:' opt; do
    case $opt in
    o) outdir=$OPTARG ;;
    *) broken "usage: $prog [-o OUTDIR] [BUILD_DIR]" ;;
    esac
done
shift $((OPTIND - 1))
build=${1:-build}
[ -n "$outdir" ] && { mkdir -p "$outdir" || broken "cannot create $outdir"; }
[ -n "$outdir" ] && rm -f "$outdir"/*.log "$outdir"/*.status

# ------------------------------------------------------------------ tools (apt) ---
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v cpio >/dev/null || need+=(cpio)
command -v strip >/dev/null || need+=(binutils)
# the spec harness copies /bin/busybox into container rootfs: it must be the static one
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' ||
    need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || broken "missing ${need[*]} (run as root to install them)"
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
          apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; } ||
        broken "apt-get install ${need[*]} failed"
fi

bins=(hull tests/unit/hull-unit spec-tests/hull-spec spec-tests/probe spec-tests/as-user)
guest_script=${V2LANE_GUEST:-}
[ -z "$guest_script" ] || [ -r "$guest_script" ] || broken "V2LANE_GUEST $guest_script is not readable"
for p in ${V2LANE_CARRY:-}; do
    case $p in /*) ;; *) broken "V2LANE_CARRY: $p is not an absolute path" ;; esac
    [ -e "$p" ] || broken "V2LANE_CARRY: $p does not exist"
done
for b in "${bins[@]}"; do [ -x "$build/$b" ] || broken "$build/$b is missing (build it first)"; done

# --------------------------------------------------------------------- kernel ---
# The meta package names the current versioned image package; only its vmlinuz is
# extracted (apt-get download + dpkg-deb, nothing is installed) and cached.
if [ -n "${V2LANE_CACHE:-}" ]; then cache=$V2LANE_CACHE
elif [ "$(id -u)" -eq 0 ]; then cache=/var/cache/hull-v2lane
else cache=${XDG_CACHE_HOME:-$HOME/.cache}/hull-v2lane
fi
mkdir -p "$cache" || broken "cannot create $cache"

resolve_kernel() {
    apt-cache depends "$KERNEL_PKG" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
kpkg=$(resolve_kernel)
if [ -z "$kpkg" ] && [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq >/dev/null 2>&1
    kpkg=$(resolve_kernel)
fi
vmlinuz=""
if [ -n "$kpkg" ]; then
    kver=${kpkg#linux-image-}
    vmlinuz=$cache/vmlinuz-$kver
    kdeb=$cache/$kpkg.deb # kept only when modules are wanted
    if [ ! -s "$vmlinuz" ] || { [ -n "${V2LANE_MODULES:-}" ] && [ ! -s "$kdeb" ]; }; then
        say "fetching $kpkg"
        dl=$(mktemp -d) || broken "mktemp failed"
        (cd "$dl" && apt-get download "$kpkg" >/dev/null 2>&1)
        deb=$(ls "$dl"/*.deb 2>/dev/null | head -n1)
        if [ -n "$deb" ] && dpkg-deb --fsys-tarfile "$deb" |
            tar -xO "./boot/vmlinuz-$kver" >"$vmlinuz.part" && [ -s "$vmlinuz.part" ]; then
            mv "$vmlinuz.part" "$vmlinuz"
            [ -n "${V2LANE_MODULES:-}" ] && mv "$deb" "$kdeb"
        else
            rm -f "$vmlinuz.part"; vmlinuz=""
        fi
        rm -rf "$dl"
    fi
fi
if [ -z "$vmlinuz" ]; then # offline: the newest kernel fetched before, if any
    vmlinuz=$(ls -t "$cache"/vmlinuz-* 2>/dev/null | head -n1)
    [ -n "$vmlinuz" ] || broken "cannot get the $KERNEL_PKG kernel (apt-get download failed)"
    say "using the cached $(basename "$vmlinuz")"
    kver=$(basename "$vmlinuz"); kver=${kver#vmlinuz-}
    kdeb=$(ls -t "$cache"/linux-image-"$kver"*.deb 2>/dev/null | head -n1)
fi

# ------------------------------------------------------------------ initramfs ---
work=$(mktemp -d "${TMPDIR:-/tmp}/hull-v2lane.XXXXXX") || broken "mktemp failed"
qemu_pid=""
cleanup() {
    [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
    if [ "${V2LANE_KEEP:-0}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

R=$work/root
mkdir -p "$R"/{bin,lane,dev,proc,sys,tmp,run,root,etc,mnt,newroot}
cp /bin/busybox "$R/bin/busybox" || broken "cannot copy /bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
ln -s bin "$R/sbin"
mkdir -p "$R/usr"; ln -s ../bin "$R/usr/bin"; ln -s ../bin "$R/usr/sbin"
# hullrl: the unprivileged user of the [rootless] spec tests (HULL_SPEC_ROOTLESS_USER below;
# the guest has no useradd)
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
    'hullrl:x:1500:1500:hull rootless tests:/nonexistent:/bin/false' >"$R/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\nhullrl:x:1500:\n' >"$R/etc/group"
echo v2lane >"$R/etc/hostname"

# the binaries without their debug info (a fifth of the size), and their shared libraries
# at the same paths as here
for b in "${bins[@]}"; do
    strip --strip-debug -o "$R/lane/${b##*/}" "$build/$b" || broken "strip $build/$b failed"
done
for b in "${bins[@]}"; do ldd "$build/$b" 2>/dev/null; done |
    awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u |
    while read -r lib; do
        mkdir -p "$R$(dirname "$lib")"
        cp -L "$lib" "$R$lib"
    done

# V2LANE_CARRY: the paths themselves (a file replaces a busybox applet link of the same
# name), then the libraries of the ELF files among them.
for p in ${V2LANE_CARRY:-}; do
    mkdir -p "$R$(dirname "$p")"
    if [ -d "$p" ]; then
        cp -a "$p/." "$R$p/" 2>/dev/null || { mkdir -p "$R$p" && cp -a "$p/." "$R$p/"; } ||
            broken "cannot carry $p"
    else
        cp -L --remove-destination "$p" "$R$p" || broken "cannot carry $p"
    fi
done
for p in ${V2LANE_CARRY:-}; do
    find "$p" -type f -perm -u+x 2>/dev/null | while read -r f; do
        [ "$(head -c4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] && ldd "$f" 2>/dev/null
    done
done | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u |
    while read -r lib; do
        [ -e "$R$lib" ] && continue
        mkdir -p "$R$(dirname "$lib")"
        cp -L "$lib" "$R$lib"
    done

# V2LANE_MODULES: the .ko files from the kernel package, dependencies first (from each
# module's own "depends=" entry), listed in /lane/modules for the init to insmod.
: >"$R/lane/modules"
if [ -n "${V2LANE_MODULES:-}" ]; then
    [ -n "$kdeb" ] && [ -s "$kdeb" ] || broken "V2LANE_MODULES: the kernel package is not cached"
    # extracted modules are kept in the cache next to the package (one pass over it each)
    kmods=$cache/modules-$(basename "$kdeb" .deb)
    mkdir -p "$kmods"
    if [ ! -s "$kmods/ko.list" ]; then
        dpkg-deb --fsys-tarfile "$kdeb" | tar -t | grep '\.ko$' >"$kmods/ko.list.part" &&
            mv "$kmods/ko.list.part" "$kmods/ko.list" || broken "cannot list the modules of $kdeb"
    fi
    cp "$kmods/ko.list" "$work/ko.list"
    extract_ko() { # module name -> path of its .ko under $kmods (extracted once)
        local want=${1//-/_} path
        path=$(awk -v w="$want" '{ n = $0; sub(/.*\//, "", n); sub(/\.ko$/, "", n); gsub(/-/, "_", n)
                                   if (n == w) { print; exit } }' "$work/ko.list")
        [ -n "$path" ] || return 1
        [ -f "$kmods/$path" ] || dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$kmods" "$path" ||
            return 1
        echo "$kmods/$path"
    }
    add_module() { # appends the module and (before it) its dependencies to the load list
        local name=${1//-/_} ko dep
        grep -qx "$name" "$work/mods.seen" 2>/dev/null && return 0
        echo "$name" >>"$work/mods.seen"
        ko=$(extract_ko "$name") || broken "V2LANE_MODULES: no module $name in $kdeb"
        for dep in $(tr '\0' '\n' <"$ko" | sed -n 's/^depends=//p' | tr ',' ' '); do
            add_module "$dep"
        done
        mkdir -p "$R/lane/ko"
        cp "$ko" "$R/lane/ko/$name.ko"
        echo "/lane/ko/$name.ko" >>"$R/lane/modules"
    }
    for m in $V2LANE_MODULES; do add_module "$m"; done
fi
[ -n "$guest_script" ] && cp "$guest_script" "$R/lane/guest.sh"

cat >"$R/init" <<'EOF'
#!/bin/busybox sh
# PID 1 of the lane's guest. pivot_root (which hull uses) refuses the initramfs root itself,
# so the first stage puts a bind mount of / on top of / and starts again inside it.
if [ "$1" != inside ]; then
    /bin/busybox mount --bind / /newroot && cd /newroot && /bin/busybox mount --move . / &&
        exec /bin/busybox chroot . /init inside
    echo "v2lane: cannot re-root"; exit 1
fi
export PATH=/bin HOME=/root TERM=dumb
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t mqueue mqueue /dev/mqueue
mount -t tmpfs -o mode=0755 run /run
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
ln -sf /proc/self/fd /dev/fd
hostname v2lane
ip link set lo up
# results go to the second serial port, raw; the console (ttyS0) only gets kernel messages
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
info() { echo "@@v2lane-info $*" >&3; }
info "kernel $(uname -r), $(nproc) cpus, booted in $(cut -d' ' -f1 /proc/uptime)s," \
    "cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
suite() { # name, then the command
    name=$1; shift
    start=$(cut -d' ' -f1 /proc/uptime)
    echo "@@v2lane-begin $name" >&3
    "$@" </dev/null >&3 2>&1
    rc=$?
    echo "@@v2lane-end $name $rc" >&3
    info "$name: exit status $rc, $(awk -v s="$start" '{ printf "%.1f", $1 - s }' /proc/uptime)s"
}
. /lane/tags
while read -r ko; do
    insmod "$ko" 2>&3 || info "insmod $ko failed"
done </lane/modules
cd /tmp
if [ -f /lane/guest.sh ]; then
    . /lane/guest.sh
else
    suite unit /lane/hull-unit --use-colour no "$UNIT_TAGS"
    suite spec env HULL_BINARY=/lane/hull HULL_PROBE=/lane/probe HULL_SPEC_ROOTLESS_USER=hullrl \
        /lane/hull-spec --use-colour no "$SPEC_TAGS"
fi
echo "@@v2lane-done" >&3
exec 3>&-
sync
poweroff -f
EOF
chmod 0755 "$R/init"
printf "UNIT_TAGS='%s'\nSPEC_TAGS='%s'\n" "$UNIT_TAGS" "$SPEC_TAGS" >"$R/lane/tags"
(cd "$R" && find . -print0 | cpio --null -o -H newc -R 0:0 --quiet) >"$work/initrd" ||
    broken "cpio failed"

# ----------------------------------------------------------------------- boot ---
# TCG by default: a /dev/kvm may be there and still fail (nested virtualisation)
accel=${V2LANE_ACCEL:-tcg}
case $accel in
tcg) cpu=${V2LANE_CPU:-qemu64} ;; # faster than max under TCG here
kvm) cpu=host ;;
*) broken "V2LANE_ACCEL must be tcg or kvm" ;;
esac
if [ -n "$guest_script" ]; then what="guest script $(basename "$guest_script")"
else what="unit: $UNIT_TAGS, spec: $SPEC_TAGS"
fi
say "booting $(basename "$vmlinuz") ($accel, $GUEST_CPUS cpus, $GUEST_MEM," \
    "initramfs $(du -h "$work/initrd" | cut -f1)); $what"
t0=$(date +%s.%N)
timeout -k 10 "${V2LANE_TIMEOUT:-900}" qemu-system-x86_64 \
    -accel "$accel" -cpu "$cpu" -smp "$GUEST_CPUS" -m "$GUEST_MEM" \
    -display none -monitor none -no-reboot -nic none \
    -serial "file:$work/console.log" -serial "file:$work/results" \
    -kernel "$vmlinuz" -initrd "$work/initrd" \
    -append "console=ttyS0 cgroup_no_v1=all panic=-1 quiet loglevel=3" </dev/null &
qemu_pid=$!
wait "$qemu_pid"
qemu_rc=$?
qemu_pid=""
wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# ---------------------------------------------------------------------- results ---
tr -d '\r' <"$work/results" >"$work/results.txt" 2>/dev/null
sed -n 's/^@@v2lane-info /[guest] /p' "$work/results.txt" >&2
rc=0
suites="unit spec"
[ -n "$guest_script" ] && suites=$(awk '$1 == "@@v2lane-begin" { print $2 }' "$work/results.txt")
[ -n "$suites" ] || { echo "(the guest script ran no suite)"; rc=2; }
for name in $suites; do
    log=$work/$name.log
    awk -v n="$name" '$0 == "@@v2lane-begin " n { on = 1; next }
                      on && index($0, "@@v2lane-end " n " ") == 1 { exit }
                      on { print }' "$work/results.txt" >"$log"
    status=$(awk -v n="$name" '$1 == "@@v2lane-end" && $2 == n { print $3 }' "$work/results.txt")
    echo "== v2 lane: $name"
    cat "$log"
    if [ -z "$status" ]; then
        echo "(the $name suite did not finish in the VM)"
        rc=2
    elif [ "$status" != 0 ] && [ "$rc" -eq 0 ]; then
        rc=1
    fi
    if [ -n "$outdir" ]; then
        cp "$log" "$outdir/$name.log"
        [ -n "$status" ] && echo "$status" >"$outdir/$name.status"
    fi
done
if ! grep -qx '@@v2lane-done' "$work/results.txt"; then
    say "the VM stopped early (qemu status $qemu_rc after ${wall}s); end of its console:"
    tail -n 20 "$work/console.log" >&2
    rc=2
fi
say "VM wall time ${wall}s"
exit "$rc"
