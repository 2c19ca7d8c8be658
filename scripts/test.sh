#!/usr/bin/env bash
# `npm test`: everything a fresh machine of this kind needs, then every suite. Never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-postgres.sh
bash scripts/ensure-chromium.sh
bash scripts/ensure-radosgw.sh

echo "== typecheck and lint"
npx tsc --noEmit
npx tsc --noEmit -p tsconfig.runtime.json # src/ outside src/node/: no Node types
npx tsc --noEmit -p test/workers
npx biome check .

echo "== tests on Node (libSQL, Postgres over pg and the Neon driver)"
npx vitest run
echo "== tests inside workerd (Workers entry: D1, and Postgres through the Neon driver)"
npx vitest run --config vitest.workers.config.ts
