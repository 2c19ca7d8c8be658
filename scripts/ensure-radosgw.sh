#!/usr/bin/env bash
# Makes sure Debian's Ceph RADOS Gateway (a real, signature-checking S3 server) is installed for the
# storage tests (test/support/radosgw.ts starts a throwaway mon + OSD + radosgw per test run).
# Quiet and quick when it is already there.
set -euo pipefail

have_all() {
  command -v radosgw >/dev/null && command -v radosgw-admin >/dev/null && command -v ceph-mon >/dev/null &&
    command -v ceph-osd >/dev/null && command -v monmaptool >/dev/null && command -v ceph >/dev/null
}

if have_all; then exit 0; fi

echo "[ensure-radosgw] installing Debian's radosgw, ceph-mon and ceph-osd" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >/dev/null

if ! have_all; then
  echo "[ensure-radosgw] radosgw, radosgw-admin, ceph-mon, ceph-osd, monmaptool or ceph is still missing after apt-get install" >&2
  exit 1
fi
