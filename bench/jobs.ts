import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Instance, type Result } from 'autocannon';
import pg from 'pg';
import { configSchema, parseConfig } from '../src/config';
import type { Database } from '../src/db/database';
import { createJobStore, type JobFilters } from '../src/db/jobs';
import { openNodeDatabase } from '../src/node/database';
import { loadDevIssuer } from '../src/node/dev-issuer';
import { loadOnetJobData } from '../src/node/onet-data';
import { readyPort, request, superviseChildren, waitForPing } from './child';
import { intEnv } from './env';
import { writeDemoCsv } from './jobs-csv';
import { machineBusy, waitForQuiet } from './quiet';
import { percentile } from './report';
import type { ChildMessage } from './servers';

/**
 * `npx tsx bench/jobs.ts`: the job board at 100,000 postings, per dialect. A fresh database (a
 * temporary libSQL file, or a Postgres database `jobmate_bench_<pid>` dropped at the end), the real
 * server in a child process (`node --import tsx bench/servers.ts app`), then:
 *
 *   1. import throughput: a generated 100,000-row CSV streamed to `POST /api/jobs/import`
 *      (rows/s, and the server's RSS while it imports);
 *   2. Postgres only: `VACUUM ANALYZE jobs`, as autovacuum would after a bulk load;
 *   3. autocannon on the hot-path routes beside a bare node:http server (ping-protected, /api/me,
 *      page 1, york + contract page 50, q=engineer, q=senior nurse by relevance), with the server's
 *      event-loop delay during each load and a one-connection run for the service time;
 *   4. the q cases again with `JOBS_COUNT_CACHE_TTL_MS=0` (a restarted server): what the cache buys;
 *   5. with the server stopped, the store's `list()` in this process, one call at a time, with and
 *      without the count: the database's share of a request; then the plan of each statement
 *      (EXPLAIN QUERY PLAN, or EXPLAIN (ANALYZE, BUFFERS) on Postgres).
 *
 *   BENCH_DURATION     seconds measured per target (default 10)
 *   BENCH_CONNECTIONS  concurrent connections (default 64)
 *   BENCH_WARMUP       seconds of unmeasured load before each target (default 2)
 *   BENCH_DIALECTS     sqlite,postgres (default both)
 *   BENCH_JOBS         rows in the generated CSV (default 100000)
 *   BENCH_ONLY         comma list of targets (default bare,auth,auth-gzip,me,page1,york-contract,q-engineer,
 *                      q-nurse-relevance; also page500,location-type,q,q-relevance; "all")
 *   BENCH_NO_CACHE     targets rerun with the count cache off (default q-engineer,q-nurse-relevance)
 *   BENCH_SERVICE_SECONDS  seconds of one-connection load per target (default 3; 0: none)
 *   BENCH_RATIO_PAIRS  bare and /api/ping-protected measured again in this many alternating pairs,
 *                      for the share of bare's req/s (default 3; 0: none)
 *   BENCH_QUIET_WAIT   seconds to wait, before each target, for other processes to leave the CPU
 *                      (default 120; 0: do not wait)
 *   BENCH_LOG          json (default: the request log, as `npm start` writes it, to /dev/null) |
 *                      silent (no request log: how figures before 2026-12-07 were taken)
 *   BENCH_PG_URL       a Postgres database to connect to for CREATE/DROP DATABASE
 *                      (default postgresql://postgres@127.0.0.1:5432/postgres)
 */

function listEnv<T extends string>(name: string, fallback: readonly T[], allowed: readonly T[]): T[] {
  const raw = process.env[name]?.trim();
  if (!raw) return [...fallback];
  if (raw === 'all') return [...allowed];
  if (raw === 'none') return [];
  const values = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const value of values) {
    if (!allowed.includes(value as T)) throw new Error(`${name}: unknown "${value}" (${allowed.join(', ')})`);
  }
  return values as T[];
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serversScript = path.join(projectRoot, 'bench/servers.ts');

const targetKeys = [
  'bare',
  'auth',
  'auth-gzip',
  'me',
  'page1',
  'page500',
  'location-type',
  'york-contract',
  'q',
  'q-engineer',
  'q-relevance',
  'q-nurse-relevance',
] as const;
/** The routes of the hot-path issue, in its order, beside a bare node:http server. */
const defaultTargets: TargetKey[] = [
  'bare',
  'auth',
  'auth-gzip',
  'me',
  'page1',
  'york-contract',
  'q-engineer',
  'q-nurse-relevance',
];
type TargetKey = (typeof targetKeys)[number];
type Dialect = 'sqlite' | 'postgres';

