#!/usr/bin/env bash
# systemd-lane.sh - the systemd lane: the cgroup-v2 guest of tools/v2lane.sh, with Debian's
# systemd (the host's installed files, carried in) started as PID 1 of a new pid and mount
# namespace, and the systemd cgroup driver's tests run against it (tools/systemd-lane-guest.sh).
# Suites: systemd-unit (unit tests [systemd]) and systemd-spec (the spec tests [systemd] and
# [cgroup_cmds] with HULL_SPEC_SYSTEMD=1: every container on --systemd-cgroup).
#
# Usage: tools/systemd-lane.sh [-o OUTDIR] [BUILD_DIR]   (options and exit status: v2lane.sh)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
say() { echo "[${0##*/}] $*" >&2; }

# systemd's own files come from its Debian package (installed, not started)
if ! dpkg-query -W -f='${Status}' systemd 2>/dev/null | grep -q 'install ok installed'; then
    [ "$(id -u)" -eq 0 ] || { say "systemd is not installed (run as root to install it)"; exit 2; }
    say "installing systemd"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd \
        >/dev/null 2>&1 || { say "apt-get install systemd failed"; exit 2; }
fi
# libsystemd.so.0: hull loads it with dlopen for the driver (not in hull's ldd); the copy keeps
# the name dlopen asks for.
sdlib=$(ldconfig -p | awk '$1 == "libsystemd.so.0" && $2 ~ /x86-64/ { print $NF; exit }')
[ -n "$sdlib" ] || { say "libsystemd.so.0 not found (ldconfig -p)"; exit 2; }
export V2LANE_CARRY="/usr/lib/systemd/systemd /usr/bin/systemctl $sdlib"
export V2LANE_GUEST="$here/systemd-lane-guest.sh"
export V2LANE_TIMEOUT=${V2LANE_TIMEOUT:-600}
exec "$here/v2lane.sh" "$@"
