import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { configSchema } from '../src/config';
import { generateDemoJobs } from '../src/node/demo-jobs';
import { loadOnetJobData } from '../src/node/onet-data';
import { startAuth0StandIn } from '../test/support/auth0-standin';
import { readyPort } from './child';
import { intEnv } from './env';
import { csvFields } from './jobs-csv';

/**
 * `npx tsx bench/workers.ts` (npm run bench:workers): the same requests against the Worker under
 * `wrangler dev` (workerd, local D1) and against the Node server (libSQL file), with the same
 * Auth0 stand-in issuing the tokens both verify, and the same BENCH_JOBS demo jobs imported into
 * each. Reports req/s and latency per target and the Worker/Node ratio. Also the bundle size
 * (`npm run build:worker`).
 *
 *   BENCH_JOBS         jobs imported into each (default 2000)
 *   BENCH_DURATION     seconds per target (default 10), after BENCH_WARMUP (default 2)
 *   BENCH_CONNECTIONS  concurrent connections (default 16)
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const jobCount = intEnv('BENCH_JOBS', 2000, 10, 100_000);
const duration = intEnv('BENCH_DURATION', 10, 1, 120);
const warmup = intEnv('BENCH_WARMUP', 2, 0, 60);
const connections = intEnv('BENCH_CONNECTIONS', 16, 1, 256);

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const children: ChildProcess[] = [];
let tempDir: string | undefined;
function cleanup() {
  for (const child of children) {
    if (child.exitCode !== null || child.pid === undefined) continue;
    // wrangler runs workerd as its own children: end the whole process group.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGTERM');
    }
  }
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

async function waitFor(url: string, seconds: number) {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer in ${seconds} s (${last})`);
}

function load(url: string, token: string, seconds: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections, duration: seconds, headers: { Authorization: `Bearer ${token}` } },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function importJobs(base: string, token: string, ndjson: string) {
  const res = await fetch(`${base}/api/jobs/import`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-ndjson' },
    body: ndjson,
  });
  const body = (await res.json()) as { created?: number };
  if (res.status !== 200) throw new Error(`import into ${base}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.created ?? 0;
}

async function main() {
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-bench-workers-'));
  const auth0 = await startAuth0StandIn();
  const reader = await auth0.sign({ sub: 'bench|reader', email: 'reader@example.com', name: 'Reader' });
  const writer = await auth0.sign({ sub: 'bench|writer', scope: 'write:jobs' });
  const common = {
    AUTH0_DOMAIN: auth0.issuer,
    AUTH0_AUDIENCE: auth0.audience,
    NODE_ENV: 'development',
    DEMO_JOBS: '0',
    // Storage is required on Workers; these targets never reach it.
    S3_BUCKET_NAME: 'bench',
    S3_ENDPOINT: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
  };

  // The bundle, as `wrangler deploy` would upload it.
  const build = spawnSync('bash', ['scripts/build-worker.sh'], { cwd: projectRoot, encoding: 'utf8' });
  const bundleLine = build.stdout.split('\n').find((l) => l.startsWith('== bundle')) ?? build.stderr;

  // The Worker under wrangler dev, on a local D1 with the migrations applied.
  const persist = path.join(tempDir, 'wrangler');
  const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false' };
  const migrate = spawnSync(
    'npx',
    ['wrangler', 'd1', 'migrations', 'apply', 'jobmate', '--local', '--persist-to', persist],
    { cwd: projectRoot, encoding: 'utf8', env: { ...wranglerEnv, CI: 'true' } },
  );
  if (migrate.status !== 0) throw new Error(`d1 migrations apply failed:\n${migrate.stderr}`);
  const workerPort = 8800 + Math.floor(Math.random() * 100);
  const vars = Object.entries(common).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const wrangler = spawn(
    'npx',
    ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(workerPort), '--persist-to', persist, ...vars],
    { cwd: projectRoot, env: wranglerEnv, stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  children.push(wrangler);
  const workerBase = `http://127.0.0.1:${workerPort}`;
  await waitFor(`${workerBase}/api/ping`, 90);

  // The Node server, as bench/run.ts starts it, with the same token issuer.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(configSchema.shape)) delete env[name];
  Object.assign(env, common, {
    DATABASE_DEV: `file:${path.join(tempDir, 'node.db')}`,
    BENCH_DIR: tempDir,
    BENCH_SKILLS: 'off',
    BENCH_AUTH0: 'stand-in',
  });
  const node = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(projectRoot, 'bench/servers.ts'), 'app'],
    {
      cwd: projectRoot,
      env,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  children.push(node);
  const nodePort = await readyPort(node, 'the Node server did not start in 60 s', 60_000);
  const nodeBase = `http://127.0.0.1:${nodePort}`;

  const ndjson = generateDemoJobs(loadOnetJobData(), jobCount, { seed: 3 })
    .map((job) => JSON.stringify(Object.fromEntries(csvFields.map((field) => [field, job[field]]))))
    .join('\n');
  const created = [await importJobs(workerBase, writer, ndjson), await importJobs(nodeBase, writer, ndjson)];

  const targets = [
    ['GET /api/ping-protected', '/api/ping-protected'],
    ['GET /api/jobs (page 1)', '/api/jobs'],
    ['GET /api/jobs?q=engineer', '/api/jobs?q=engineer'],
  ] as const;
  const rows: string[][] = [];
  for (const [name, target] of targets) {
    const results: Result[] = [];
    for (const base of [workerBase, nodeBase]) {
      if (warmup > 0) await load(`${base}${target}`, reader, warmup);
      results.push(await load(`${base}${target}`, reader, duration));
    }
    const [w, n] = results as [Result, Result];
    rows.push([
      name,
      `${fmt(w.requests.average)} · ${fmt(w.latency.p50, 1)}/${fmt(w.latency.p99, 1)}`,
      `${fmt(n.requests.average)} · ${fmt(n.latency.p50, 1)}/${fmt(n.latency.p99, 1)}`,
      `${fmt(w.requests.average / n.requests.average, 2)}`,
      `${fmt(w.latency.p50 / Math.max(n.latency.p50, 0.001), 2)}`,
      String(w.non2xx + w.errors + n.non2xx + n.errors),
    ]);
  }
  console.log(`\n${bundleLine}`);
  console.log(
    `jobs imported: ${fmt(created[0] ?? 0)} (Worker, D1) and ${fmt(created[1] ?? 0)} (Node, libSQL); ` +
      `${connections} connections, ${duration} s per target after ${warmup} s\n`,
  );
  console.log(
    '| target | wrangler dev: req/s · p50/p99 ms | Node: req/s · p50/p99 ms | req/s Worker/Node | p50 Worker/Node | errors |',
  );
  console.log('|---|--:|--:|--:|--:|--:|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
  await auth0.close();
}

main()
  .then(() => process.exit(0))
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