const duration = intEnv('BENCH_DURATION', 10, 1, 120);
const connections = intEnv('BENCH_CONNECTIONS', 64, 1, 1024);
const warmup = intEnv('BENCH_WARMUP', 2, 0, 30);
const jobCount = intEnv('BENCH_JOBS', 100_000, 5_000, 1_000_000);
const dialects = listEnv<Dialect>('BENCH_DIALECTS', ['sqlite', 'postgres'], ['sqlite', 'postgres']);
const only = listEnv<TargetKey>('BENCH_ONLY', defaultTargets, targetKeys);
const noCache = listEnv<TargetKey>('BENCH_NO_CACHE', ['q-engineer', 'q-nurse-relevance'], targetKeys).filter(
  (k) => !['bare', 'auth', 'auth-gzip', 'me'].includes(k) && only.includes(k),
);
/** Seconds of one-connection load per target after the main run: the service time (0: skip). */
const serviceSeconds = intEnv('BENCH_SERVICE_SECONDS', 3, 0, 60);
/** Alternating bare / ping-protected pairs after the main run, for the share of bare (0: skip). */
const ratioPairs = intEnv('BENCH_RATIO_PAIRS', 3, 0, 20);
const quietWait = intEnv('BENCH_QUIET_WAIT', 120, 0, 3600);
const pgAdminUrl = process.env.BENCH_PG_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * What the issue asks to measure; `filters` and `offset` are the same query for the in-process store.
 * `acceptEncoding`: sent as browsers and mobile HTTP stacks send it (autocannon, like wrk, sends none).
 */
const targets: {
  key: TargetKey;
  path: string;
  filters?: JobFilters;
  offset?: number;
  limit?: number;
  acceptEncoding?: string;
}[] = [
  { key: 'bare', path: '/api/ping' },
  { key: 'auth', path: '/api/ping-protected' },
  { key: 'auth-gzip', path: '/api/ping-protected', acceptEncoding: 'gzip, deflate, br' },
  { key: 'me', path: '/api/me' },
  { key: 'page1', path: '/api/jobs', filters: { sort: 'newest' }, offset: 0 },
  { key: 'page500', path: '/api/jobs?page=500', filters: { sort: 'newest' }, offset: 4990 },
  {
    key: 'location-type',
    path: '/api/jobs?location=london&job_type=full-time',
    filters: { sort: 'newest', location: 'london', jobType: 'full-time' },
    offset: 0,
  },
  {
    key: 'q',
    path: '/api/jobs?q=software%20developer',
    filters: { sort: 'newest', q: 'software developer' },
    offset: 0,
  },
  {
    key: 'q-relevance',
    path: '/api/jobs?q=software%20developer&sort=relevance',
    filters: { sort: 'relevance', q: 'software developer' },
    offset: 0,
  },
  {
    key: 'york-contract',
    path: '/api/jobs?page=50&limit=20&location=york&job_type=contract',
    filters: { sort: 'newest', location: 'york', jobType: 'contract' },
    offset: 980,
    limit: 20,
  },
  {
    key: 'q-engineer',
    path: '/api/jobs?q=engineer&limit=10',
    filters: { sort: 'newest', q: 'engineer' },
    offset: 0,
  },
  {
    key: 'q-nurse-relevance',
    path: '/api/jobs?q=senior%20nurse&sort=relevance&limit=10',
    filters: { sort: 'relevance', q: 'senior nurse' },
    offset: 0,
  },
];
const selected = targets.filter((t) => only.includes(t.key));

// ---------------------------------------------------------------------------------------------
// Clean-up: children are killed, the temp dir removed and the Postgres database dropped on every
// way out.

let tempDir: string | undefined;
let pgDatabase: string | undefined;
let current: Instance | undefined;

async function dropPgDatabase() {
  const name = pgDatabase;
  if (!name) return;
  const admin = new pg.Client({ connectionString: pgAdminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    pgDatabase = undefined;
  } finally {
    await admin.end();
  }
}

const {
  watch,
  stop: stopChild,
  exitWith,
} = superviseChildren({
  onCleanup: async () => {
    current?.stop();
    current = undefined;
    await dropPgDatabase().catch((err: unknown) => {
      process.stderr.write(`could not drop database ${pgDatabase}: ${err}\n`);
    });
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  },
  // Last resort (process.exit from anywhere): synchronous only, so the drop runs in a child.
  onExitSync: () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    if (pgDatabase) {
      const script =
        'const pg = require("pg"); const c = new pg.Client({ connectionString: process.argv[1] });' +
        "c.connect().then(() => c.query('DROP DATABASE IF EXISTS \"' + process.argv[2] + '\" WITH (FORCE)'))" +
        '.finally(() => c.end());';
      spawnSync(process.execPath, ['-e', script, pgAdminUrl, pgDatabase], {
        cwd: projectRoot,
        timeout: 10_000,
      });
    }
  },
});

