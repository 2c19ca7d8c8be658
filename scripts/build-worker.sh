#!/usr/bin/env bash
# `npm run build:worker`: bundles the Workers entry as `wrangler deploy` would, without an account
# or network, and prints the bundle's size (raw and gzip).
set -euo pipefail
cd "$(dirname "$0")/.."

export WRANGLER_SEND_METRICS=false
rm -rf dist
npx wrangler deploy --dry-run --outdir dist

bundle=dist/worker.js
[ -f "$bundle" ] || bundle=$(find dist -maxdepth 1 -name '*.js' | head -n 1)
if [ -z "$bundle" ] || [ ! -f "$bundle" ]; then
  echo "build-worker: no bundle found in dist/" >&2
  exit 1
fi
raw=$(wc -c <"$bundle")
gz=$(gzip -9 -c "$bundle" | wc -c)
printf '== bundle %s: %s bytes (%s KiB) raw, %s bytes (%s KiB) gzip\n' \
  "$bundle" "$raw" "$((raw / 1024))" "$gz" "$((gz / 1024))"
