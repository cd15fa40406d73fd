#!/usr/bin/env bash
# criu-lane.sh - the checkpoint/restore lane: hull's [checkpoint] spec tests in the cgroup-v2
# QEMU guest of tools/v2lane.sh (Debian 12's 6.1 kernel), where criu works; on the
# development host's newer kernel it does not (docs/checkpoint.md). The guest gets criu, GNU
# tar (criu saves tmpfs contents with it) and iproute2's ip (criu saves a network namespace's
# addresses and routes with it), and the modules criu needs: nf_tables (hull has criu lock a
# container's network with nftables; the guest has no iptables), the socket-diag modules
# (`criu check` wants unix/inet/tcp/netlink/packet; dumping a network namespace also
# udp/raw), and nf_conntrack_netlink (criu saves the namespace's conntrack entries).
#
# A second suite, podman-checkpoint, runs podman's `container checkpoint` / `restore` with
# hull as its runtime (client-tests/podman-checkpoint.sh): podman, conmon, their configuration,
# bash, GNU find, the client harness and a busybox image built by client-tests/make-image.sh
# are carried in too.
#
# Usage: tools/criu-lane.sh [-o OUTDIR] [BUILD_DIR]
#   Same output and exit status as tools/v2lane.sh; suites: checkpoint, podman-checkpoint.
#   CRIU_LANE_TAGS: run these Catch2 test specs instead of "[checkpoint],[criu]".
#   CRIU_LANE_PODMAN=0: leave podman out.
set -uo pipefail
cd "$(dirname "$0")/.."
prog=${0##*/}
# shellcheck source=tools/apt-no-services.sh
. tools/apt-no-services.sh

podman=${CRIU_LANE_PODMAN:-1}
need=()
command -v criu >/dev/null || need+=(criu)
if [ "$podman" != 0 ]; then
    command -v podman >/dev/null || need+=(podman)
    command -v conmon >/dev/null || need+=(conmon)
    find --version 2>/dev/null | grep -q GNU || need+=(findutils)
fi
command -v ip >/dev/null || need+=(iproute2)
tar --version 2>/dev/null | grep -q 'GNU tar' || need+=(tar)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then echo "[$prog] missing ${need[*]} (run as root)" >&2; exit 2; fi
    apt_install_no_services "${need[@]}" ||
        { echo "[$prog] apt-get install ${need[*]} failed" >&2; exit 2; }
fi

# the real files (the guest's /bin holds busybox links these replace)
carry() { readlink -f "$(command -v "$1")"; }
export V2LANE_CARRY="$(carry criu) $(carry tar) $(carry ip)"
export V2LANE_MODULES="nf_tables nfnetlink unix_diag inet_diag tcp_diag udp_diag raw_diag netlink_diag af_packet_diag nf_conntrack_netlink"
work=$(mktemp -d /var/tmp/hull-criu-lane.XXXXXX) || { echo "[$prog] mktemp failed" >&2; exit 2; }
trap 'rm -rf "$work"' EXIT
{
    [ -z "${CRIU_LANE_TAGS:-}" ] || printf "CRIU_LANE_TAGS='%s'\n" "$CRIU_LANE_TAGS"
    if [ "$podman" != 0 ]; then
        client-tests/make-image.sh "$work/image" >/dev/null ||
            { echo "[$prog] building the test image failed" >&2; exit 2; }
        printf "LANE_REPO='%s'\nLANE_PODMAN_IMAGE='%s'\n" "$PWD" "$work/image/rootfs.tar"
        V2LANE_CARRY+=" $PWD/client-tests $work/image $(carry podman) $(carry conmon)"
        V2LANE_CARRY+=" /etc/containers /usr/share/containers $(carry bash) $(carry find)"
    fi
    cat tools/criu-guest.sh
} >"$work/guest.sh"
export V2LANE_GUEST=$work/guest.sh
export V2LANE_TIMEOUT=${V2LANE_TIMEOUT:-600}
./tools/v2lane.sh "$@"
