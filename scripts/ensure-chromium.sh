#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests (test/routes/docs.test.ts).
# Quiet and quick when it is already there. Never `playwright install`: it downloads a browser.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then exit 0; fi

echo "[ensure-chromium] installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium >/dev/null

if [ ! -x /usr/bin/chromium ]; then
  echo "[ensure-chromium] /usr/bin/chromium is still missing after apt-get install" >&2
  exit 1
fi
