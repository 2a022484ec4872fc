#!/bin/sh
# Installs Debian's Request Tracker 5 for the end-to-end tests (tests/e2e/test_request_tracker.py), once, when it
# is missing.
# The tests never use the instance the package sets up: they make their own SQLite database and site config in a
# temporary folder (RT_SITE_CONFIG_DIR) and start rt-server themselves on a free port, so nothing here is served.
# Non-interactive: debconf is preseeded below, so the install asks nothing.
set -eu

PACKAGES="request-tracker5 rt5-db-sqlite rt5-standalone"

installed() {
    for package in $PACKAGES; do
        status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) || return 1
        [ "$status" = "install ok installed" ] || return 1
    done
}

if installed; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-request-tracker: Request Tracker 5 is missing; run as root" \
        "(or: sudo apt-get install --no-install-recommends $PACKAGES)" >&2
    exit 1
fi

# The package's own database gets a root password nobody knows: that instance is never started.
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
debconf-set-selections <<PRESEED
request-tracker5 request-tracker5/rtname string rt.test.local
request-tracker5 request-tracker5/organization string rt.test.local
request-tracker5 request-tracker5/correspondaddress string rt@rt.test.local
request-tracker5 request-tracker5/commentaddress string rt-comment@rt.test.local
request-tracker5 request-tracker5/webbaseurl string http://127.0.0.1
request-tracker5 request-tracker5/webpath string
request-tracker5 request-tracker5/handle-siteconfig-permissions boolean true
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/initial-root-password password $password
request-tracker5 request-tracker5/dbconfig-install boolean true
request-tracker5 request-tracker5/database-type select sqlite3
request-tracker5 request-tracker5/db/basepath string /var/lib/dbconfig-common/sqlite3/request-tracker5
request-tracker5 request-tracker5/db/dbname string rtdb
PRESEED

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# RT's postinst prints a "restart your web server" banner and, in containers, policy-rc.d's refusal to start
# the MTA: both harmless, so the output is kept only to show it when the install fails.
log=$(mktemp)
if ! apt-get install -y -qq --no-install-recommends $PACKAGES >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
# A fresh install leaves RT_SiteConfig.pm root:root 0600; RT loads it whoever runs it (the package means 0640
# root:www-data, as it makes the RT_SiteConfig.d snippets).
chown root:www-data /etc/request-tracker5/RT_SiteConfig.pm
chmod 640 /etc/request-tracker5/RT_SiteConfig.pm
