# systemd-lane-guest.sh - sourced by the v2 lane's init (tools/v2lane.sh, V2LANE_GUEST) for
# the systemd lane (tools/systemd-lane.sh). Starts Debian's systemd as PID 1 of a new pid and
# mount namespace with only the units written here, waits until it answers on its bus, then runs
# the systemd driver's tests inside its namespaces: the unit and spec tests, rootless containers
# in scopes of the user hullrl's own manager (systemd --user, started by the system manager as
# user@1500.service with a delegated cgroup, as logind would, with its user bus), and podman as
# root with cgroup_manager = "systemd" (client-tests/podman-systemd.sh; when systemd-lane.sh put
# LANE_PODMAN_IMAGE and LANE_REPO in front of this script). Uses `suite` and `info` from the init.

mkdir -p /lane/units /etc/systemd /var/lib /var/tmp /var/log
echo 4c5f0a2b9d8e4f6a8b7c6d5e4f3a2b1c >/etc/machine-id
printf 'NAME="hull systemd lane"\nID=hull-lane\n' >/etc/os-release
cat >/lane/units/hull-lane.target <<'UNIT'
[Unit]
Description=hull systemd lane (nothing but the tests' own units)
Wants=dbus.socket dbus.service
UNIT
# The system bus (a user's manager moves processes into its own units through the system
# manager on it, AttachProcessesToUnit): dbus-daemon started by systemd, as on a host.
echo 'messagebus:x:101:101:system message bus:/nonexistent:/bin/false' >>/etc/passwd
echo 'messagebus:x:101:' >>/etc/group
mkdir -p /run/dbus
cat >/lane/units/dbus.socket <<'UNIT'
[Unit]
Description=system message bus socket
DefaultDependencies=no
[Socket]
ListenStream=/run/dbus/system_bus_socket
UNIT
cat >/lane/units/dbus.service <<'UNIT'
[Unit]
Description=system message bus
DefaultDependencies=no
Requires=dbus.socket
After=dbus.socket
[Service]
ExecStart=/usr/bin/dbus-daemon --system --address=systemd: --nofork --nopidfile --systemd-activation --nosyslog
UNIT
for s in system machine user; do
    printf '[Unit]\nDescription=%s slice\nDefaultDependencies=no\n' "$s" >"/lane/units/$s.slice"
done
# The user hullrl (uid 1500, in the guest's /etc/passwd): its manager, with only the units
# written here.
rl=1500 rldir=/run/user/1500
mkdir -p "$rldir" /lane/user-units && chown "$rl:$rl" "$rldir" && chmod 0700 "$rldir"
cat >/lane/units/user@$rl.service <<UNIT
[Unit]
Description=user manager of hullrl
DefaultDependencies=no
[Service]
User=$rl
Group=$rl
Slice=user.slice
Type=notify
Delegate=yes
Environment=XDG_RUNTIME_DIR=$rldir SYSTEMD_UNIT_PATH=/lane/user-units HOME=/tmp
ExecStart=/usr/lib/systemd/systemd --user
UNIT
# the user bus as Debian's dbus-user-session makes it: a socket at $XDG_RUNTIME_DIR/bus and
# dbus-daemon started by the user's manager, which connects to it once it runs
printf '[Unit]\nDescription=hull lane user default\nWants=dbus.socket dbus.service\n' \
    >/lane/user-units/default.target
cat >/lane/user-units/dbus.socket <<'UNIT'
[Unit]
Description=user message bus socket
DefaultDependencies=no
[Socket]
ListenStream=%t/bus
UNIT
cat >/lane/user-units/dbus.service <<'UNIT'
[Unit]
Description=user message bus
DefaultDependencies=no
Requires=dbus.socket
After=dbus.socket
[Service]
ExecStart=/usr/bin/dbus-daemon --session --address=systemd: --nofork --nopidfile --systemd-activation --nosyslog
UNIT
for s in user app; do
    printf '[Unit]\nDescription=%s slice\nDefaultDependencies=no\n' "$s" >"/lane/user-units/$s.slice"
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

# The user's manager: started by the system manager; ready when it answers on the user bus
# (`hull features` as the user asks it there).
user_bus=""
if [ -n "$sd" ] && case $state in running | degraded) true ;; *) false ;; esac; then
    t1=$(cut -d' ' -f1 /proc/uptime)
    in_ns /usr/bin/systemctl start "user@$rl.service"
    for i in $(seq 1 150); do
        in_ns /lane/as-user "$rl" "$rl" /usr/bin/env XDG_RUNTIME_DIR="$rldir" /lane/hull features \
            2>/dev/null | grep -q '"systemdUser": *true' && { user_bus=yes; break; }
        sleep 0.2
    done
    info "the user manager of hullrl answers on its bus: ${user_bus:-no} after" \
        "$(awk -v s="$t1" '{ printf "%.1f", $1 - s }' /proc/uptime)s"
    [ -n "$user_bus" ] || in_ns /usr/bin/systemctl status --no-pager -l "user@$rl.service" 2>&1 |
        while read -r l; do info "  $l"; done
fi

suite systemd-unit /lane/hull-unit --use-colour no '[systemd]'
case $state in
running | degraded)
    suite systemd-spec in_ns env HULL_SPEC_SYSTEMD=1 HULL_BINARY=/lane/hull HULL_PROBE=/lane/probe \
        /lane/hull-spec --use-colour no '[systemd],[cgroup_cmds]~"cgroup cmds: --systemd-cgroup without*"'
    suite systemd-user in_ns env HULL_SPEC_SYSTEMD_USER="$rldir" HULL_SPEC_ROOTLESS_USER=hullrl \
        HULL_BINARY=/lane/hull HULL_PROBE=/lane/probe /lane/hull-spec --use-colour no '[systemd-user]'
    while read -r l; do info "  $l"; done </tmp/user-manager.log
    if [ -n "${LANE_PODMAN_IMAGE:-}" ]; then
        mkdir -p /tmp/podman-systemd
        suite podman-systemd in_ns env HULL_BINARY=/lane/hull \
            CLIENT_IMAGE_ROOTFS_TAR="$LANE_PODMAN_IMAGE" PATH=/usr/bin:/bin:/usr/sbin:/sbin \
            /bin/bash "$LANE_REPO/client-tests/podman-systemd.sh" /tmp/podman-systemd
    fi
    ;;
*)
    info "systemd did not come up; its log:"
    while read -r l; do info "  $l"; done </tmp/systemd.log
    ;;
esac
