#!/usr/bin/env bash
# podman-rootless.sh - rootless podman 4.3 drives hull: an unprivileged user (made here with
# useradd and a subuid/subgid range, removed at the end) runs podman with vfs storage, the
# cgroupfs manager and --network none. podman starts the runtime inside its own user
# namespace, where the user is uid 0 (hull must see that it is not real root). The daily set:
# run with an exit code, run -d + exec + logs + stop + rm, a volume, an env var, a user
# inside, and nothing left behind. runc is the reference: PODMAN_ROOTLESS_RUNTIME=runc runs
# the same script against it. Run by run.sh as PID 1 of private mount/net/pid namespaces.
# Usage: podman-rootless.sh WORKDIR   (env: HULL_BINARY, CLIENT_IMAGE_ROOTFS_TAR)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CLIENT_NAME=podman-rootless
. "$here/lib.sh"

client_prologue "$1"
command -v newuidmap >/dev/null || { say "newuidmap missing (uidmap package)"; fail_script; }

USERNAME=hullpr$$
SUB_START=600000
useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin --user-group \
    "$USERNAME" || fail_script
remove_user() {
    pkill -KILL -u "$USERNAME" 2>/dev/null # podman's pause process holds its user namespace
    sleep 0.2
    userdel "$USERNAME" 2>/dev/null
    sed -i "/^$USERNAME:/d" /etc/subuid /etc/subgid
}
trap remove_user EXIT
sed -i "/^$USERNAME:/d" /etc/subuid /etc/subgid # useradd may have given it a range
echo "$USERNAME:$SUB_START:65536" >>/etc/subuid
echo "$USERNAME:$SUB_START:65536" >>/etc/subgid
U=$(id -u "$USERNAME") G=$(id -g "$USERNAME")

UHOME=$ST/home XDG=$ST/xdg
mkdir -p "$UHOME/.config/containers" "$XDG" "$ST/image"
cp "$CLIENT_IMAGE_ROOTFS_TAR" "$ST/image/rootfs.tar"
RUNTIME=${PODMAN_ROOTLESS_RUNTIME:-hull}
cat >"$UHOME/.config/containers/containers.conf" <<EOC
[engine]
runtime_supports_json = ["crun", "runc", "hull"]
[engine.runtimes]
hull = ["$HULL"]
EOC
chown -R "$U:$G" "$UHOME" "$XDG"
chmod 700 "$XDG"
chmod 755 "$(dirname "$WORK")" "$WORK" "$ST" "$ST/image" # the user reaches its home
chmod 644 "$ST/image/rootfs.tar"

CLI=(setpriv --reuid="$U" --regid="$G" --init-groups --
    env -i HOME="$UHOME" XDG_RUNTIME_DIR="$XDG" USER="$USERNAME" PATH=/usr/bin:/bin:/usr/sbin:/sbin
    podman --storage-driver vfs --cgroup-manager cgroupfs --events-backend file
    --runtime "$RUNTIME")
IMG=localhost/hulltest:latest
RUN=(run --network none)
LEFTOVER_STATE_DIRS=("$XDG/$RUNTIME")
LEFTOVER_MOUNT_RE="$ST/.*(vfs-containers|/merged|/userdata)"

cleanup_client() {
    local ids
    ids=$("${CLI[@]}" ps -aq 2>/dev/null)
    [ -z "$ids" ] || timeout 60 "${CLI[@]}" rm -f -t 0 $ids >/dev/null 2>&1
}

test_run_exit_code() {
    expect_rc 7 cli "${RUN[@]}" --rm "$IMG" sh -c 'exit 7'
    expect_ok cli "${RUN[@]}" --rm "$IMG" sh -c 'id -u; cat /proc/self/uid_map'
    local lines
    lines=$(sed -n 1p <<<"$OUT")
    expect_eq "$lines" 0 "uid inside"
    expect_contains "$OUT" "$SUB_START" "the subuid range in the container's uid_map"
}

test_detached_exec_logs_stop_rm() {
    expect_ok cli "${RUN[@]}" -d --name d1 "$IMG" sh -c 'echo started; exec sleep 300'
    expect_ok cli exec d1 sh -c 'echo from-exec; id -u'
    expect_contains "$OUT" from-exec "exec output"
    local i
    for ((i = 0; i < 50; i++)); do
        capture cli logs d1
        [[ $OUT == *started* ]] && break
        sleep 0.1
    done
    expect_ok cli logs d1
    expect_contains "$OUT" started "logs"
    expect_ok cli stop -t 1 d1
    expect_ok cli inspect -f '{{.State.Status}}' d1
    expect_eq "$OUT" exited "status after stop"
    expect_ok cli rm d1
    expect_ok cli ps -aq
    expect_eq "$OUT" "" "containers after rm"
}

test_volume_owner() {
    local vol=$ST/vol
    rm -rf "$vol"
    mkdir -p "$vol"
    chown "$U:$G" "$vol"
    expect_ok cli "${RUN[@]}" --rm -v "$vol:/data" "$IMG" sh -c 'echo hi > /data/root-file'
    expect_eq "$(stat -c %u:%g "$vol/root-file")" "$U:$G" "host owner of a file made by root"
    chmod 777 "$vol"
    expect_ok cli "${RUN[@]}" --rm --user 1000:1000 -v "$vol:/data" "$IMG" \
        sh -c 'echo hi > /data/user-file'
    # container 1 -> SUB_START, so container 1000 -> SUB_START + 999
    local want=$((SUB_START + 999))
    expect_eq "$(stat -c %u:%g "$vol/user-file")" "$want:$want" "host owner of a file made by 1000"
}

test_env_var() {
    expect_ok cli "${RUN[@]}" --rm -e HULL_TEST_VAR=rootless-value "$IMG" sh -c 'echo $HULL_TEST_VAR'
    expect_eq "$OUT" rootless-value "env var"
}

test_user_inside() {
    expect_ok cli "${RUN[@]}" --rm --user 1234:5678 "$IMG" sh -c 'id -u; id -g'
    expect_eq "$OUT" "1234
5678" "uid and gid inside"
}

capture "${CLI[@]}" import -q "$ST/image/rootfs.tar" "$IMG"
[ "$RC" = 0 ] || { echo "$OUT $ERR"; fail_script; }
# The first podman command started podman's pause process (it keeps the user namespace):
# it belongs to the base processes.
set_base_processes
run_tests
cleanup_client
