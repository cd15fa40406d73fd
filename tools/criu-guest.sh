# criu-guest.sh - what the criu lane runs in the v2 lane's guest (sourced by its init through
# V2LANE_GUEST; `suite` and `info` come from there): the [checkpoint] spec tests, then podman's
# checkpoint and restore when criu-lane.sh put LANE_PODMAN_IMAGE and LANE_REPO in front of this
# script. See tools/criu-lane.sh.
info "criu: $(criu --version 2>&1 | head -n1), criu check: $(criu check 2>&1 | tail -n1)"
suite checkpoint env HULL_BINARY=/lane/hull HULL_PROBE=/lane/probe \
    /lane/hull-spec --use-colour no "${CRIU_LANE_TAGS:-[checkpoint],[criu]}"
if [ -n "${LANE_PODMAN_IMAGE:-}" ]; then
    mkdir -p /tmp/podman-checkpoint
    suite podman-checkpoint env HULL_BINARY=/lane/hull CLIENT_IMAGE_ROOTFS_TAR="$LANE_PODMAN_IMAGE" \
        PATH=/usr/bin:/bin:/usr/sbin:/sbin /bin/bash "$LANE_REPO/client-tests/podman-checkpoint.sh" \
        /tmp/podman-checkpoint
fi
