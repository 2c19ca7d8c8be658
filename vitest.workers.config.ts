import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import type { UserWorkspaceConfig } from 'vitest/config';
import { defineConfig } from 'vitest/config';
import { databaseModes, type ParityMode } from './test/workers/services';

/**
 * Tests that run inside workerd (`npm run test:workers`): src/worker.ts with the bindings of
 * wrangler.toml plus those below, three times — project `workers-d1` (DATABASE_MODE=sqlite, the
 * local D1 simulation `DB`), project `workers-neon` (DATABASE_MODE=postgres: the run's Postgres
 * through the Neon driver and a loopback WebSocket-to-TCP proxy) and project `workers-libsql`
 * (DATABASE_MODE=sqlite with DATABASE_DEV a remote libSQL server: the Hrana-over-HTTP stand-in,
 * reached with `@libsql/client/web`; it runs the smoke and parity files but chat, whose streams are
 * slow on purpose and say nothing more about the database, and the D1-only d1-stores). The services
 * (Auth0, DeepSeek and libSQL stand-ins, radosgw, Chroma, Postgres, the ontology file) run in Node,
 * started once by test/workers/global-setup.ts, and reach the worker as plain-text bindings.
 *
 * @cloudflare/vitest-pool-workers 0.15 is a Vite plugin (`cloudflareTest`) rather than
 * `defineWorkersConfig` + `test.poolOptions.workers`; `readD1Migrations` moved from `/config` to the
 * package root. A function of options is resolved when the pool starts, after global setup, so it
 * can `inject` what global setup provided (projects inherit the root project's provided context).
 *
 * The projects do not `extends: true`: they would inherit `globalSetup` and start every service
 * once more per project.
 *
 * `isolate: false`: one workerd per project runs all its files, so a project's files share one D1
 * database (as the Neon project's files share the run's Postgres database, and the libSQL project's
 * the stand-in's) and one worker isolate
 * (the skills ontology is fetched and indexed once, not once per file). With per-file isolation
 * each file started its own workerd (~3 s each) and the run took twice as long. The tests are
 * written for a shared database: each file has its own users (test/workers/services.ts) and data.
 */

const root = import.meta.dirname;

const libsqlFiles = [
  'smoke',
  'parity-identity',
  'parity-jobs',
  'parity-resumes',
  'parity-profile',
  'parity-skills',
  'parity-input-defects',
].map((file) => `test/workers/${file}.test.ts`);

function workersProject(name: string, mode: ParityMode): UserWorkspaceConfig {
  return {
    plugins: [
      cloudflareTest(async ({ inject }) => {
        const services = inject('services');
        const own = services.modes[mode];
        return {
          wrangler: { configPath: './wrangler.toml' },
          miniflare: {
            bindings: {
              NODE_ENV: 'test',
              TEST_PARITY_MODE: mode,
              DATABASE_MODE: databaseModes[mode],
              ...(mode === 'libsql'
                ? { DATABASE_DEV: services.libsql.url, LIBSQL_AUTH_TOKEN: services.libsql.authToken }
                : {}),
              ...(mode === 'postgres'
                ? {
                    DATABASE_PROD: services.postgres.url,
                    // The Neon driver reaches the plain Postgres through the loopback ws proxy.
                    NEON_WS_PROXY: services.postgres.wsProxy,
                    NEON_WS_SECURE: 'false',
                  }
                : {}),
              AUTH0_DOMAIN: inject('auth0Issuer'),
              AUTH0_AUDIENCE: inject('auth0Audience'),
              AUTH0_MGMT_CLIENT_ID: services.mgmtClient.id,
              AUTH0_MGMT_CLIENT_SECRET: services.mgmtClient.secret,
              S3_BUCKET_NAME: services.s3.bucket,
              S3_ENDPOINT: services.s3.endpoint,
              AWS_REGION: services.s3.region,
              AWS_ACCESS_KEY_ID: services.s3.accessKeyId,
              AWS_SECRET_ACCESS_KEY: services.s3.secretAccessKey,
              CHROMA_URL: own.chromaUrl,
              SKILLS_ONTOLOGY_URL: services.ontologyUrl,
              DEEPSEEK_API_KEY: 'test-key',
              DEEPSEEK_BASE_URL: own.deepseekUrl,
              TEST_MIGRATIONS: await readD1Migrations(path.join(root, 'migrations/sqlite')),
            },
          },
        };
      }),
    ],
    test: {
      name,
      include: mode === 'libsql' ? libsqlFiles : ['test/workers/**/*.test.ts'],
      // The D1 migrations; the libSQL server was migrated from Node by global setup.
      setupFiles: mode === 'libsql' ? [] : ['test/workers/apply-migrations.ts'],
      isolate: false,
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}

export default defineConfig({
  // Applies to every project (a project-level alias did not reach the pool's module resolution).
  resolve: {
    alias: [
      // pg's CommonJS files `require('pg-protocol')`, which Vite resolves to pg-protocol's ESM build
      // under the pool's conditions: "Cannot use import statement outside a module" on import
      // (brianc/node-postgres#3700, cloudflare/workers-sdk#12984). Point it at the CommonJS build.
      {
        find: /^pg-protocol$/,
        replacement: path.join(root, 'node_modules/pg-protocol/dist/index.js'),
      },
    ],
  },
  test: {
    globalSetup: ['test/workers/global-setup.ts'],
    // The worker's request logs are shown for failing tests only.
    silent: 'passed-only',
    projects: [
      workersProject('workers-d1', 'sqlite'),
      workersProject('workers-neon', 'postgres'),
      workersProject('workers-libsql', 'libsql'),
    ],
  },
});
