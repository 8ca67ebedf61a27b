#!/usr/bin/env bash
# Installs the Debian packages the suite's own tests need: headless Chromium for the report screenshot, and the
# PostgreSQL server the history store's tests start on a loopback port (tests/history/conftest.py).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
if [ "${#missing[@]}" = 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: ${missing[*]} not found and cannot apt-get install it here; the screenshot test and the" \
       "history store's PostgreSQL tests will fail" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq "${missing[@]}" >/dev/null
