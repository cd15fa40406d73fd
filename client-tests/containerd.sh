#!/usr/bin/env bash
# containerd.sh - containerd 1.6 (ctr and the io.containerd.runc.v2 shim) drives hull:
# run, run -d with logs, task exec, kill, pause/resume, task ps, delete, run -t, errors.
# Run by run.sh as PID 1 of private mount/net/pid namespaces.
# Usage: containerd.sh WORKDIR   (env: HULL_BINARY, CLIENT_IMAGE_ARCHIVE)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CLIENT_NAME=containerd
. "$here/lib.sh"

client_prologue "$1"

# A private containerd: its own root, state and sockets, no CRI plugin.
NS=hullct
SOCK=$ST/containerd.sock
cat >"$ST/config.toml" <<EOF
version = 2
root = "$ST/root"
state = "$ST/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
EOF
containerd --config "$ST/config.toml" >"$WORK/containerd.log" 2>&1 &
daemon_pid=$!

RUNC_ROOT=$ST/runc-root # the shim passes --root $RUNC_ROOT/$NS to hull
CTR=(ctr --address "$SOCK" --namespace "$NS")
IMG=localhost/hulltest:latest
RUN_FLAGS=(--runc-binary "$HULL" --runc-root "$RUNC_ROOT")
CLI=("${CTR[@]}") # for capture's "cli"
CTR_STR=$(printf '%q ' "${CTR[@]}")
LEFTOVER_CGROUP_PARENT=$NS # ctr's default cgroupsPath is /<namespace>/<id>
LEFTOVER_STATE_DIRS=("$RUNC_ROOT/$NS")
LEFTOVER_MOUNT_RE="$ST/.*io.containerd.runtime.v2.task/"

cleanup_client() {
    local id
    for id in $("${CTR[@]}" containers ls -q 2>/dev/null); do
        timeout 20 "${CTR[@]}" task kill -a -s SIGKILL "$id" >/dev/null 2>&1
        timeout 20 "${CTR[@]}" task delete -f "$id" >/dev/null 2>&1
        timeout 20 "${CTR[@]}" containers delete "$id" >/dev/null 2>&1
    done
}

# The task's status as `ctr task ls` shows it (RUNNING, PAUSED, STOPPED).
task_status() { "${CTR[@]}" task ls | awk -v id="$1" '$1 == id {print $3}'; }
task_pid() { "${CTR[@]}" task ls | awk -v id="$1" '$1 == id {print $2}'; }
status_is() { [ "$(task_status "$1")" = "$2" ]; }

TERM_OK='trap "exit 7" TERM; echo ready; while :; do sleep 1 & wait $!; done'
TERM_IGNORED='trap "" TERM; echo ready; while :; do sleep 1; done'

# Starts a detached task ID running CMD (sh -c), its output in $WORK/ID.log.
start_detached() { # ID CMD
    expect_ok cli run -d --log-uri "file://$WORK/$1.log" "${RUN_FLAGS[@]}" "$IMG" "$1" sh -c "$2"
    wait_for 10 grep -q ready "$WORK/$1.log" || die "$1 never printed ready"
}

# Removes a stopped task and its container; ctr task delete warns of a non-zero status.
remove() { # ID WANT_STATUS
    expect_ok cli task delete "$1"
    if [ "$2" != 0 ]; then
        expect_contains "$ERR" "exit code $2" "the status ctr task delete reports"
    else
        expect_not_contains "$ERR" "exit code" "the status ctr task delete reports"
    fi
    expect_ok cli containers delete "$1"
}

test_run_exit_code_and_streams() {
    expect_rc 4 cli run --rm "${RUN_FLAGS[@]}" "$IMG" r1 sh -c 'echo to-stdout; echo to-stderr >&2; exit 4'
    expect_eq "$OUT" to-stdout "stdout"
    expect_contains "$ERR" to-stderr "stderr"
    expect_ok cli run --rm "${RUN_FLAGS[@]}" "$IMG" r2 true
}

test_run_detached_with_logs() {
    start_detached d1 "echo hello-log; echo err-log >&2; $TERM_OK"
    expect_eq "$(task_status d1)" RUNNING "status"
    expect_contains "$(cat "$WORK/d1.log")" hello-log "log file"
    expect_contains "$(cat "$WORK/d1.log")" err-log "log file"
    expect_ok cli task kill d1 # SIGTERM
    wait_for 10 status_is d1 STOPPED || die "d1 did not stop on SIGTERM: $(task_status d1)"
    remove d1 7
}

