# daily.sh - the daily set of tests shared by the podman and docker scripts (sourced).
#
# The script that sources it sets:
#   CLI=(...)       the client command with its global flags (an array)
#   IMG             the test image (busybox-static rootfs)
#   cg_rel NAME     prints a container's cgroup path relative to the hierarchy root
#   RM_FORCE=(...)  optional: the rm arguments that kill at once (default: rm -f)
#   WORK            a scratch directory

CLI_STR=$(printf '%q ' "${CLI[@]}")

cli() { "${CLI[@]}" "$@"; }

# rm of a running container with SIGKILL at once (podman: -t 0)
[ -n "${RM_FORCE+set}" ] || RM_FORCE=(rm -f)

inspect() { # NAME TEMPLATE
    cli inspect -f "$2" "$1"
}

# A container that ends with status 7 on SIGTERM (sh as PID 1 has to trap it).
TERM_OK='trap "exit 7" TERM; echo ready; while :; do sleep 1 & wait $!; done'
# One that ignores SIGTERM: only SIGKILL ends it.
TERM_IGNORED='trap "" TERM; echo ready; while :; do sleep 1; done'

# Starts a detached container NAME running CMD (sh -c) and waits until it printed "ready".
start_detached() { # NAME CMD [RUN_FLAGS...]
    local name=$1 cmd=$2
    shift 2
    expect_ok cli run -d --name "$name" "$@" "$IMG" sh -c "$cmd"
    wait_for 10 logs_contain "$name" ready || die "$name never printed ready"
}

logs_contain() { # NAME TEXT
    cli logs "$1" 2>&1 | grep -q -- "$2"
}

elapsed_since() { # START (date +%s.%N) -> seconds with one decimal
    awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e - s}'
}

test_run_exit_code_and_streams() {
    expect_rc 3 cli run --rm "$IMG" sh -c 'echo to-stdout; echo to-stderr >&2; exit 3'
    expect_eq "$OUT" "to-stdout" "stdout"
    expect_contains "$ERR" "to-stderr" "stderr"
    expect_not_contains "$OUT" "to-stderr" "stdout"
    expect_rc 0 cli run --rm "$IMG" true
}

test_run_killed_status() {
    # `run` in the foreground reports a killed process as 128 + the signal; kill goes
    # through the runtime.
    local rcfile=$WORK/run-k1.rc
    ( timeout 60 "${CLI[@]}" run --name k1 "$IMG" sh -c "$TERM_IGNORED" >/dev/null 2>&1
      echo $? >"$rcfile" ) &
    wait_for 20 logs_contain k1 ready || die "k1 never printed ready"
    expect_ok cli kill -s KILL k1
    wait
    expect_eq "$(cat "$rcfile")" 137 "status of run after SIGKILL"
    expect_ok cli rm k1
}

test_logs_of_finished_container() {
    expect_ok cli run -d --name logs1 "$IMG" sh -c 'echo line-one; echo line-two >&2; exit 2'
    expect_ok cli wait logs1
    expect_eq "$OUT" 2 "wait prints the exit code"
    expect_ok cli logs logs1
    expect_contains "$OUT$ERR" line-one "logs"
    expect_contains "$OUT$ERR" line-two "logs"
    expect_ok cli rm logs1
}

test_detached_exec_stop_rm() {
    start_detached d1 "$TERM_OK"
    expect_eq "$(inspect d1 '{{.State.Status}}')" running "status"
    expect_rc 5 cli exec d1 sh -c 'echo in-exec; echo exec-err >&2; exit 5'
    expect_eq "$OUT" in-exec "exec stdout"
    expect_contains "$ERR" exec-err "exec stderr"
    expect_ok cli exec -e X=42 -w /tmp d1 sh -c 'echo $X $(pwd)'
    expect_eq "$OUT" "42 /tmp" "exec env and workdir"
    local t0
    t0=$(date +%s.%N)
    expect_ok cli stop -t 20 d1
    local took
    took=$(elapsed_since "$t0")
    awk -v t="$took" 'BEGIN{exit !(t < 10)}' || die "stop took ${took}s: SIGTERM was not delivered"
    expect_eq "$(inspect d1 '{{.State.ExitCode}}')" 7 "exit code after SIGTERM"
    expect_ok cli rm d1
}

