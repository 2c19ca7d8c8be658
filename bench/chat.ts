import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config';
import { loadDevIssuer } from '../src/node/dev-issuer';
import { type ChatStandIn, startChatStandIn } from './chat-standin';
import { readyPort, request, superviseChildren } from './child';
import { intEnv } from './env';

/**
 * `npm run bench:chat`: `POST /api/chat` relaying a DeepSeek stand-in (bench/chat-standin.ts, in
 * this process) through the API (bench/servers.ts app, wired like src/node/main.ts, temporary
 * libSQL file, development issuer), all on loopback.
 *
 *   1. Relay delay: the stand-in stamps each delta with performance.now() as it writes it; the
 *      client, on the same clock, takes the time until it reads the relayed `event: delta`. Same
 *      measure straight from the stand-in (no relay) as the loopback floor; added = relay - floor.
 *   2. Memory: CHAT_STREAMS concurrent streams of slow answers (20 deltas, 200 ms apart), all read
 *      to the end, with the server's RSS sampled from /proc (peak: VmHWM, reset before the load).
 *
 *   CHAT_REQUESTS   sequential requests for the delay (default 200)
 *   CHAT_STREAMS    concurrent streams for the memory (default 1000)
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serversScript = path.join(projectRoot, 'bench/servers.ts');

const sequential = intEnv('CHAT_REQUESTS', 200, 10, 10_000);
const concurrent = intEnv('CHAT_STREAMS', 1000, 1, 5_000);
const slowDeltas = 20;
const slowDelayMs = 200;
const budgetMs = 170_000;
const targetAddedP50Ms = 2;
const targetRssBytes = 200 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// Clean-up: the child killed and the temp dir removed on every way out.

let tempDir: string | undefined;
let standIn: ChatStandIn | undefined;

const { watch, exitWith } = superviseChildren({
  onCleanup: async () => {
    await standIn?.close().catch(() => undefined);
    standIn = undefined;
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  },
  onExitSync: () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  },
});

// ---------------------------------------------------------------------------------------------
// The API server process.

async function startApp(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', serversScript, 'app'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  watch(child, 'app server');
  const port = await readyPort(child, 'the app server did not start in 30 s', 30_000);
  return { child, base: `http://127.0.0.1:${port}` };
}

/** VmRSS and VmHWM (peak) of a process, bytes; undefined off Linux. */
function procMemory(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux: `5` to clear_refs); false when not allowed. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// A streaming client on node:http: reads Server-Sent Events, and for each stamped delta
// (`t=<performance.now()>;`) how long ago the stand-in wrote it.

interface StreamResult {
  status: number;
  /** Delay of the first stamped delta, ms. */
  firstLag: number | undefined;
  stamped: number;
  done: boolean;
  error: string | undefined;
}

function stampOf(content: unknown): number | undefined {
  if (typeof content !== 'string' || !content.startsWith('t=')) return undefined;
  return Number.parseFloat(content.slice(2));
}

function streamRequest(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
  body: string,
  /** The delta's content from one event, or undefined for events that carry none. */
  contentOf: (event: string, data: string) => unknown,
  isDone: (event: string, data: string) => boolean,
  timeoutMs: number,
): Promise<StreamResult> {
  return new Promise((resolve) => {
    const result: StreamResult = {
      status: 0,
      firstLag: undefined,
      stamped: 0,
      done: false,
      error: undefined,
    };
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error && !result.error) result.error = error;
      resolve(result);
    };
    const timer = setTimeout(() => {
      req.destroy(new Error('timeout'));
    }, timeoutMs);
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        result.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (text: string) => {
          const now = performance.now();
          buffer += text.replaceAll('\r\n', '\n');
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            const joined = data.join('\n');
            if (event === 'error') result.error = joined;
            if (isDone(event, joined)) result.done = true;
            const stamp = stampOf(contentOf(event, joined));
            if (stamp !== undefined) {
              result.stamped++;
              if (result.firstLag === undefined) result.firstLag = now - stamp;
            }
          }
        });
        res.on('end', () => finish(result.status === 200 ? undefined : `HTTP ${result.status}`));
        res.on('error', (err) => finish(err.message));
      },
    );
    req.on('error', (err) => finish(err.message));
    req.end(body);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Our API's events: `event: delta` {content}, `event: done`. */
