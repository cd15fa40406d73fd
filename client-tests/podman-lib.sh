# podman-lib.sh - what the podman scripts share (sourced after lib.sh, with WORK, ST and HULL
# set): podman's configuration with hull as a named runtime, its command line, the test image
# and the clean-up after each test.

# Writes $ST/containers.conf and exports CONTAINERS_CONF and TMPDIR: hull as a named runtime
# that takes --log-format=json (runtime_supports_json, docs/clients.md), file locks, podman's
# temp dirs under $ST. More lines for a section: PODMAN_CONTAINERS_LINES (after
# [containers]), PODMAN_ENGINE_LINES ([engine]), PODMAN_NETWORK_LINES ([network]).
podman_conf() {
    mkdir -p "$ST/tmp" "$ST/networks" || return 1
    export CONTAINERS_CONF=$ST/containers.conf
    cat >"$CONTAINERS_CONF" <<CONF
[containers]
${PODMAN_CONTAINERS_LINES:-}

[engine]
${PODMAN_ENGINE_LINES:-}
lock_type = "file"
image_copy_tmp_dir = "$ST/tmp"
runtime_supports_json = ["crun", "runc", "kata", "runsc", "youki", "krun", "hull"]

[engine.runtimes]
hull = ["$HULL"]

[network]
${PODMAN_NETWORK_LINES:-}
network_config_dir = "$ST/networks"
CONF
    export TMPDIR=$ST/tmp
}

# CLI (podman with its state under $ST, hull as the runtime, events to a file) with the
# storage driver and any more flags; IMG, RM_FORCE and the runtime's state dir for the
# leftover checks.
podman_cli() { # STORAGE_DRIVER [FLAG...]
    CLI=(podman --root "$ST/root" --runroot "$ST/runroot" --tmpdir "$ST/libpod-tmp"
        --storage-driver "$1" --events-backend file --runtime hull "${@:2}")
    IMG=localhost/hulltest:latest
    RM_FORCE=(rm -f -t 0)
    LEFTOVER_STATE_DIRS=(/run/hull)
}

cleanup_client() {
    local ids
    ids=$("${CLI[@]}" ps -aq 2>/dev/null)
    [ -z "$ids" ] || timeout 60 "${CLI[@]}" rm -f -t 0 $ids >/dev/null 2>&1
}

# Imports the test image (make-image.sh's rootfs.tar) as $IMG; the script ends if it cannot.
podman_import_image() { # SECONDS
    if ! timeout "$1" "${CLI[@]}" import -q "$CLIENT_IMAGE_ROOTFS_TAR" "$IMG" >"$WORK/import.log" 2>&1; then
        cat "$WORK/import.log"
        fail_script
    fi
}
