# systemd-lane-guest.sh - sourced by the v2 lane's init (tools/v2lane.sh, V2LANE_GUEST) for
# the systemd lane (tools/systemd-lane.sh). Starts Debian's systemd as PID 1 of a new pid and
# mount namespace with only the units written here, waits until it answers on its bus, then runs
# the systemd driver's tests inside its namespaces. Uses `suite` and `info` from the init.

mkdir -p /lane/units /etc/systemd /var/lib /var/tmp /var/log
echo 4c5f0a2b9d8e4f6a8b7c6d5e4f3a2b1c >/etc/machine-id
printf 'NAME="hull systemd lane"\nID=hull-lane\n' >/etc/os-release
cat >/lane/units/hull-lane.target <<'UNIT'
[Unit]
Description=hull systemd lane (nothing but the tests' own units)
UNIT
for s in system machine user; do
    printf '[Unit]\nDescription=%s slice\nDefaultDependencies=no\n' "$s" >"/lane/units/$s.slice"
done

t0=$(cut -d' ' -f1 /proc/uptime)
SYSTEMD_UNIT_PATH=/lane/units unshare -p -f -m --mount-proc \
    /usr/lib/systemd/systemd --system --unit=hull-lane.target \
    --log-target=console --log-level=notice --show-status=false \
    </dev/null >/tmp/systemd.log 2>&1 &
sd=""
for i in $(seq 1 100); do
    sd=$(pidof systemd | awk '{ print $NF }')
    [ -n "$sd" ] && break
    sleep 0.1
done
in_ns() { nsenter -t "$sd" -m -p -- "$@"; }
state=""
if [ -n "$sd" ]; then
    for i in $(seq 1 300); do # up to 60 s under TCG
        state=$(in_ns /usr/bin/systemctl is-system-running 2>/dev/null)
        case $state in running | degraded) break ;; esac
        sleep 0.2
    done
fi
info "systemd (pid $sd here) says '$state' after" \
    "$(awk -v s="$t0" '{ printf "%.1f", $1 - s }' /proc/uptime)s"

suite systemd-unit /lane/hull-unit --use-colour no '[systemd]'
case $state in
running | degraded)
    suite systemd-spec in_ns env HULL_SPEC_SYSTEMD=1 HULL_BINARY=/lane/hull HULL_PROBE=/lane/probe \
        /lane/hull-spec --use-colour no '[systemd],[cgroup_cmds]~"cgroup cmds: --systemd-cgroup without*"'
    ;;
*)
    info "systemd did not come up; its log:"
    while read -r l; do info "  $l"; done </tmp/systemd.log
    ;;
esac
