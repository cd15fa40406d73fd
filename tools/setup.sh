#!/usr/bin/env bash
# Installs the Debian packages hull needs (as root, only what is missing) and builds it in build/.
# Used by both README commands; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(g++ meson ninja-build pkg-config git nlohmann-json3-dev libseccomp-dev libcap-dev
      libspdlog-dev catch2 busybox-static
      qemu-system-x86 cpio binutils     # these three: the cgroup-v2 lane (tools/v2lane.sh)
      golang-github-containers-common netavark
      uidmap)                           # newuidmap/newgidmap: the [rootless] tests' range maps
# golang-github-containers-common: podman's default seccomp profile for the spec tests
# (/usr/share/containers/seccomp.json); netavark satisfies its network-stack dependency (the
# other choice pulls in iptables and 45 MB of CNI plugins).
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then echo "setup: run as root to install packages" >&2; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f build/build.ninja ]; then
    meson setup build >/dev/null
fi
ninja -C build