test_stop_kills_after_timeout() {
    start_detached d2 "$TERM_IGNORED"
    local t0 took
    t0=$(date +%s.%N)
    expect_ok cli stop -t 2 d2
    took=$(elapsed_since "$t0")
    awk -v t="$took" 'BEGIN{exit !(t >= 1.9 && t < 15)}' || die "stop took ${took}s, expected ~2"
    expect_eq "$(inspect d2 '{{.State.ExitCode}}')" 137 "exit code after SIGKILL"
    expect_ok cli rm d2
}

test_rm_force_running() {
    start_detached d3 "$TERM_IGNORED"
    expect_ok cli "${RM_FORCE[@]}" d3
    capture cli inspect d3
    [ "$RC" != 0 ] || die "d3 still exists after rm -f"
}

test_tty_run() {
    expect_rc 3 cli run --rm -t "$IMG" sh -c 'tty; exit 3'
    expect_contains "$OUT" /dev/pts/ "run -t: stdout is a terminal"
    with_tty "$CLI_STR run --rm -it $IMG sh -c 'read x; echo got-\$x; tty; exit 4'" <<<"hello"
    expect_eq "$RC" 4 "run -it exit code (output: $OUT)"
    expect_contains "$OUT" got-hello "run -it: input reaches the container"
    expect_contains "$OUT" /dev/pts/ "run -it: a terminal"
}

test_tty_exec() {
    start_detached e1 "$TERM_OK"
    expect_ok cli exec -t e1 tty
    expect_contains "$OUT" /dev/pts/ "exec -t"
    with_tty "$CLI_STR exec -it e1 sh -c 'read x; echo exec-got-\$x; tty; exit 6'" <<<"abc"
    expect_eq "$RC" 6 "exec -it exit code (output: $OUT)"
    expect_contains "$OUT" exec-got-abc "exec -it: input reaches the process"
    expect_ok cli "${RM_FORCE[@]}" e1
}

test_pause_unpause() {
    start_detached p1 "$TERM_OK"
    local rel
    rel=$(cg_rel p1)
    expect_ok cli pause p1
    expect_eq "$(inspect p1 '{{.State.Status}}')" paused "status after pause"
    expect_eq "$(freezer_state "$rel")" FROZEN "freezer of $rel"
    expect_ok cli unpause p1
    expect_eq "$(inspect p1 '{{.State.Status}}')" running "status after unpause"
    expect_eq "$(freezer_state "$rel")" THAWED "freezer of $rel"
    expect_ok cli exec p1 true
    expect_ok cli "${RM_FORCE[@]}" p1
}

# The limits as the container sees them in its own cgroup files (v1 or v2 layout).
SHOW_LIMITS='if [ -f /sys/fs/cgroup/memory.max ]; then cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max;
else cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; fi'

test_limits_visible_inside() {
    expect_ok cli run --rm --memory 64m --pids-limit 50 "$IMG" sh -c "$SHOW_LIMITS"
    expect_eq "$(echo $OUT)" "67108864 50" "memory and pids limits seen inside"
}

test_memory_limit_enforced() {
    # The shell keeps 100 MB in a variable: over a 32 MB limit it is OOM-killed.
    expect_rc 137 cli run --rm --memory 32m "$IMG" \
        sh -c 'x=$(head -c 100000000 /dev/zero | tr "\0" a); echo survived ${#x}'
    expect_not_contains "$OUT" survived "memory hog"
    expect_ok cli run --rm --memory 32m "$IMG" sh -c 'x=$(head -c 1000000 /dev/zero | tr "\0" a)'
}

test_pids_limit_enforced() {
    # With 8 pids at most, forking the 8th background sleep fails (and ends the shell).
    capture cli run --rm --pids-limit 8 "$IMG" \
        sh -c 'for i in $(seq 20); do sleep 3 & echo started $i; done'
    local n
    n=$(grep -c started <<<"$OUT")
    [ "$n" -ge 3 ] && [ "$n" -lt 8 ] || die "started $n processes under pids-limit 8"
    expect_contains "$ERR" "fork" "the failed fork"
}

