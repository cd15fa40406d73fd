#!/usr/bin/env bash
# Installs the Debian packages hull needs (as root, only what is missing) and builds it in build/.
# Safe to run again.
#   setup.sh --minimal   what building and running hull needs; builds only the hull binary
#                        (the README's first command, tools/demo.sh)
#   setup.sh [--all]     also what the tests need; builds everything, tests included
#                        (tools/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:---all}
case $mode in
    --minimal|--all) ;;
    *) echo "usage: $0 [--minimal|--all]" >&2; exit 2 ;;
esac

# Building and running hull (busybox-static: the examples' rootfs).
pkgs=(g++ meson ninja-build pkg-config nlohmann-json3-dev libseccomp-dev libcap-dev
      libspdlog-dev busybox-static)
if [ "$mode" = --all ]; then
    pkgs+=(git catch2 zsh fish          # zsh, fish: the completion tests run the scripts
           qemu-system-x86 cpio binutils     # these three: the cgroup-v2 lane (tools/v2lane.sh)
           golang-github-containers-common netavark
           uidmap                           # newuidmap/newgidmap: the [rootless] tests' range maps
           dbus-daemon                      # the [dbus] unit tests run hull's D-Bus client against it
           clang-16 libclang-rt-16-dev)     # these two: the fuzz lane (fuzz/build.sh)
    # golang-github-containers-common: podman's default seccomp profile for the spec tests
    # (/usr/share/containers/seccomp.json); netavark satisfies its network-stack dependency (the
    # other choice pulls in iptables and 45 MB of CNI plugins).
fi
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

if [ "$mode" = --minimal ]; then
    # A build dir made here leaves out the tests and the debug info (-g costs about a third of
    # the compile time); one that has them keeps them (only hull is built).
    [ -f build/build.ninja ] || meson setup build -Dtests=false -Ddebug=false >/dev/null
    ninja -C build hull
else
    if [ ! -f build/build.ninja ]; then
        meson setup build >/dev/null
    elif meson introspect build --buildoptions | python3 -c 'import json, sys
sys.exit(0 if any(o["name"] == "tests" and not o["value"] for o in json.load(sys.stdin)) else 1)'
    then
        meson configure build -Dtests=true -Ddebug=true >/dev/null   # a build dir --minimal made
    fi
    ninja -C build
fi
