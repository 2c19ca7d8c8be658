import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { silentLogger } from '../src/logger';
import { loadDevIssuer } from '../src/node/dev-issuer';
import { loadOnetJobData } from '../src/node/onet-data';
import { intEnv } from './env';
import { writeDemoCsv } from './jobs-csv';

/**
 * `npx tsx bench/reads-cpu.ts`: the CPU time of one hot read, in this process, with no socket and
 * no client: each request goes through @hono/node-server's own listener (lightweight Request and
 * Response, the response written as the server writes it) into a ServerResponse with no
 * connection, one at a time. What a load test measures less the HTTP parsing and socket writes,
 * and steady enough on a shared machine to compare two commits (process CPU time, not wall time).
 *
 *   READS_JOBS        generated postings in a SQLite file (default 5000)
 *   READS_ITERATIONS  requests measured per target and round (default 20000)
 *   READS_ROUNDS      rounds; the median is reported (default 5)
 *   READS_ONLY        the targets to measure, comma-separated (default: all those below)
 *   READS_AGAINST     another checkout of the project, with a node_modules (e.g. `git archive
 *                     <commit> | tar -x -C /tmp/before` and a link): its app runs in this process
 *                     too, and the two are measured alternately, round by round, so that a
 *                     neighbour's load on a shared machine falls on both alike
 */

const jobCount = intEnv('READS_JOBS', 5_000, 100, 200_000);
const iterations = intEnv('READS_ITERATIONS', 20_000, 100, 1_000_000);
const rounds = intEnv('READS_ROUNDS', 5, 1, 50);
const against = process.env.READS_AGAINST;

const allTargets = [
  '/api/ping-protected',
  '/api/me',
  '/api/jobs',
  '/api/jobs?page=50&limit=20&location=york&job_type=contract',
  '/api/jobs?q=engineer&limit=10',
  '/api/jobs?q=senior%20nurse&sort=relevance&limit=10',
];

const only = process.env.READS_ONLY?.split(',').map((t) => t.trim());
const targets = only ? allTargets.filter((t) => only.includes(t)) : allTargets;

type Listener = ReturnType<typeof getRequestListener>;

/** One request through the listener; resolves with the status once the response has ended. */
function call(listener: Listener, url: string, headers: Record<string, string>): Promise<number> {
  const incoming = new IncomingMessage(new Socket());
  incoming.method = 'GET';
  incoming.url = url;
  incoming.headers = headers;
  incoming.rawHeaders = Object.entries(headers).flat();
  incoming.push(null);
  const outgoing = new ServerResponse(incoming);
  return new Promise((resolve) => {
    const end = outgoing.end.bind(outgoing);
    outgoing.end = ((...args: Parameters<typeof end>) => {
      const result = end(...args);
      resolve(outgoing.statusCode);
      return result;
    }) as typeof outgoing.end;
    void listener(incoming, outgoing);
  });
}

interface Checkout {
  name: string;
  listener: Listener;
  close: () => Promise<void>;
}

/** The app of the checkout at `root` (this one, or READS_AGAINST), on its own SQLite file of `csv`. */
async function startCheckout(name: string, root: string, dir: string, csv: string): Promise<Checkout> {
  // Each checkout's own modules, so that two commits run side by side in this process.
  const { configSchema, parseConfig } = (await import(
    pathToFileURL(path.join(root, 'src/config.ts')).href
  )) as typeof import('../src/config');
  const { prepareNodeApp } = (await import(
    pathToFileURL(path.join(root, 'src/node/server.ts')).href
  )) as typeof import('../src/node/server');
  const { withCompression } = (await import(
    pathToFileURL(path.join(root, 'src/node/compression.ts')).href
  )) as typeof import('../src/node/compression');
  const env: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(configSchema.shape)) delete env[key];
  Object.assign(env, {
    NODE_ENV: 'development',
    MIGRATE_ON_START: 'true',
    DEMO_JOBS: '0',
    JOBS_IMPORT_MAX_BYTES: String(200 * 1024 * 1024),
    UPLOAD_DIR: path.join(dir, `uploads-${name}`),
    DATABASE_MODE: 'sqlite',
    DATABASE_DEV: `file:${path.join(dir, `jobs-${name}.db`)}`,
  });
  const devKeyFile = path.join(dir, 'dev-issuer-key.json');
  const { app, close } = await prepareNodeApp(parseConfig(env), {
    logger: silentLogger,
    devKeyFile,
    skills: false,
  });
  const writer = await (await loadDevIssuer(devKeyFile)).sign(
    { sub: 'bench|importer', scope: 'write:jobs' },
    3600,
  );
  const imported = await app.request('/api/jobs/import', {
    method: 'POST',
    headers: { Authorization: `Bearer ${writer}`, 'Content-Type': 'text/csv' },
    body: readFileSync(csv, 'utf8'),
  });
  if (imported.status !== 200) throw new Error(`import: ${imported.status} ${await imported.text()}`);
  return { name, listener: getRequestListener(withCompression(app.fetch)), close };
}

/** CPU time of `iterations` requests, µs per request. */
async function measure(listener: Listener, url: string, headers: Record<string, string>) {
  const before = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await call(listener, url, headers);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / iterations;
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-reads-cpu-'));
  const checkouts: Checkout[] = [];
  try {
    const csv = path.join(dir, 'jobs.csv');
    await writeDemoCsv(csv, loadOnetJobData(), jobCount, { seed: 1, now: new Date('2026-01-15T12:00:00Z') });
    checkouts.push(await startCheckout('this', path.resolve(import.meta.dirname, '..'), dir, csv));
    if (against) checkouts.push(await startCheckout('against', path.resolve(against), dir, csv));
    const dev = await loadDevIssuer(path.join(dir, 'dev-issuer-key.json'));
    const reader = await dev.sign({ sub: 'bench|reader', email: 'reader@example.com', name: 'Reader' }, 3600);
    const headers = { host: 'localhost', authorization: `Bearer ${reader}` };

    console.log(
      `${jobCount} jobs, ${iterations} requests per target and round, ${rounds} rounds` +
        (against ? `, alternating with ${against}` : ''),
    );
    console.log(
      `| target | ${checkouts.map((c) => `${c.name}: µs of CPU per request, median (min-max)`).join(' | ')} |`,
    );
    console.log(`| --- | ${checkouts.map(() => '---').join(' | ')} |`);
    for (const url of targets) {
      for (const { listener } of checkouts) {
        for (let i = 0; i < 2_000; i++) {
          const status = await call(listener, url, headers);
          if (status !== 200) throw new Error(`${url}: ${status}`);
        }
      }
      // Alternately, round by round: a neighbour's load on a shared machine falls on both alike.
      const samples = checkouts.map(() => [] as number[]);
      for (let r = 0; r < rounds; r++) {
        for (const [i, { listener }] of checkouts.entries())
          samples[i]?.push(await measure(listener, url, headers));
      }
      const cells = samples.map((perRequest) => {
        perRequest.sort((a, b) => a - b);
        const median = perRequest[Math.floor(perRequest.length / 2)] ?? 0;
        return `${median.toFixed(1)} (${perRequest[0]?.toFixed(1)}-${perRequest.at(-1)?.toFixed(1)})`;
      });
      console.log(`| \`${url}\` | ${cells.join(' | ')} |`);
    }
  } finally {
    for (const checkout of checkouts) await checkout.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
