#!/usr/bin/env bash
# podman.sh - podman 4.3 (with conmon) drives hull: the daily set of daily.sh plus podman's
# error-log contract. Run by run.sh as PID 1 of private mount/net/pid namespaces.
# Usage: podman.sh WORKDIR   (env: HULL_BINARY, CLIENT_IMAGE_ROOTFS_TAR)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CLIENT_NAME=podman
. "$here/lib.sh"

client_prologue "$1"

# The configuration docs/clients.md documents: hull as a named runtime that takes
# --log-format=json, plus this host's needs (file locks, rlimits under the hard limit).
. "$here/podman-lib.sh"
PODMAN_CONTAINERS_LINES='default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]'
PODMAN_NETWORK_LINES='network_backend = "netavark"'
podman_conf || fail_script
podman_cli overlay --cgroup-manager cgroupfs
LEFTOVER_CGROUP_PARENT=libpod_parent
LEFTOVER_CGROUP_KEEP=conmon # podman puts conmon there
LEFTOVER_MOUNT_RE="$ST/.*(overlay-containers/|/merged)"

cg_rel() { echo "libpod_parent/libpod-$("${CLI[@]}" inspect -f '{{.Id}}' "$1")"; }

. "$here/daily.sh"

# podman asks for the JSON error log (runtime_supports_json) and reads it: the text of
# hull's error reaches the user and maps to podman's exit codes.
test_error_log_reaches_podman() {
    # A create-time error (here: the command does not exist) goes through conmon: hull
    # writes one JSON line to the oci-log file, podman reads it and maps it to 127.
    expect_ok cli create --name el1 "$IMG" /no/such/command
    # `podman start` exits 125 on any error; `podman run` would give 127 (daily.sh).
    expect_rc 125 cli start el1
    expect_contains "$ERR" "OCI runtime attempted to invoke a command that was not found" \
        "podman's mapping of the error"
    expect_contains "$ERR" "/no/such/command" "podman's message"
    local log content
    log=$(find "$ST" -name oci-log -path "*$(inspect el1 '{{.Id}}')*" 2>/dev/null | head -n1)
    [ -n "$log" ] || die "no oci-log for el1 (podman did not pass --log to hull)"
    content=$(cat "$log")
    [ "$(wc -l <"$log")" -eq 1 ] || die "oci-log holds more than one line: $content"
    expect_contains "$content" '{"level":"error","msg":"' "oci-log"
    expect_contains "$content" '/no/such/command: no such file or directory' "oci-log"
    expect_ok cli rm -f el1
}

podman_import_image 120
set_base_processes
run_tests
cleanup_client
timeout 60 "${CLI[@]}" rmi -af >/dev/null 2>&1
remove_cgroup_parent
