import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { configSchema } from '../src/config';
import { createLibsqlDatabase } from '../src/db/drivers/libsql';
import { migrateDatabase } from '../src/node/database';
import { loadDevIssuer } from '../src/node/dev-issuer';
import { createPgDatabase } from '../src/node/pg-database';
import { fillPostgres, fillSqlite } from './applications-fill';
import { readyPort, superviseChildren, waitForPing } from './child';
import { intEnv } from './env';
import { waitForQuiet } from './quiet';

/**
 * `npm run bench:applications`: the application list of one user with 10,000 applications, in a
 * table of 1,000,000 (1,000 users), per dialect: a fresh database (a temporary libSQL file, or a
 * Postgres database `jobmate_bench_apps_<pid>` dropped at the end), migrated, filled by SQL
 * (INSERT ... SELECT over a generated series, not through the API), then the real server in a
 * child process (bench/servers.ts, no skills service) and requests one after another over ONE
 * keep-alive connection: p50 / p99 / max of each list query, and of the other reads for scale.
 * Postgres gets `VACUUM ANALYZE` after the fill, as autovacuum would after a bulk load; SQLite gets
 * nothing (a production file has no statistics unless someone runs ANALYZE).
 *
 *   BENCH_APPLICATIONS   rows in all (default 1000000)
 *   BENCH_PER_USER       rows of the measured user (default 10000)
 *   BENCH_REQUESTS       timed requests per case (default 1000; 100 warm-up requests before)
 *   BENCH_DIALECTS       sqlite,postgres (default both)
 *   BENCH_QUIET_WAIT     seconds to wait, before each case, for other processes to leave the CPU
 *                        (default 60; 0: do not wait): on a shared machine their work is in the p99
 *   BENCH_PG_URL         a Postgres database to connect to for CREATE/DROP DATABASE
 *                        (default postgresql://postgres@127.0.0.1:5432/postgres)
 */

const total = intEnv('BENCH_APPLICATIONS', 1_000_000, 10_000, 10_000_000);
const perUser = intEnv('BENCH_PER_USER', 10_000, 100, 1_000_000);
const requests = intEnv('BENCH_REQUESTS', 1_000, 10, 100_000);
const otherUsers = 999;
const dialects = (process.env.BENCH_DIALECTS ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is 'sqlite' | 'postgres' => s === 'sqlite' || s === 'postgres');
const pgAdminUrl = process.env.BENCH_PG_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const targetMs = 20;
const quietWait = intEnv('BENCH_QUIET_WAIT', 60, 0, 3600);

let tempDir: string | undefined;
let pgDatabase: string | undefined;

async function dropPgDatabase() {
  if (!pgDatabase) return;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${pgDatabase}" WITH (FORCE)`);
    pgDatabase = undefined;
  } finally {
    await admin.end();
  }
}

const { watch, stop, exitWith } = superviseChildren({
  onCleanup: async () => {
    await dropPgDatabase().catch((err: unknown) =>
      process.stderr.write(`could not drop ${pgDatabase}: ${err}\n`),
    );
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  },
  onExitSync: () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  },
});

// ---------------------------------------------------------------------------------------------
// Measuring: one keep-alive connection, one request at a time.

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface Figures {
  name: string;
  path: string;
  p50: number;
  p99: number;
  max: number;
  total?: number;
}

async function measure(base: string, token: string, name: string, urlPath: string, count: number) {
  const busy = await waitForQuiet(quietWait);
  const first = await get(`${base}${urlPath}`, token);
  if (first.status !== 200) throw new Error(`${urlPath}: HTTP ${first.status} ${first.body.slice(0, 300)}`);
  const listed = /"total":(\d+)/.exec(first.body);
  for (let i = 0; i < Math.min(100, count); i++) await get(`${base}${urlPath}`, token);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const { status } = await get(`${base}${urlPath}`, token);
    times.push(performance.now() - started);
    if (status !== 200) throw new Error(`${urlPath}: HTTP ${status}`);
  }
  times.sort((a, b) => a - b);
  const figures: Figures = {
    name,
    path: urlPath,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: times.at(-1) ?? Number.NaN,
    total: listed ? Number(listed[1]) : undefined,
  };
  console.log(
    `${name.padEnd(22)} p50 ${figures.p50.toFixed(2).padStart(7)} ms  p99 ${figures.p99.toFixed(2).padStart(7)} ms  max ${figures.max
      .toFixed(2)
      .padStart(7)} ms${figures.total === undefined ? '' : `  (total ${figures.total})`}  ${urlPath}${busy}`,
  );
  return figures;
}

