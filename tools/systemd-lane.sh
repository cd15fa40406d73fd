#!/usr/bin/env bash
# systemd-lane.sh - the systemd lane: the cgroup-v2 guest of tools/v2lane.sh, with Debian's
# systemd (the host's installed files, carried in) started as PID 1 of a new pid and mount
# namespace, and the systemd cgroup driver's tests run against it (tools/systemd-lane-guest.sh).
# Suites:
#   systemd-unit     unit tests [systemd]
#   systemd-spec     the spec tests [systemd] and [cgroup_cmds] with HULL_SPEC_SYSTEMD=1 (every
#                    container on --systemd-cgroup)
#   systemd-user     the spec tests [systemd-user]: a rootless container of the user hullrl
#                    in a scope of that user's own manager (systemd --user, on a user bus)
#   podman-systemd   podman as root with cgroup_manager = "systemd" and hull as its runtime
#                    (client-tests/podman-systemd.sh; its summary line, not Catch2's)
#
# Usage: tools/systemd-lane.sh [-o OUTDIR] [BUILD_DIR]   (options and exit status: v2lane.sh)
#   SYSTEMD_LANE_PODMAN=0 leaves podman out.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
say() { echo "[${0##*/}] $*" >&2; }
# shellcheck source=tools/apt-no-services.sh
. "$here/apt-no-services.sh"

# systemd's own files come from its Debian package (installed, not started); podman, conmon,
# GNU find (the client harness uses -printf) and dbus-daemon (the user bus) likewise.
pkgs=(systemd dbus-daemon findutils)
[ "${SYSTEMD_LANE_PODMAN:-1}" = 0 ] || pkgs+=(podman conmon)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || { say "missing ${missing[*]} (run as root to install them)"; exit 2; }
    say "installing ${missing[*]}"
    apt_install_no_services "${missing[@]}" || { say "apt-get install ${missing[*]} failed"; exit 2; }
fi
carry="/usr/lib/systemd/systemd /usr/bin/systemctl /usr/bin/dbus-daemon /usr/share/dbus-1"

work=$(mktemp -d /var/tmp/hull-systemd-lane.XXXXXX) || { say "mktemp failed"; exit 2; }
trap 'rm -rf "$work"' EXIT
guest=$work/guest.sh
{
    printf "LANE_REPO='%s'\n" "$repo"
    if [ "${SYSTEMD_LANE_PODMAN:-1}" != 0 ]; then
        # the client harness and its busybox image, podman with its configuration, conmon, bash
        "$repo/client-tests/make-image.sh" "$work/image" >/dev/null ||
            { say "building the test image failed"; exit 2; }
        printf "LANE_PODMAN_IMAGE='%s'\n" "$work/image/rootfs.tar"
        carry+=" $repo/client-tests $work/image /usr/bin/podman /usr/bin/conmon /etc/containers"
        carry+=" /usr/share/containers $(readlink -f /bin/bash) $(readlink -f "$(command -v find)")"
    fi
    cat "$here/systemd-lane-guest.sh"
} >"$guest"
export V2LANE_CARRY=$carry
export V2LANE_GUEST=$guest
export V2LANE_TIMEOUT=${V2LANE_TIMEOUT:-900}
"$here/v2lane.sh" "$@"
