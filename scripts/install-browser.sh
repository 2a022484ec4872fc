#!/bin/sh
# Installs Debian's Chromium for the browser tests (tests/browser), once, when it is missing.
# The tests drive it with the Python `playwright` package (executable_path=/usr/bin/chromium); we never
# run `playwright install`, so no browser is downloaded from outside the Debian archive.
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser: /usr/bin/chromium is missing; run as root (or: sudo apt-get install chromium)" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium
