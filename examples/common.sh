# shellcheck shell=bash
# Sourced by examples/*/run.sh: finds hull, builds the example's rootfs and checks results.
# Callers set `example_dir` to the directory of their run.sh before sourcing this file.

examples_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The hull binary: $HULL, else build/hull at the top of the repository.
HULL=${HULL:-$example_dir/../../build/hull}
if [ ! -x "$HULL" ]; then
    echo "example: no hull binary at $HULL (build with ./tools/setup.sh --minimal or set HULL=/path/to/hull)" >&2
    exit 1
fi
HULL=$(cd "$(dirname "$HULL")" && pwd)/$(basename "$HULL")

if [ "$(id -u)" -ne 0 ]; then
    echo "example: run as root (hull needs it to create namespaces and mounts)" >&2
    exit 1
fi

# Builds <example>/rootfs unless it already holds busybox.
ensure_rootfs() {
    if [ ! -x "$example_dir/rootfs/bin/busybox" ]; then
        "$examples_dir/make-rootfs.sh" "$example_dir/rootfs" >/dev/null
    fi
}

# A container id that does not collide with another run of the same example.
container_id() {
    echo "example-$1-$$"
}

# Writes a copy of the example's config (SRC, a file name inside the example directory) with each
# "PLACEHOLDER=value" argument substituted. Usage: generate_config SRC OUT PLACEHOLDER=VALUE...
generate_config() {
    local src=$1 out=$2; shift 2
    local sed_args=() pair
    for pair in "$@"; do
        sed_args+=(-e "s|${pair%%=*}|${pair#*=}|g")
    done
    sed "${sed_args[@]}" "$example_dir/$src" >"$out"
}

failures=0

# check DESCRIPTION COMMAND...: runs COMMAND quietly and prints "ok" or "FAILED".
check() {
    local what=$1; shift
    if "$@" >/dev/null 2>&1; then
        echo "  ok      $what"
    else
        echo "  FAILED  $what"
        failures=$((failures + 1))
    fi
}

# Prints the verdict and exits non-zero if any check failed.
finish() {
    if [ "$failures" -eq 0 ]; then
        echo "PASS: $1"
        exit 0
    fi
    echo "FAIL: $1 ($failures check(s) failed)"
    exit 1
}