// ---------------------------------------------------------------------------------------------
// The server process.

interface Server {
  child: ChildProcess;
  base: string;
}

async function startServer(env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', serversScript, 'app'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  watch(child, 'server');
  const port = await readyPort(child, 'the server did not start in 60 s', 60_000);
  const base = `http://127.0.0.1:${port}`;
  await waitForPing(`${base}/api/ping`);
  return { child, base };
}

/** The bare node:http server of `npm run bench` (`{"message":"pong"}` to everything). */
async function startBare(): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', serversScript, 'bare'], {
    cwd: projectRoot,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  watch(child, 'bare server');
  const port = await readyPort(child, 'the bare server did not start in 60 s', 60_000);
  return { child, base: `http://127.0.0.1:${port}` };
}

async function getJson(url: string, token: string) {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Resident set size of a process from /proc (Linux), without asking it (asking runs a GC). */
function rssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of each process from /proc/<pid>/stat, µs; gone ones are left out. */
function cpuOfPids(pids: number[]): Map<number, number> {
  const ticksPerSecond = 100; // USER_HZ: 100 on every Linux architecture Node runs on
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, fields 14 and 15
      cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond);
    } catch {
      // gone, or not Linux
    }
  }
  return cpu;
}

/** CPU used between two readings: backends that started meanwhile count whole, ended ones are lost. */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let micros = 0;
  for (const [pid, used] of after) micros += Math.max(0, used - (before.get(pid) ?? 0));
  return micros;
}

// ---------------------------------------------------------------------------------------------
// Import.

interface ImportResult {
  seconds: number;
  summary: { created: number; updated: number; failed_total: number; failed: unknown[] };
  rssBefore?: number;
  /** RSS sampled from /proc while the body was being sent, at 25/50/75/100 % of the bytes. */
  rssAtQuarters: (number | undefined)[];
  rssPeakSampled?: number;
  /** Seconds from the start until 25/50/75/100 % of the body had been sent (the server reads as it imports). */
  secondsAtQuarters: (number | undefined)[];
  after: Extract<ChildMessage, { type: 'memory' }>;
  /** CPU time of the server during the import, µs. */
  serverCpu?: number;
  /** CPU time of its Postgres backends during the import, µs. */
  dbCpu?: number;
}

