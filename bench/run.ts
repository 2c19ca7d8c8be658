import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Instance, type Result } from 'autocannon';
import { systemClock } from '../src/clock';
import { configSchema } from '../src/config';
import { loadDevIssuer } from '../src/node/dev-issuer';
import { createTokenVerifier, localJwks } from '../src/services/auth/verifier';
import { readyPort, request, superviseChildren, waitForPing } from './child';
import { intEnv } from './env';

/**
 * `npm run bench`: the API (wired like src/node/main.ts, on a temporary libSQL file, with the
 * development issuer) and a bare node:http server, each in its own process, loaded by autocannon
 * from this process over loopback. See bench/README.md.
 *
 *   BENCH_DURATION     seconds measured per target (default 10)
 *   BENCH_CONNECTIONS  concurrent connections (default 64)
 *   BENCH_WARMUP       seconds of unmeasured load before each target (default 2)
 *   BENCH_LOG          silent (default) | json: the API's request log, to /dev/null
 *   BENCH_ONLY         comma list of targets to run: bare,ping,ping-protected,me (default all)
 *   BENCH_PROFILE      a directory: the servers run with --cpu-prof and write their profiles there
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serversScript = path.join(projectRoot, 'bench/servers.ts');

const duration = intEnv('BENCH_DURATION', 10, 1, 120);
const connections = intEnv('BENCH_CONNECTIONS', 64, 1, 1024);
const warmup = intEnv('BENCH_WARMUP', 2, 0, 30);
const only = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const key of only) {
  if (!['bare', 'ping', 'ping-protected', 'me'].includes(key)) {
    throw new Error(`BENCH_ONLY: unknown target "${key}" (bare, ping, ping-protected, me)`);
  }
}
const logMode = process.env.BENCH_LOG === 'json' ? 'json' : 'silent';
if (process.env.BENCH_LOG && !['json', 'silent'].includes(process.env.BENCH_LOG)) {
  throw new Error(`BENCH_LOG must be silent or json (got "${process.env.BENCH_LOG}")`);
}

// ---------------------------------------------------------------------------------------------
// Clean-up: children are killed and the temp dir removed on every way out.

let tempDir: string | undefined;
let current: Instance | undefined;

const { watch, exitWith } = superviseChildren({
  onCleanup: () => {
    current?.stop();
    current = undefined;
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  },
  onExitSync: () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  },
});

// ---------------------------------------------------------------------------------------------
// Server processes.

interface Server {
  child: ChildProcess;
  base: string;
}

async function startServer(mode: 'app' | 'bare', env: NodeJS.ProcessEnv): Promise<Server> {
  // node --import tsx (not the tsx CLI, which would add a wrapper process): the pid we measure
  // and kill is the server itself.
  const profileDir = process.env.BENCH_PROFILE;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [];
  const child = spawn(process.execPath, [...profile, '--expose-gc', '--import', 'tsx', serversScript, mode], {
    cwd: projectRoot,
    env,
    // stdout to /dev/null (BENCH_LOG=json writes the request log there); stderr shown.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  watch(child, `${mode} server`);

  const port = await readyPort(child, `the ${mode} server did not start in 30 s`, 30_000);
  const base = `http://127.0.0.1:${port}`;
  await waitForPing(`${base}/api/ping`);
  return { child, base };
}

async function getJson(url: string, token?: string) {
  const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

// ---------------------------------------------------------------------------------------------
// Load.

function load(url: string, seconds: number, headers: Record<string, string>): Promise<Result> {
  return new Promise((resolve, reject) => {
    current = autocannon({ url, connections, duration: seconds, headers }, (err, result) => {
      current = undefined;
      if (err) reject(err);
      else resolve(result);
    });
  });
}

interface Row {
  key: string;
  name: string;
  result: Result;
  /** CPU time the server process used during the measured run (all threads), µs. */
  serverCpu: number;
}

/**
 * In-process cost of the API's verifier (jose, RS256) on one token, 64 verifications in flight
 * for one second: throughput, and CPU time per verification (all threads: WebCrypto runs the
 * RSA operation on libuv's thread pool).
 */
async function verifyCost(
  token: string,
  jwks: Parameters<typeof localJwks>[0],
  issuer: string,
  audience: string,
) {
  const verify = createTokenVerifier({ issuer, audience, keys: localJwks(jwks), clock: systemClock });
  const batch = () => Promise.all(Array.from({ length: 64 }, () => verify(token)));
  for (let i = 0; i < 5; i++) await batch();
  let n = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < 1_000) {
    await batch();
    n += 64;
  }
  const seconds = (performance.now() - start) / 1_000;
  const used = process.cpuUsage(cpu);
  return { perSecond: n / seconds, cpuMicros: (used.user + used.system) / n };
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MiB`;

function table(rows: Row[], bare: Result | undefined) {
  const header = [
    'target',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    'vs bare',
    'server CPU/req',
    'server CPU',
  ];
  const lines = rows.map(({ name, result: r, serverCpu }) => [
    name,
    fmt(r.requests.average),
    fmt(r.latency.p50, 1),
    fmt(r.latency.p99, 1),
    fmt(r.errors + r.timeouts),
    fmt(r.non2xx),
    bare ? `${fmt((100 * r.requests.average) / bare.requests.average, 1)}%` : '-',
    `${fmt(serverCpu / Math.max(1, r.requests.total))} µs`,
    `${fmt((100 * serverCpu) / (duration * 1e6))}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    row(header),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...lines.map(row),
  ].join('\n');
}