const apiContent = (event: string, data: string) =>
  event === 'delta' ? (parseJson(data) as { content?: unknown } | undefined)?.content : undefined;
const apiDone = (event: string) => event === 'done';
/** The provider's: `data: {choices:[{delta:{content}}]}`, `data: [DONE]`. */
const upstreamContent = (_event: string, data: string) =>
  (parseJson(data) as { choices?: { delta?: { content?: unknown } }[] } | undefined)?.choices?.[0]?.delta
    ?.content;
const upstreamDone = (_event: string, data: string) => data === '[DONE]';

// ---------------------------------------------------------------------------------------------
// Figures.

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MiB`;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function table(header: string[], lines: string[][]) {
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
  setTimeout(
    () => void exitWith(1, `the benchmark overran its ${budgetMs / 1000} s budget`),
    budgetMs,
  ).unref();

  const cpus = os.cpus();
  console.log(
    `Jobmate chat bench: Node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ` +
      `${os.platform()} ${os.release()}`,
  );

  tempDir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-bench-chat-'));
  const dev = await loadDevIssuer(path.join(tempDir, 'dev-issuer-key.json'));
  const token = await dev.sign({ sub: 'bench|chat-1', email: 'chat@example.com', name: 'Chat Bench' }, 3600);

  standIn = await startChatStandIn({ deltas: 3, delayMs: 5 });

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
    BENCH_LOG: 'silent',
    DEEPSEEK_API_KEY: 'test-key',
    DEEPSEEK_BASE_URL: standIn.baseUrl,
    // One simulated user, so the per-user limits are lifted; they are not what is measured.
    CHAT_MAX_CONCURRENT: '100000',
    CHAT_MESSAGES_PER_MINUTE: '100000',
  });
  const app = await startApp(env);
  const pid = app.child.pid;
  if (pid === undefined) throw new Error('the app server has no pid');

  const agent = new Agent({ keepAlive: true, maxSockets: concurrent + 16, maxFreeSockets: concurrent + 16 });
  const auth = { Authorization: `Bearer ${token}` };
  const chatUrl = `${app.base}/api/chat`;
  const upstreamUrl = `${standIn.baseUrl}/chat/completions`;
  const chatBody = JSON.stringify({ message: 'How do I write a good resume summary?' });
  const upstreamBody = JSON.stringify({ model: 'deepseek-chat', messages: [], stream: true });
  const viaApi = () => streamRequest(agent, chatUrl, auth, chatBody, apiContent, apiDone, 30_000);
  const direct = () =>
    streamRequest(
      agent,
      upstreamUrl,
      { Authorization: 'Bearer test-key' },
      upstreamBody,
      upstreamContent,
      upstreamDone,
      30_000,
    );

  // Creates the user row; checks the whole path once.
  const first = await viaApi();
  if (!first.done || first.stamped !== 3) {
    throw new Error(`POST /api/chat did not stream the answer: ${JSON.stringify(first)}`);
  }

  // 1. Relay delay, sequential, after a warm-up.
  const lags = async (run: () => Promise<StreamResult>, label: string) => {
    for (let i = 0; i < 20; i++) await run();
    const values: number[] = [];
    let failures = 0;
    for (let i = 0; i < sequential; i++) {
      const r = await run();
      if (r.firstLag === undefined || !r.done || r.error) failures++;
      else values.push(r.firstLag);
    }
    process.stdout.write(`  ${label}: ${values.length}/${sequential} measured\n`);
    return { sorted: values.sort((a, b) => a - b), failures };
  };
  console.log(`\n1. Time to first delta, ${sequential} sequential requests (first delta 5 ms after headers)`);
  const floor = await lags(direct, 'stand-in direct');
  const relay = await lags(viaApi, 'via POST /api/chat');
  const f50 = percentile(floor.sorted, 50);
  const f99 = percentile(floor.sorted, 99);
  const r50 = percentile(relay.sorted, 50);
  const r99 = percentile(relay.sorted, 99);
  console.log(
    `\n${table(
      ['path', 'p50 ms', 'p99 ms', 'max ms', 'failed'],
      [
        [
          'stand-in -> client (floor)',
          fmt(f50, 3),
          fmt(f99, 3),
          fmt(floor.sorted.at(-1) ?? Number.NaN, 3),
          fmt(floor.failures),
        ],
        [
          'stand-in -> API -> client',
          fmt(r50, 3),
          fmt(r99, 3),
          fmt(relay.sorted.at(-1) ?? Number.NaN, 3),
          fmt(relay.failures),
        ],
        ['added by the relay', fmt(r50 - f50, 3), fmt(r99 - f99, 3), '', ''],
      ],
    )}`,
  );

  // 2. Memory with many concurrent slow streams.
  console.log(
    `\n2. ${fmt(concurrent)} concurrent streams, ${slowDeltas} deltas ${slowDelayMs} ms apart, read to the end`,
  );
  const gcBefore = await request(app.child, { type: 'memory' }, 'memory');
  const before = procMemory(pid);
  const peakReset = resetPeak(pid);
  standIn.setPlan({ deltas: slowDeltas, delayMs: slowDelayMs });
  standIn.resetPeak();

  let sampledPeak = before?.rss ?? 0;
  const sampler = setInterval(() => {
    const m = procMemory(pid);
    if (m) sampledPeak = Math.max(sampledPeak, m.rss);
  }, 50);

  const started = performance.now();
  const runs: Promise<StreamResult>[] = [];
  // Opened in batches of 100 so the accept queue never overflows (a SYN retry costs 1 s).
  for (let i = 0; i < concurrent; i++) {
    runs.push(streamRequest(agent, chatUrl, auth, chatBody, apiContent, apiDone, 90_000));
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 10));
  }
  const results = await Promise.all(runs);
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const after = procMemory(pid);
  const gcAfter = await request(app.child, { type: 'memory' }, 'memory');

  const complete = results.filter((r) => r.done && r.stamped === slowDeltas && !r.error).length;
  const errors = new Map<string, number>();
  for (const r of results) {
    if (r.done && r.stamped === slowDeltas && !r.error) continue;
    const key = r.error ?? `incomplete (${r.stamped} deltas, done=${r.done})`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  }
  const peak = peakReset && after ? after.hwm : Math.max(sampledPeak, after?.rss ?? 0);

  console.log(
    `\n${table(
      ['server process', 'value'],
      [
        ['RSS idle, before the streams', before ? mib(before.rss) : '?'],
        ['live heap before (after a full GC)', gcBefore.heapAfterGc ? mib(gcBefore.heapAfterGc) : '?'],
        [
          `peak RSS during the streams (${peakReset ? 'VmHWM, reset before' : 'sampled every 50 ms'})`,
          mib(peak),
        ],
        ['peak RSS sampled every 50 ms', mib(sampledPeak)],
        ['RSS after the streams', after ? mib(after.rss) : '?'],
        ['live heap after (after a full GC)', gcAfter.heapAfterGc ? mib(gcAfter.heapAfterGc) : '?'],
        ['VmHWM since start (incl. startup)', after && !peakReset ? mib(after.hwm) : 'reset'],
        ['upstream streams open at once (stand-in)', fmt(standIn.peakOpen)],
        ['streams complete', `${fmt(complete)} / ${fmt(concurrent)}`],
        ['wall time', `${fmt(elapsed, 1)} s (ideal ${fmt((slowDeltas * slowDelayMs) / 1000, 1)} s)`],
      ],
    )}`,
  );
  for (const [key, n] of errors) console.log(`  ${n} x ${key}`);

  const delayMet = r50 - f50 < targetAddedP50Ms;
  const memoryMet = peak < targetRssBytes && complete === concurrent;
  console.log(
    `\nTarget relay adds < ${targetAddedP50Ms} ms at p50: ${fmt(r50 - f50, 3)} ms -> ${delayMet ? 'MET' : 'NOT MET'}`,
  );
  console.log(
    `Target < 200 MB RSS with ${fmt(concurrent)} streams, all complete: ${mib(peak)}, ` +
      `${fmt(complete)}/${fmt(concurrent)} -> ${memoryMet ? 'MET' : 'NOT MET'}`,
  );

  agent.destroy();
  await exitWith(complete === concurrent && relay.failures === 0 ? 0 : 1);
}

main().catch((err: unknown) => {
  void exitWith(1, `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
});
