import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/**
 * Tests that run inside workerd (`npm run test:workers`). The worker is src/worker.ts with the
 * bindings of wrangler.toml (D1 `DB` simulated locally); the Auth0 stand-in runs in Node (global
 * setup) and its issuer reaches the worker as plain-text bindings.
 *
 * @cloudflare/vitest-pool-workers 0.15 is a Vite plugin (`cloudflareTest`) rather than
 * `defineWorkersConfig` + `test.poolOptions.workers`; `readD1Migrations` moved from `/config` to the
 * package root. A function of options is resolved when the pool starts, after global setup, so it
 * can `inject` what global setup provided.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    auth0Issuer: string;
    auth0Audience: string;
    tokens: Record<'user' | 'wrongAudience', { token: string; sub: string }>;
  }
}

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          NODE_ENV: 'test',
          AUTH0_DOMAIN: inject('auth0Issuer'),
          AUTH0_AUDIENCE: inject('auth0Audience'),
          // Storage is required on Workers; the smoke test does not reach it.
          S3_BUCKET_NAME: 'jobmate-smoke',
          S3_ENDPOINT: 'http://127.0.0.1:9',
          AWS_ACCESS_KEY_ID: 'smoke',
          AWS_SECRET_ACCESS_KEY: 'smoke',
          TEST_MIGRATIONS: await readD1Migrations(path.join(import.meta.dirname, 'migrations/sqlite')),
        },
      },
    })),
  ],
  resolve: {
    alias: [
      // pg's CommonJS files `require('pg-protocol')`, which Vite resolves to pg-protocol's ESM build
      // under the pool's conditions: "Cannot use import statement outside a module" on import
      // (brianc/node-postgres#3700, cloudflare/workers-sdk#12984). Point it at the CommonJS build.
      {
        find: /^pg-protocol$/,
        replacement: path.join(import.meta.dirname, 'node_modules/pg-protocol/dist/index.js'),
      },
    ],
  },
  test: {
    include: ['test/workers/**/*.test.ts'],
    globalSetup: ['test/workers/global-setup.ts'],
    setupFiles: ['test/workers/apply-migrations.ts'],
    // The worker's request logs are shown for failing tests only.
    silent: 'passed-only',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