const listCases: [string, string][] = [
  ['page 1 (updated)', '/api/applications'],
  ['page 1, limit 100', '/api/applications?limit=100'],
  ['page 500', '/api/applications?page=500'],
  ['status=applied', '/api/applications?status=applied'],
  ['sort=applied', '/api/applications?sort=applied'],
  ['sort=next_action', '/api/applications?sort=next_action'],
  [
    'due_before + next_action',
    `/api/applications?sort=next_action&due_before=${encodeURIComponent('2025-06-01T00:00:00Z')}`,
  ],
  ['q=engineer', '/api/applications?q=engineer'],
  ['q=company 123 (rare)', `/api/applications?q=${encodeURIComponent('company 123')}`],
  ['status + q + applied', '/api/applications?status=interviewing&q=nurse&sort=applied'],
];
const otherCases: [string, string][] = [
  ['stats', '/api/applications/stats'],
  ['one application', '/api/applications/00000001-0000-4000-8000-00009e3779b1'],
];

async function benchDialect(dialect: 'sqlite' | 'postgres', dir: string, token: string) {
  console.log(`\n## ${dialect}\n`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(configSchema.shape)) delete env[name];
  Object.assign(env, {
    NODE_ENV: 'development',
    MIGRATE_ON_START: 'true',
    DEMO_JOBS: '0',
    UPLOAD_DIR: path.join(dir, 'uploads'),
    BENCH_DIR: dir,
    BENCH_SKILLS: 'off',
    BENCH_LOG: 'silent',
  });
  let started = performance.now();
  if (dialect === 'postgres') {
    const name = `jobmate_bench_apps_${process.pid}`;
    const admin = new pg.Client({ connectionString: pgAdminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
      pgDatabase = name;
    } finally {
      await admin.end();
    }
    const url = new URL(pgAdminUrl);
    url.pathname = `/${name}`;
    const database = createPgDatabase(url.toString());
    await migrateDatabase(database);
    await database.close();
    process.stdout.write(`filling ${total} applications `);
    await fillPostgres(url.toString(), { total, perUser, otherUsers });
    Object.assign(env, { DATABASE_MODE: 'postgres', DATABASE_PROD: url.toString(), DATABASE_DRIVER: 'pg' });
  } else {
    const url = `file:${path.join(dir, 'applications.db')}`;
    const database = createLibsqlDatabase(url);
    await migrateDatabase(database);
    await database.close();
    process.stdout.write(`filling ${total} applications `);
    await fillSqlite(url, { total, perUser, otherUsers });
    Object.assign(env, { DATABASE_MODE: 'sqlite', DATABASE_DEV: url });
  }
  console.log(` ${((performance.now() - started) / 1000).toFixed(1)} s`);

  started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'bench/servers.ts'), 'app'],
    {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  watch(child, 'server');
  const port = await readyPort(child, 'the server did not start in 60 s', 60_000);
  const base = `http://127.0.0.1:${port}`;
  await waitForPing(`${base}/api/ping`);
  const results: Figures[] = [];
  try {
    console.log(`one connection, ${requests} requests per case after 100 unmeasured\n`);
    for (const [name, urlPath] of listCases)
      results.push(await measure(base, token, name, urlPath, requests));
    console.log('\nfor scale (not part of the target):');
    for (const [name, urlPath] of otherCases)
      await measure(base, token, name, urlPath, Math.max(10, Math.floor(requests / 10)));
    const exportStarted = performance.now();
    const exported = await get(`${base}/api/applications/export`, token);
    console.log(
      `${'export (CSV)'.padEnd(22)} ${(performance.now() - exportStarted).toFixed(0)} ms for ${exported.body.split('\r\n').length - 2} rows, ${(exported.body.length / 1024 / 1024).toFixed(1)} MiB`,
    );
  } finally {
    agent.destroy();
    await stop(child);
  }
  if (dialect === 'postgres') await dropPgDatabase();
  const worst = results.reduce((a, b) => (b.p99 > a.p99 ? b : a));
  console.log(
    `\nworst list p99: ${worst.p99.toFixed(2)} ms (${worst.name}); target < ${targetMs} ms: ${worst.p99 < targetMs ? 'met' : 'NOT met'}`,
  );
  return results;
}

async function main() {
  console.log(
    `# Applications: ${perUser} for one user, ${total} in all (${otherUsers + 1} users); ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''}, Node ${process.version}`,
  );
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-bench-apps-'));
  const dev = await loadDevIssuer(path.join(tempDir, 'dev-issuer-key.json'));
  const token = await dev.sign({ sub: 'bench|apps', email: 'u1@example.com', name: 'User 1' }, 3 * 3600);
  for (const dialect of dialects) await benchDialect(dialect, tempDir, token);
  await exitWith(0);
}

main().catch((err: unknown) => exitWith(1, err instanceof Error ? (err.stack ?? err.message) : String(err)));
