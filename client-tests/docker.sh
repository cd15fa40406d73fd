#!/usr/bin/env bash
# docker.sh - dockerd 20.10 (unpacked from the docker.io package, with the containerd it
# starts itself) drives hull as a runtime from daemon.json: the daily set of daily.sh.
# Run by run.sh as PID 1 of private mount/net/pid namespaces.
# Usage: docker.sh WORKDIR   (env: HULL_BINARY, DOCKER_DIR, CLIENT_IMAGE_ARCHIVE)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CLIENT_NAME=docker
. "$here/lib.sh"

client_prologue "$1"
export PATH=$DOCKER_DIR/usr/bin:$DOCKER_DIR/usr/sbin:$PATH

# The daemon.json of docs/clients.md, plus private dirs and no iptables (a private netns).
cat >"$ST/daemon.json" <<EOF
{
  "runtimes": { "hull": { "path": "$HULL" } },
  "default-runtime": "hull",
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "cgroup-parent": "/hull-clients-docker",
  "data-root": "$ST/data",
  "exec-root": "$ST/exec",
  "pidfile": "$ST/docker.pid",
  "hosts": ["unix://$ST/docker.sock"],
  "iptables": false,
  "ip-masq": false,
  "userland-proxy": false,
  "storage-driver": "overlay2"
}
EOF
export DOCKER_HOST=unix://$ST/docker.sock DOCKER_CONFIG=$ST/client-config
dockerd --config-file "$ST/daemon.json" >"$WORK/dockerd.log" 2>&1 &
daemon_pid=$!

CLI=(docker)
IMG=localhost/hulltest:latest
LEFTOVER_CGROUP_PARENT=hull-clients-docker
LEFTOVER_STATE_DIRS=("$ST/exec/runtime-*/moby")
LEFTOVER_MOUNT_RE="$ST/.*(/merged|/mounts/shm|io.containerd.runtime.v2.task/)"

cg_rel() { echo "hull-clients-docker/$(docker inspect -f '{{.Id}}' "$1")"; }

cleanup_client() {
    local ids
    ids=$(docker ps -aq 2>/dev/null)
    [ -z "$ids" ] || timeout 60 docker rm -f $ids >/dev/null 2>&1
}

. "$here/daily.sh"

test_runtime_is_hull() {
    expect_ok cli info -f '{{.DefaultRuntime}}'
    expect_eq "$OUT" hull "default runtime"
    expect_ok cli run -d --name rt1 "$IMG" sh -c "$TERM_OK"
    expect_eq "$(inspect rt1 '{{.HostConfig.Runtime}}')" hull "the container's runtime"
    local id
    id=$(inspect rt1 '{{.Id}}')
    # dockerd 20.10 passes --root <exec-root>/runtime-runc/moby to every runc-like runtime.
    local sroot=$ST/exec/runtime-runc/moby
    [ -d "$sroot/$id" ] || die "no state for $id under $sroot: $(ls -R "$ST/exec" | head -30)"
    expect_ok "$HULL" --root "$sroot" state "$id"
    expect_contains "$OUT" '"status": "running"' "hull state"
    expect_ok cli rm -f rt1
}

if ! wait_for 30 docker version; then
    tail -n 30 "$WORK/dockerd.log"
    fail_script
fi
if ! timeout 60 docker load -q -i "$CLIENT_IMAGE_ARCHIVE" >"$WORK/import.log" 2>&1; then
    cat "$WORK/import.log"
    fail_script
fi
run_tests_and_stop
