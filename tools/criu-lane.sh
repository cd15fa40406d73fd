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
# Usage: tools/criu-lane.sh [-o OUTDIR] [BUILD_DIR]
#   Same output and exit status as tools/v2lane.sh; one suite: checkpoint.
#   CRIU_LANE_TAGS: run these Catch2 test specs instead of "[checkpoint],[criu]".
set -uo pipefail
cd "$(dirname "$0")/.."
prog=${0##*/}

need=()
command -v criu >/dev/null || need+=(criu)
command -v ip >/dev/null || need+=(iproute2)
tar --version 2>/dev/null | grep -q 'GNU tar' || need+=(tar)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then echo "[$prog] missing ${need[*]} (run as root)" >&2; exit 2; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
          apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; } ||
        { echo "[$prog] apt-get install ${need[*]} failed" >&2; exit 2; }
fi

# the real files (the guest's /bin holds busybox links these replace)
carry() { readlink -f "$(command -v "$1")"; }
export V2LANE_CARRY="$(carry criu) $(carry tar) $(carry ip)"
export V2LANE_MODULES="nf_tables nfnetlink unix_diag inet_diag tcp_diag udp_diag raw_diag netlink_diag af_packet_diag nf_conntrack_netlink"
export V2LANE_GUEST=$PWD/tools/criu-guest.sh
if [ -n "${CRIU_LANE_TAGS:-}" ]; then # a subset of the tests (while working on them)
    guest=$(mktemp) && trap 'rm -f "$guest"' EXIT
    { printf "CRIU_LANE_TAGS='%s'\n" "$CRIU_LANE_TAGS"; cat tools/criu-guest.sh; } >"$guest"
    V2LANE_GUEST=$guest
fi
export V2LANE_TIMEOUT=${V2LANE_TIMEOUT:-600}
./tools/v2lane.sh "$@"