/** Streams the CSV file to POST /api/jobs/import (Content-Length set, read as it is sent). */
async function importCsv(server: Server, file: string, token: string): Promise<ImportResult> {
  const size = statSync(file).size;
  const pid = server.child.pid;
  const rssBefore = rssOf(pid);
  let sent = 0;
  const samples: { sent: number; rss: number | undefined; at: number }[] = [];
  const started = performance.now();
  const sampler = setInterval(() => {
    samples.push({ sent, rss: rssOf(pid), at: (performance.now() - started) / 1_000 });
  }, 100);
  try {
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${server.base}/api/jobs/import`, {
        method: 'POST',
        agent: false,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'text/csv; charset=utf-8',
          'Content-Length': String(size),
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: body }));
        res.on('error', reject);
      });
      req.on('error', reject);
      const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
      stream.on('data', (chunk) => {
        sent += chunk.length;
      });
      stream.on('error', (err) => req.destroy(err));
      stream.pipe(req);
    });
    const seconds = (performance.now() - started) / 1_000;
    if (status !== 200) throw new Error(`import: HTTP ${status} ${text.slice(0, 500)}`);
    const summary = JSON.parse(text) as ImportResult['summary'];
    const quarters = [0.25, 0.5, 0.75, 1].map((q) => samples.find((s) => s.sent >= q * size));
    const rssAtQuarters = quarters.map((s) => s?.rss);
    // The last quarter ends with the response (the last batch lands after the last byte).
    const secondsAtQuarters = [...quarters.slice(0, 3).map((s) => s?.at), seconds];
    const rssValues = samples.flatMap((s) => (s.rss === undefined ? [] : [s.rss]));
    const rssPeakSampled = rssValues.length > 0 ? Math.max(...rssValues) : undefined;
    const after = await request(server.child, { type: 'memory' }, 'memory');
    return { seconds, summary, rssBefore, rssAtQuarters, rssPeakSampled, secondsAtQuarters, after };
  } finally {
    clearInterval(sampler);
  }
}

// ---------------------------------------------------------------------------------------------
// Load.

function load(
  url: string,
  seconds: number,
  headers: Record<string, string>,
  conns = connections,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    current = autocannon({ url, connections: conns, duration: seconds, headers }, (err, result) => {
      current = undefined;
      if (err) reject(err);
      else resolve(result);
    });
  });
}

interface Row {
  name: string;
  total: number | undefined;
  result: Result;
  /** CPU time of the server process during the measured run (all threads), µs. */
  serverCpu: number;
  /** CPU time of this process (autocannon) during the run, µs. */
  loadCpu: number;
  /** CPU time of everything else on the machine during the run, µs (other work makes a run noisy). */
  otherCpu: number | undefined;
  /** CPU time of the Postgres backends serving it, µs (undefined on SQLite: it runs in the server). */
  dbCpu: number | undefined;
  /**
   * The server's event-loop delay during the measured run (ms). The bare server's is the floor on
   * this machine: what a server that does nothing per request shows under the same load.
   */
  loop: { p99: number; max: number };
  /** One connection (BENCH_SERVICE_SECONDS): latency p50 / p99 ms, the service time. */
  single: Result | undefined;
  /** req/s of the bare node:http server in the same dialect's run, for the ratio. */
  bareRps?: number;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number | undefined) => (bytes === undefined ? '?' : `${fmt(bytes / 1024 / 1024, 0)} MiB`);

function markdownTable(header: string[], lines: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    row(header),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...lines.map(row),
  ].join('\n');
}

/** The non-2xx statuses of a run, e.g. "503". */
const statusesOf = (r: Result) =>
  Object.keys(r.statusCodeStats)
    .filter((code) => !code.startsWith('2'))
    .join(', ');

function loadTable(rows: Row[]) {
  const perRequest = (micros: number, r: Result) => `${fmt(micros / Math.max(1, r.requests.total))} µs`;
  return markdownTable(
    [
      'target',
      'total',
      'req/s',
      'p50 ms',
      'p99 ms',
      'errors (timeouts)',
      'non-2xx',
      'server CPU/req',
      'Postgres CPU/req',
      'CPU % server/PG/autocannon/other',
      'loop delay p99 / max ms',
      '1 conn p50 / p99 ms',
      'vs bare',
    ],
    rows.map(({ name, total, result: r, serverCpu, dbCpu, loadCpu, otherCpu, loop, single, bareRps }) => [
      name,
      total === undefined ? '-' : fmt(total),
      fmt(r.requests.average),
      fmt(r.latency.p50, 1),
      fmt(r.latency.p99, 1),
      // autocannon counts a timeout as an error too
      r.timeouts > 0 ? `${fmt(r.errors)} (${fmt(r.timeouts)} t/o)` : fmt(r.errors),
      r.non2xx > 0 ? `${fmt(r.non2xx)} (${statusesOf(r)})` : '0',
      perRequest(serverCpu, r),
      dbCpu === undefined ? '-' : perRequest(dbCpu, r),
      [serverCpu, dbCpu ?? 0, loadCpu, otherCpu]
        .map((micros) => (micros === undefined ? '?' : fmt((100 * micros) / (duration * 1e6))))
        .join(' / '),
      `${fmt(loop.p99, 1)} / ${fmt(loop.max)}`,
      single ? `${fmt(single.latency.p50, 1)} / ${fmt(single.latency.p99, 1)}` : '-',
      bareRps ? `${fmt((100 * r.requests.average) / bareRps, 1)}%` : '-',
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// One dialect.

interface DialectReport {
  dialect: Dialect;
  import: ImportResult;
  vacuumSeconds?: number;
  rows: Row[];
  store: string;
  pairs: Pair[];
}

const nameOf = (t: (typeof targets)[number], suffix = '') =>
  t.key === 'bare'
    ? 'bare node:http'
    : `GET ${t.path}${t.acceptEncoding ? ` (Accept-Encoding: ${t.acceptEncoding})` : ''}${suffix}`;

async function benchDialect(
  dialect: Dialect,
  dir: string,
  csvFile: string,
  csvBytes: number,
  tokens: { reader: string; writer: string },
): Promise<DialectReport> {
  console.log(`\n## ${dialect}\n`);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(configSchema.shape)) delete env[name];
  Object.assign(env, {
    NODE_ENV: 'development',
    MIGRATE_ON_START: 'true',
    DEMO_JOBS: '0',
    JOBS_IMPORT_MAX_BYTES: String(Math.max(csvBytes * 2, 100 * 1024 * 1024)),
    UPLOAD_DIR: path.join(dir, 'uploads'),
    BENCH_DIR: dir,
    // No skills service (local Chroma, ontology, backfill): `npm run bench:skills` measures it.
    BENCH_SKILLS: 'off',
    // The request log as `npm start` writes it (one JSON line per request), to /dev/null.
    BENCH_LOG: process.env.BENCH_LOG === 'silent' ? 'silent' : 'json',
  });

  let pgUrl: string | undefined;
  if (dialect === 'postgres') {
    const name = `jobmate_bench_${process.pid}`;
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
    pgUrl = url.toString();
    Object.assign(env, { DATABASE_MODE: 'postgres', DATABASE_PROD: pgUrl, DATABASE_DRIVER: 'pg' });
  } else {
    Object.assign(env, {
      DATABASE_MODE: 'sqlite',
      DATABASE_DEV: `file:${path.join(dir, `jobs-${dialect}.db`)}`,
    });
  }

  let server = await startServer(env);

  // The server's Postgres backends, for their CPU time.
  let backendPids = async (): Promise<number[]> => [];
  let adminDb: pg.Client | undefined;
  if (pgUrl) {
    adminDb = new pg.Client({ connectionString: pgUrl });
    await adminDb.connect();
    const client = adminDb;
    backendPids = async () => {
      const { rows } = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      return rows.map((r) => r.pid);
    };
  }

  // 1. Import.
  process.stdout.write(await waitForQuiet(quietWait));
  process.stdout.write(`importing ${fmt(jobCount)} rows (${mib(csvBytes)} of CSV) ...`);
  const cpuBefore = await request(server.child, { type: 'cpu' }, 'cpu');
  const dbCpuBefore = cpuOfPids(await backendPids());
  const imported = await importCsv(server, csvFile, tokens.writer);
  const dbCpuAfter = cpuOfPids(await backendPids());
  const cpuAfter = await request(server.child, { type: 'cpu' }, 'cpu');
  imported.serverCpu = cpuAfter.micros - cpuBefore.micros;
  if (pgUrl) imported.dbCpu = cpuBetween(dbCpuBefore, dbCpuAfter);
  const { summary } = imported;
  process.stdout.write(` ${fmt(jobCount / imported.seconds)} rows/s\n`);
  if (summary.created !== jobCount || summary.failed_total !== 0) {
    throw new Error(`import: expected ${jobCount} created, got ${JSON.stringify(summary).slice(0, 500)}`);
  }

  // 2. Statistics and the visibility map, as autovacuum would after a bulk load.
  let vacuumSeconds: number | undefined;
  if (adminDb) {
    const started = performance.now();
    await adminDb.query('VACUUM ANALYZE jobs');
    vacuumSeconds = (performance.now() - started) / 1_000;
    console.log(`VACUUM ANALYZE jobs: ${fmt(vacuumSeconds, 1)} s`);
  }

  // 3. Load.
  const bare = selected.some((t) => t.key === 'bare') ? await startBare() : undefined;
  const measure = async (target: (typeof targets)[number], name: string): Promise<Row> => {
    const measured = target.key === 'bare' && bare ? bare : server;
    const url = `${measured.base}${target.path}`;
    const body = await getJson(url, tokens.reader);
    const pagination = body.pagination as { total: number } | undefined;
    const jobs = body.jobs as unknown[] | undefined;
    if (pagination && pagination.total === 0) {
      throw new Error(`${name}: expected matches, got ${JSON.stringify(pagination)}`);
    }
    const shown = jobs?.length ?? 0;
    process.stdout.write(
      `  ${name}${pagination ? ` (total ${fmt(pagination.total)}, ${shown} on the page)` : ''} ...`,
    );
    const headers: Record<string, string> = {
      Authorization: `Bearer ${tokens.reader}`,
      ...(target.acceptEncoding ? { 'Accept-Encoding': target.acceptEncoding } : {}),
    };
    process.stdout.write(await waitForQuiet(quietWait));
    if (warmup > 0) await load(url, warmup, headers);
    const dbBefore = cpuOfPids(await backendPids());
    const before = await request(measured.child, { type: 'cpu' }, 'cpu');
    await request(measured.child, { type: 'eventloop' }, 'eventloop'); // starts the figures afresh
    const machineBefore = machineBusy();
    const selfBefore = process.cpuUsage();
    const result = await load(url, duration, headers);
    const self = process.cpuUsage(selfBefore);
    const machineAfter = machineBusy();
    const after = await request(measured.child, { type: 'cpu' }, 'cpu');
    const loopDelay = await request(measured.child, { type: 'eventloop' }, 'eventloop');
    // Backends that came and went during the run are missed; with a busy pool they stay.
    const dbCpu = pgUrl ? cpuBetween(dbBefore, cpuOfPids(await backendPids())) : undefined;
    process.stdout.write(` ${fmt(result.requests.average)} req/s, p99 ${fmt(result.latency.p99)} ms\n`);
    const serverCpu = after.micros - before.micros;
    const loadCpu = self.user + self.system;
    const otherCpu =
      machineBefore === undefined || machineAfter === undefined
        ? undefined
        : Math.max(0, machineAfter - machineBefore - serverCpu - loadCpu - (dbCpu ?? 0));
    const single = serviceSeconds > 0 ? await load(url, serviceSeconds, headers, 1) : undefined;
    return {
      name,
      total: pagination?.total,
      result,
      serverCpu,
      loadCpu,
      otherCpu,
      dbCpu,
      loop: { p99: loopDelay.p99, max: loopDelay.max },
      single,
    };
  };

  const rows: Row[] = [];
  for (const target of selected) rows.push(await measure(target, nameOf(target)));
  const pairs =
    bare && selected.some((t) => t.key === 'auth') ? await alternatingPairs(bare, server, tokens) : [];
  if (bare) await stopChild(bare.child);
  const bareRps = rows.find((r) => r.name === nameOf(targets[0]!))?.result.requests.average;
  for (const row of rows) row.bareRps = bareRps;

  // 4. The count cache off: every request counts its matches.
  if (noCache.length > 0) {
    await stopChild(server.child);
    server = await startServer({ ...env, JOBS_COUNT_CACHE_TTL_MS: '0' });
    for (const target of selected.filter((t) => noCache.includes(t.key))) {
      rows.push(await measure(target, nameOf(target, ' (count cache off)')));
    }
  }
  await stopChild(server.child);
  await adminDb?.end();

  // 5. The database's share: the store in this process, one call at a time.
  const store = await storeTimings(env);
  console.log(`\n${loadTable(rows)}\n`);
  console.log(store);
  if (pairs.length > 0) console.log(`${pairsSummary(pairs)}\n`);
  return { dialect, import: imported, vacuumSeconds, rows, store, pairs };
}

/** One pair: the bare server, then /api/ping-protected, each after its warm-up. */
interface Pair {
  bareRps: number;
  authRps: number;
  bareCpu: number;
  authCpu: number;
}

/**
 * The share of bare's req/s moves with the machine, more than either figure's own error: the bare
 * server is bound by the load generator's CPU as much as its own, and a shared machine's neighbours
 * come and go between two targets measured a minute apart. So the two are measured again in
 * alternating pairs (BENCH_RATIO_PAIRS), each pair within half a minute, and the median reported.
 */
async function alternatingPairs(bare: Server, app: Server, tokens: { reader: string }): Promise<Pair[]> {
  const headers = { Authorization: `Bearer ${tokens.reader}` };
  const once = async (measured: Server, path: string) => {
    const url = `${measured.base}${path}`;
    if (warmup > 0) await load(url, warmup, headers);
    const before = await request(measured.child, { type: 'cpu' }, 'cpu');
    const result = await load(url, duration, headers);
    const after = await request(measured.child, { type: 'cpu' }, 'cpu');
    if (result.errors > 0 || result.non2xx > 0) {
      throw new Error(`${path}: ${result.errors} errors, ${result.non2xx} non-2xx in an alternating pair`);
    }
    return {
      rps: result.requests.average,
      cpu: (after.micros - before.micros) / Math.max(1, result.requests.total),
    };
  };
  const pairs: Pair[] = [];
  process.stdout.write(`  bare and /api/ping-protected, ${ratioPairs} alternating pairs ...`);
  for (let i = 0; i < ratioPairs; i++) {
    const b = await once(bare, '/api/ping');
    const a = await once(app, '/api/ping-protected');
    pairs.push({ bareRps: b.rps, authRps: a.rps, bareCpu: b.cpu, authCpu: a.cpu });
    process.stdout.write(` ${fmt((100 * a.rps) / b.rps, 1)}%`);
  }
  process.stdout.write('\n');
  return pairs;
}

function pairsSummary(pairs: Pair[]) {
  const shares = pairs.map((p) => (100 * p.authRps) / p.bareRps);
  const table = markdownTable(
    [
      'pair',
      'bare req/s · CPU/req',
      '/api/ping-protected req/s · CPU/req',
      'share of bare req/s',
      'bare CPU / its CPU',
    ],
    pairs.map((p, i) => [
      String(i + 1),
      `${fmt(p.bareRps)} · ${fmt(p.bareCpu)} µs`,
      `${fmt(p.authRps)} · ${fmt(p.authCpu)} µs`,
      `${fmt((100 * p.authRps) / p.bareRps, 1)}%`,
      `${fmt((100 * p.bareCpu) / p.authCpu, 1)}%`,
    ]),
  );
  return `${table}\n\n/api/ping-protected, median share of bare's req/s over ${pairs.length} alternating pairs: ${fmt(
    percentile(
      shares.sort((a, b) => a - b),
      50,
    ),
    1,
  )}%`;
}

/** Median and p95 of `list()` per target, sequential, with the count each time and with it cached. */
async function storeTimings(env: NodeJS.ProcessEnv) {
  const database = openNodeDatabase(parseConfig(env));
  try {
    const counting = createJobStore(database, { countCacheTtlMs: 0 });
    const cached = createJobStore(database, { countCacheTtlMs: 3_600_000 });
    const time = async (store: typeof counting, filters: JobFilters, offset: number, limit: number) => {
      for (let i = 0; i < 3; i++) await store.list(filters, { offset, limit });
      const ms: number[] = [];
      for (let i = 0; i < 30; i++) {
        const started = performance.now();
        await store.list(filters, { offset, limit });
        ms.push(performance.now() - started);
      }
      ms.sort((a, b) => a - b);
      return `${fmt(ms[15] ?? 0, 2)} / ${fmt(ms[28] ?? 0, 2)}`;
    };
    const lines: string[][] = [];
    for (const target of selected) {
      if (!target.filters) continue;
      lines.push([
        nameOf(target),
        await time(counting, target.filters, target.offset ?? 0, target.limit ?? 10),
        await time(cached, target.filters, target.offset ?? 0, target.limit ?? 10),
      ]);
    }
    const table = markdownTable(
      ['store.list() in-process, one at a time', 'with count: p50 / p95 ms', 'total cached: p50 / p95 ms'],
      lines,
    );
    return `${table}\n\n${await explainPlans(database, counting)}`;
  } finally {
    await database.close();
  }
}

/**
 * The plan of every statement a list runs (the page and the count), as the database chose it on
 * this data: SQLite's EXPLAIN QUERY PLAN, Postgres' EXPLAIN (ANALYZE, BUFFERS) with its timings.
 * Statements are captured at the driver's client, with their parameters, and explained there.
 */
async function explainPlans(database: Database, store: ReturnType<typeof createJobStore>) {
  type Statement = { sql: string; args: unknown[] };
  const captured: Statement[] = [];
  const client = (
    database.db as unknown as { $client: Record<string, (...a: unknown[]) => Promise<unknown>> }
  ).$client;
  const method = database.dialect === 'postgres' ? 'query' : 'execute';
  const original = client[method]!.bind(client);
  const capturing = (...args: unknown[]) => {
    const [first, second] = args;
    if (typeof first === 'string') captured.push({ sql: first, args: Array.isArray(second) ? second : [] });
    else if (first && typeof first === 'object') {
      const statement = first as { sql?: string; text?: string; args?: unknown[]; values?: unknown[] };
      captured.push({
        sql: statement.sql ?? statement.text ?? '',
        // node-postgres takes the values in the config or as the second argument (Drizzle's way).
        args: statement.args ?? statement.values ?? (Array.isArray(second) ? second : []),
      });
    }
    return original(...args);
  };
  const blocks: string[] = [];
  try {
    for (const target of selected) {
      if (!target.filters) continue;
      captured.length = 0;
      client[method] = capturing;
      await store.list(target.filters, { offset: target.offset ?? 0, limit: target.limit ?? 10 });
      client[method] = original;
      for (const statement of [...captured]) {
        const plan =
          database.dialect === 'postgres'
            ? (
                (await original({
                  text: `explain (analyze, buffers) ${statement.sql}`,
                  values: statement.args,
                })) as {
                  rows: { 'QUERY PLAN': string }[];
                }
              ).rows.map((r) => r['QUERY PLAN'])
            : (
                (await original({ sql: `explain query plan ${statement.sql}`, args: statement.args })) as {
                  rows: { parent: number; detail: string }[];
                }
              ).rows.map((r) => `${r.parent === 0 ? '' : '  '}${r.detail}`);
        blocks.push(`${nameOf(target)}\n${statement.sql}\n${plan.map((line) => `  ${line}`).join('\n')}`);
      }
    }
  } finally {
    client[method] = original;
  }
  return `Plans (${database.dialect}):\n\n\`\`\`\n${blocks.join('\n\n')}\n\`\`\``;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const perDialect =
    900 +
    (selected.length + noCache.length) * (quietWait + warmup + duration + 5) +
    ratioPairs * 2 * (warmup + duration + 2);
  const budgetMs = (dialects.length * perDialect + 120) * 1_000;
  setTimeout(
    () => void exitWith(1, `the benchmark overran its ${budgetMs / 1000} s budget`),
    budgetMs,
  ).unref();

  const cpus = os.cpus();
  console.log(
    `Jobmate jobs bench: Node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ` +
      `${os.platform()} ${os.release()}`,
  );
  console.log(
    `${fmt(jobCount)} jobs; ${duration} s per target after ${warmup} s warm-up, ${connections} connections; ` +
      `dialects: ${dialects.join(', ')}`,
  );

  tempDir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-bench-jobs-'));
  const dir = tempDir;
  const dev = await loadDevIssuer(path.join(dir, 'dev-issuer-key.json'));
  const lifetime = dialects.length * (perDialect + 600);
  const tokens = {
    reader: await dev.sign(
      { sub: 'bench|reader', email: 'reader@example.com', name: 'Bench Reader' },
      lifetime,
    ),
    writer: await dev.sign({ sub: 'bench|importer', scope: 'write:jobs' }, lifetime),
  };

  const csvFile = path.join(dir, 'jobs.csv');
  let started = performance.now();
  const csvBytes = await writeDemoCsv(csvFile, loadOnetJobData(), jobCount, {
    seed: 1,
    now: new Date('2026-01-15T12:00:00Z'),
  });
  console.log(
    `generated ${csvFile}: ${fmt(jobCount)} rows, ${mib(csvBytes)} in ${fmt((performance.now() - started) / 1000, 1)} s`,
  );

  const reports: DialectReport[] = [];
  for (const dialect of dialects) {
    started = performance.now();
    reports.push(await benchDialect(dialect, dir, csvFile, csvBytes, tokens));
    console.log(`(${dialect}: ${fmt((performance.now() - started) / 1000)} s)`);
  }

  console.log('\n## Import\n');
  console.log(
    markdownTable(
      [
        'dialect',
        'rows',
        'seconds',
        'rows/s',
        'MiB/s',
        'rows/s by quarter of the body',
        'CPU s: server / Postgres',
        'RSS before',
        'RSS at 25/50/75/100 % sent',
        'peak RSS',
        'live heap after',
      ],
      reports.map(({ dialect, import: r }) => [
        dialect,
        fmt(r.summary.created),
        fmt(r.seconds, 1),
        fmt(r.summary.created / r.seconds),
        fmt(csvBytes / 1024 / 1024 / r.seconds, 1),
        r.secondsAtQuarters
          .map((at, i, all) => {
            const from = i === 0 ? 0 : all[i - 1];
            return at === undefined || from === undefined ? '?' : fmt(jobCount / 4 / (at - from));
          })
          .join(' / '),
        `${fmt((r.serverCpu ?? 0) / 1e6, 1)} / ${r.dbCpu === undefined ? '-' : fmt(r.dbCpu / 1e6, 1)}`,
        mib(r.rssBefore),
        r.rssAtQuarters.map((b) => (b === undefined ? '?' : fmt(b / 1024 / 1024))).join(' / '),
        mib(Math.max(r.rssPeakSampled ?? 0, r.after.maxRss)),
        mib(r.after.heapAfterGc),
      ]),
    ),
  );
  for (const report of reports) {
    if (report.vacuumSeconds !== undefined) {
      console.log(
        `${report.dialect}: VACUUM ANALYZE jobs after the import took ${fmt(report.vacuumSeconds, 1)} s`,
      );
    }
  }
  for (const report of reports) {
    console.log(
      `\n## ${report.dialect} (${fmt(jobCount)} jobs)\n\n${loadTable(report.rows)}\n\n${report.store}`,
    );
  }

  const failed = reports.flatMap((r) =>
    r.rows
      .filter((row) => row.result.errors + row.result.non2xx > 0)
      .map((row) => `${r.dialect}: ${row.name}`),
  );
  if (failed.length > 0) await exitWith(1, `errors or non-2xx responses on: ${failed.join(', ')}`);
  await exitWith(0);
}

main().catch((err: unknown) => {
  void exitWith(1, `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
});