test_volumes_rw_and_ro() {
    local vol
    vol=$(mktemp -d "$WORK/vol.XXXXXX")
    echo from-host >"$vol/in"
    expect_ok cli run --rm -v "$vol:/data" "$IMG" sh -c 'cat /data/in; echo from-container >/data/out'
    expect_eq "$OUT" from-host "read through the volume"
    expect_eq "$(cat "$vol/out" 2>/dev/null)" from-container "written through the volume"
    capture cli run --rm -v "$vol:/data:ro" "$IMG" sh -c 'echo x >/data/out2'
    [ "$RC" != 0 ] || die "a write to a :ro volume succeeded"
    expect_contains "$ERR" "Read-only file system" "error of the write to :ro"
    [ ! -e "$vol/out2" ] || die ":ro volume was written"
    expect_ok cli run --rm -v "$vol:/data:ro" "$IMG" cat /data/in
    expect_eq "$OUT" from-host "read through the :ro volume"
    rm -rf "$vol"
}

test_read_only_rootfs() {
    capture cli run --rm --read-only "$IMG" sh -c 'touch /newfile'
    [ "$RC" != 0 ] || die "touch / succeeded with --read-only"
    expect_contains "$ERR" "Read-only file system" "error of the write"
    expect_ok cli run --rm --read-only "$IMG" sh -c 'grep " / " /proc/self/mounts'
    expect_contains "$OUT" " ro" "/ mounted read-only"
}

test_user() {
    expect_ok cli run --rm --user 1000:1001 "$IMG" sh -c 'id -u; id -g; touch /root/x 2>&1; true'
    expect_eq "$(sed -n 1p <<<"$OUT")" 1000 "uid"
    expect_eq "$(sed -n 2p <<<"$OUT")" 1001 "gid"
    expect_contains "$OUT" "Permission denied" "non-root cannot write /root"
}

test_env_workdir_hostname() {
    expect_ok cli run --rm -e FOO=bar -e "TWO=a b" -w /tmp --hostname hullhost "$IMG" \
        sh -c 'echo "$FOO|$TWO"; pwd; hostname'
    expect_eq "$OUT" "bar|a b
/tmp
hullhost" "env, workdir, hostname"
}

test_network_none() {
    expect_ok cli run --rm --network none "$IMG" ls /sys/class/net
    expect_eq "$OUT" lo "interfaces with --network none"
}

test_network_default() {
    expect_ok cli run --rm --cap-add NET_RAW "$IMG" \
        sh -c 'ip -4 -o addr show eth0; gw=$(ip route | awk "/default/ {print \$3}"); ping -c 1 -W 3 $gw'
    expect_contains "$OUT" "inet " "eth0 has an address"
    expect_contains "$OUT" "1 packets received" "the gateway answers"
}

test_top() {
    start_detached t1 'echo ready; sleep 1000; true'
    expect_ok cli top t1
    expect_contains "$OUT" "sleep 1000" "top lists the process"
    expect_contains "$OUT" PID "top header"
    expect_ok cli "${RM_FORCE[@]}" t1
}

test_create_start_restart() {
    expect_ok cli create --name c1 "$IMG" sh -c "echo started; $TERM_OK"
    expect_eq "$(inspect c1 '{{.State.Status}}')" created "status after create"
    expect_ok cli start c1
    wait_for 10 logs_contain c1 ready || die "c1 never printed ready"
    expect_eq "$(inspect c1 '{{.State.Status}}')" running "status after start"
    local pid1 pid2
    pid1=$(inspect c1 '{{.State.Pid}}')
    expect_ok cli restart -t 10 c1
    expect_eq "$(inspect c1 '{{.State.Status}}')" running "status after restart"
    pid2=$(inspect c1 '{{.State.Pid}}')
    [ "$pid1" != "$pid2" ] && [ "$pid2" -gt 0 ] || die "restart kept pid $pid1 (now $pid2)"
    wait_for 10 sh -c "[ \$($CLI_STR logs c1 2>&1 | grep -c started) -ge 2 ]" ||
        die "the process did not run twice: $(cli logs c1 2>&1)"
    expect_ok cli stop -t 10 c1
    expect_ok cli rm c1
}

test_missing_command_is_127() {
    expect_rc 127 cli run --rm "$IMG" /no/such/command
    expect_contains "$ERR" "no such file or directory" "error text"
}

test_not_executable_is_126() {
    expect_rc 126 cli run --rm "$IMG" /etc/passwd
    expect_contains "$ERR" "permission denied" "error text"
}