async function main() {
  const targets = only.length || 4;
  const budgetMs = (targets * (warmup + duration) + 120) * 1_000;
  setTimeout(
    () => void exitWith(1, `the benchmark overran its ${budgetMs / 1000} s budget`),
    budgetMs,
  ).unref();

  const cpus = os.cpus();
  console.log(
    `Jobmate bench: Node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ` +
      `${os.platform()} ${os.release()}`,
  );
  console.log(
    `${duration} s per target after ${warmup} s warm-up, ${connections} connections, ` +
      `request log: ${logMode === 'json' ? 'JSON logger to /dev/null' : 'silent'}`,
  );

  tempDir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-bench-'));
  // Generated here, before the server starts, so both processes use one key.
  const dev = await loadDevIssuer(path.join(tempDir, 'dev-issuer-key.json'));
  const token = await dev.sign(
    { sub: 'bench|user-1', email: 'bench@example.com', name: 'Bench User' },
    duration * 10 + 3600,
  );

  const cost = await verifyCost(token, dev.jwks, dev.issuer, dev.audience);
  console.log(
    `RS256 verification in-process (jose, 2048-bit key, 64 in flight): ${fmt(cost.perSecond)}/s, ` +
      `${fmt(cost.cpuMicros)} µs CPU each`,
  );

  // Hermetic: every configuration variable at its default (none read from the shell or .env:
  // no AUTH0_DOMAIN, so the development issuer), except the database and its folder.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(configSchema.shape)) delete env[name];
  Object.assign(env, {
    NODE_ENV: 'development',
    DATABASE_MODE: 'sqlite',
    DATABASE_DEV: `file:${path.join(tempDir, 'bench.db')}`,
    MIGRATE_ON_START: 'true',
    DEMO_JOBS: '0',
    BENCH_DIR: tempDir,
    // No skills service (local Chroma, ontology, backfill): `npm run bench:skills` measures it.
    BENCH_SKILLS: 'off',
    BENCH_LOG: logMode,
  });

  const [app, bare] = await Promise.all([startServer('app', env), startServer('bare', process.env)]);

  // First /api/me creates the row from the token's claims; the measured calls find it.
  await getJson(`${app.base}/api/ping-protected`, token);
  const me = await getJson(`${app.base}/api/me`, token);
  if (me.email !== 'bench@example.com') throw new Error(`/api/me: unexpected body ${JSON.stringify(me)}`);
  const again = await getJson(`${app.base}/api/me`, token);
  if (again.id !== me.id) throw new Error('/api/me created a second row');

  const auth = { Authorization: `Bearer ${token}` };
  const plan = [
    { key: 'bare', name: 'bare node:http', server: bare, path: '/api/ping', headers: {} },
    { key: 'ping', name: 'GET /api/ping', server: app, path: '/api/ping', headers: {} },
    {
      key: 'ping-protected',
      name: 'GET /api/ping-protected',
      server: app,
      path: '/api/ping-protected',
      headers: auth,
    },
    { key: 'me', name: 'GET /api/me', server: app, path: '/api/me', headers: auth },
  ]
    .filter((t) => only.length === 0 || only.includes(t.key))
    .map((t) => ({ ...t, url: `${t.server.base}${t.path}` }));

  const rows: Row[] = [];
  for (const target of plan) {
    process.stdout.write(`  ${target.name} ...`);
    if (warmup > 0) await load(target.url, warmup, target.headers);
    const before = await request(target.server.child, { type: 'cpu' }, 'cpu');
    const result = await load(target.url, duration, target.headers);
    const after = await request(target.server.child, { type: 'cpu' }, 'cpu');
    rows.push({ key: target.key, name: target.name, result, serverCpu: after.micros - before.micros });
    process.stdout.write(` ${fmt(result.requests.average)} req/s\n`);
  }

  const [appMemory, bareMemory] = await Promise.all([
    request(app.child, { type: 'memory' }, 'memory'),
    request(bare.child, { type: 'memory' }, 'memory'),
  ]);

  console.log(`\n${table(rows, rows.find((r) => r.key === 'bare')?.result)}\n`);
  for (const [name, m] of [
    ['API server', appMemory],
    ['bare server', bareMemory],
  ] as const) {
    const live = m.heapAfterGc === undefined ? '' : `, ${mib(m.heapAfterGc)} live after a full GC`;
    console.log(
      `${name} after the run: RSS ${mib(m.rss)} (peak ${mib(m.maxRss)}), heap used ${mib(m.heapUsed)}${live}`,
    );
  }

  const protectedRow = rows.find((r) => r.key === 'ping-protected');
  const bareRow = rows.find((r) => r.key === 'bare');
  if (protectedRow && bareRow) {
    const ratio = protectedRow.result.requests.average / bareRow.result.requests.average;
    // Server CPU per request does not depend on how much CPU the load generator left over.
    const perRequest = (r: Row) => r.serverCpu / Math.max(1, r.result.requests.total);
    const cpuRatio = perRequest(bareRow) / perRequest(protectedRow);
    console.log(
      `\nTarget /api/ping-protected >= 50% of bare: ${fmt(ratio * 100, 1)}% by req/s ` +
        `(${fmt(cpuRatio * 100, 1)}% by server CPU per request) -> ${ratio >= 0.5 ? 'MET' : 'NOT MET'}`,
    );
  }

  const failed = rows.filter((r) => r.result.errors + r.result.timeouts + r.result.non2xx > 0);
  if (failed.length > 0) {
    await exitWith(1, `errors or non-2xx responses on: ${failed.map((r) => r.name).join(', ')}`);
  }
  await exitWith(0);
}

main().catch((err: unknown) => {
  void exitWith(1, `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
});