test_task_exec() {
    start_detached e1 "$TERM_OK"
    expect_rc 6 cli task exec --exec-id x1 e1 sh -c 'echo in-exec; echo exec-err >&2; exit 6'
    expect_eq "$OUT" in-exec "exec stdout"
    expect_contains "$ERR" exec-err "exec stderr"
    expect_ok cli task exec --exec-id x2 --cwd /tmp e1 pwd
    expect_eq "$OUT" /tmp "exec --cwd"
    with_tty "$CTR_STR task exec -t --exec-id x3 e1 sh -c 'read x; echo got-\$x; tty; exit 3'" <<<"abc"
    expect_eq "$RC" 3 "exec -t exit code (output: $OUT)"
    expect_contains "$OUT" got-abc "exec -t: input reaches the process"
    expect_contains "$OUT" /dev/pts/ "exec -t: a terminal"
    expect_ok cli task kill -s SIGKILL e1
    wait_for 10 status_is e1 STOPPED || die "e1 did not stop"
    remove e1 137
}

test_kill_sigkill_and_delete() {
    start_detached k1 "$TERM_IGNORED"
    expect_ok cli task kill k1 # SIGTERM, ignored
    sleep 1
    expect_eq "$(task_status k1)" RUNNING "status after an ignored SIGTERM"
    expect_ok cli task kill -s SIGKILL k1
    wait_for 10 status_is k1 STOPPED || die "k1 did not stop on SIGKILL"
    remove k1 137
}

test_kill_all() {
    start_detached k2 'echo ready; sleep 1000 & sleep 1000 & wait'
    expect_ok cli task kill -a -s SIGKILL k2
    wait_for 10 status_is k2 STOPPED || die "k2 did not stop"
    remove k2 137
}

test_pause_resume() {
    start_detached p1 "$TERM_OK"
    expect_ok cli task pause p1
    expect_eq "$(task_status p1)" PAUSED "status after pause"
    expect_eq "$(freezer_state "$NS/p1")" FROZEN "freezer"
    expect_ok cli task resume p1
    expect_eq "$(task_status p1)" RUNNING "status after resume"
    expect_eq "$(freezer_state "$NS/p1")" THAWED "freezer"
    expect_ok cli task kill p1
    wait_for 10 status_is p1 STOPPED || die "p1 did not stop"
    remove p1 7
}

test_task_ps() {
    start_detached ps1 'echo ready; sleep 1000 & sleep 999 & wait'
    local pid
    pid=$(task_pid ps1)
    expect_ok cli task ps ps1
    expect_contains "$OUT" PID "header"
    expect_contains "$OUT" "$pid" "the init pid"
    [ "$(grep -cE '^[0-9]+' <<<"$OUT")" -eq 3 ] || die "expected 3 processes: $OUT"
    expect_ok cli task kill -a -s SIGKILL ps1
    wait_for 10 status_is ps1 STOPPED || die "ps1 did not stop"
    remove ps1 137
}

test_run_tty() {
    with_tty "$CTR_STR run -t --rm ${RUN_FLAGS[*]} $IMG t1 sh -c 'read x; echo got-\$x; tty; exit 5'" <<<"hello"
    expect_eq "$RC" 5 "run -t exit code (output: $OUT)"
    expect_contains "$OUT" got-hello "run -t: input"
    expect_contains "$OUT" /dev/pts/ "run -t: a terminal"
}

test_create_error_reaches_ctr() {
    # hull's JSON error line (the shim's log.json) becomes ctr's message.
    capture cli run --rm "${RUN_FLAGS[@]}" "$IMG" bad1 /no/such/command
    [ "$RC" != 0 ] || die "ctr run of a missing command succeeded"
    expect_contains "$ERR" "OCI runtime create failed" "ctr's message"
    expect_contains "$ERR" "exec /no/such/command: no such file or directory" "hull's error"
    cli containers delete bad1 >/dev/null 2>&1
    capture cli containers ls -q
    expect_not_contains "$OUT" bad1 "containers left"
}

test_start_error_reaches_ctr() {
    # A file with the execute bit that is neither ELF nor script: create succeeds, and the
    # execve at start fails (in hull-trampoline when the guard applies).
    printf 'just text\n' >"$WORK/notelf"
    chmod 0755 "$WORK/notelf"
    capture cli run --mount "type=bind,src=$WORK/notelf,dst=/notelf,options=rbind:ro" \
        "${RUN_FLAGS[@]}" "$IMG" bad2 /notelf
    [ "$RC" != 0 ] || die "ctr run of a non-executable file succeeded"
    expect_contains "$ERR" "exec /notelf: exec format error" "hull's error"
    # Without --rm the failed task and the container stay; both must go away on request.
    capture cli task ls
    if [[ "$OUT" == *bad2* ]]; then expect_ok cli task delete -f bad2; fi
    expect_ok cli containers delete bad2
    capture cli containers ls -q
    expect_not_contains "$OUT" bad2 "containers left"
}

if ! wait_for 20 "${CTR[@]}" version; then
    cat "$WORK/containerd.log"
    fail_script
fi
if ! timeout 60 "${CTR[@]}" images import "$CLIENT_IMAGE_ARCHIVE" >"$WORK/import.log" 2>&1; then
    cat "$WORK/import.log"
    fail_script
fi
run_tests_and_stop
