#!/usr/bin/env bash
# install.sh - installs the real clients the client suite drives, from Debian packages, once.
# podman (with conmon, and netavark and iptables for its default network) and containerd (with
# ctr and the runc-v2 shim) are apt-installed without starting any service. dockerd comes from
# the docker.io package, only downloaded and unpacked under $CLIENTS_CACHE/docker (installing
# it would start a system daemon). Idempotent; when everything is there it only prints, on
# stdout, the unpacked docker directory (its last line in any case).
set -euo pipefail
# shellcheck source=tools/apt-no-services.sh
. "$(dirname "$0")/../tools/apt-no-services.sh"

cache=${CLIENTS_CACHE:-/var/cache/hull-clients}
pkgs=(podman conmon containerd netavark iptables iproute2)

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: the client suite must run as root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
updated=0
if [ ${#missing[@]} -gt 0 ]; then
    echo "install.sh: installing ${missing[*]}" >&2
    apt-get update -qq
    updated=1
    apt_install_no_services "${missing[@]}"
fi

# dockerd: unpacked, never installed.
if [ ! -x "$cache/docker/usr/sbin/dockerd" ]; then
    echo "install.sh: unpacking docker.io into $cache/docker" >&2
    [ $updated -eq 1 ] || apt-get update -qq
    mkdir -p "$cache/deb"
    (cd "$cache/deb" && rm -f docker.io_*.deb && apt-get download -qq docker.io >/dev/null)
    rm -rf "$cache/docker.tmp"
    dpkg-deb -x "$cache"/deb/docker.io_*.deb "$cache/docker.tmp"
    rm -rf "$cache/docker"
    mv "$cache/docker.tmp" "$cache/docker"
fi
echo "$cache/docker"
