# Sourced by the scripts that install Debian packages for a test lane or the client suite:
# apt_install_no_services PKG... installs them without recommends and without starting any
# service they ship (a policy-rc.d that forbids it is put in place for the install unless the
# host has one already). A failed install is retried once after `apt-get update`. Returns
# apt-get's status; prints nothing but apt-get's errors.
apt_install_no_services() {
    local own_policy=0 st=0
    export DEBIAN_FRONTEND=noninteractive
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d &&
            own_policy=1
    fi
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
          apt-get install -y -qq --no-install-recommends "$@" >/dev/null; } || st=$?
    [ "$own_policy" = 0 ] || rm -f /usr/sbin/policy-rc.d
    return "$st"
}
