#!/bin/sh
# Installs the Debian packages Obol needs to build, test and benchmark.
# Idempotent: installs only what is missing, runs apt-get update at most once.
set -eu

PACKAGES="build-essential pkg-config libmicrohttpd-dev libjansson-dev \
libsqlite3-dev libssl-dev libcurl4-openssl-dev libpq-dev libcmocka-dev \
nodejs sqlite3 curl postgresql postgresql-client clang libclang-rt-14-dev"
if [ "${1:-}" = "--bench" ]; then
  PACKAGES="$PACKAGES nginx-light wrk"
fi

missing=""
for package in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
       grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "installing:$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
