#!/bin/sh
# Installs the Debian packages Obol needs to build, test and benchmark, and
# the npm packages of the browser tests (tests/browser: playwright-core,
# driving Debian's chromium; no browser is downloaded).
# Idempotent: installs only what is missing, runs apt-get update at most once.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="build-essential pkg-config libmicrohttpd-dev libjansson-dev \
libsqlite3-dev libssl-dev libcurl4-openssl-dev libpq-dev libcmocka-dev \
nodejs sqlite3 curl postgresql postgresql-client clang libclang-rt-14-dev \
chromium fonts-dejavu-core"
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

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
if [ -n "$missing" ]; then
  echo "installing:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi

# npm comes with nodesource's nodejs; Debian's nodejs needs the npm package.
if ! command -v npm >/dev/null 2>&1; then
  echo "installing: npm"
  [ -n "$missing" ] || $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi

# The browser tests' npm packages, as package-lock.json pins them.
if [ ! -f tests/browser/node_modules/playwright-core/package.json ] ||
   [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  echo "installing: npm packages of tests/browser"
  (cd tests/browser &&
   PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
