import { createServer } from 'node:http';
import path from 'node:path';
import { createHistogram, monitorEventLoopDelay, type RecordableHistogram } from 'node:perf_hooks';
import type { Logger } from '../src/logger';

/**
 * The benchmark's server processes, started by `bench/run.ts` with an IPC channel:
 *
 *   node --import tsx bench/servers.ts app    the API, wired like src/node/main.ts
 *   node --import tsx bench/servers.ts bare   a bare node:http server answering {"message":"pong"}
 *
 * Both listen on 127.0.0.1 on a port the OS picks and report it with `{ type: 'ready', port }`.
 * They answer `{ type: 'memory' }` with their memory figures, `{ type: 'cpu' }` with the CPU time
 * they have used (user + system, all threads), `{ type: 'eventloop' }` with the event-loop delay
 * since the previous such message (ms; `perf_hooks.monitorEventLoopDelay`, 10 ms resolution, less
 * the period: see `lateMs`), `{ type: 'loopdelay' }` with the same figures from a timer of its own
 * (below), and
 * exit when the parent goes away
 * (IPC disconnect), so a killed runner leaves no server behind.
 */

export type ChildMessage =
  | { type: 'ready'; port: number }
  | { type: 'memory'; rss: number; maxRss: number; heapUsed: number; heapAfterGc: number | undefined }
  | { type: 'cpu'; micros: number }
  | { type: 'eventloop'; p50: number; p99: number; max: number; mean: number }
  | { type: 'loopdelay'; p50: number; p99: number; max: number; mean: number; count: number };

export type ParentMessage =
  /** `quietGc`: the forced GC is left out of the `loopdelay` figures. */
  | { type: 'memory'; quietGc?: boolean }
  | { type: 'cpu' }
  | { type: 'eventloop' }
  /** `reset: false` reads the figures without starting them again. */
  | { type: 'loopdelay'; reset?: boolean };

/** The period of both delay timers (ms). */
const LOOP_PERIOD_MS = 10;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_PERIOD_MS });
loopDelay.enable();

/**
 * How late a timer ran (ms): `monitorEventLoopDelay` records the whole time between two of its
 * callbacks, so an idle process shows about 10 ms (p99 10.25 ms, measured here); the delay is what
 * lies beyond the period (as @fastify/under-pressure reads it). bench/README's figures before its
 * section "The event-loop delay, measured right" include the period.
 */
const lateMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_PERIOD_MS);

/**
 * Event-loop delay measured as `monitorEventLoopDelay` does (the time between the callbacks of a
 * 10 ms interval timer, reported less the period like it), from a timer of our own, started by the first `loopdelay` message (only
 * bench/soak.ts sends it): the interval in which a `quietGc` memory sample forced a full GC is
 * left out, so a periodic heap sampler does not measure its own pauses. (The built-in monitor
 * cannot do that: disabling it around the GC still records the pause.)
 */
let timerDelay: { histogram: RecordableHistogram; skipNext: boolean } | undefined;

function startTimerDelay() {
  const state = { histogram: createHistogram(), skipNext: false };
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (!state.skipNext) state.histogram.record(Math.max(1, Math.round((now - last) * 1e6)));
    state.skipNext = false;
    last = now;
  }, LOOP_PERIOD_MS).unref();
  return state;
}

function send(message: ChildMessage) {
  process.send?.(message);
}

/**
 * The server of src/node/main.ts (same `prepareNodeApp`), with three differences for the benchmark:
 * the config comes from the environment the runner built (no `.env`), the listener is 127.0.0.1 on
 * an OS-chosen port, and the logger is silent unless BENCH_LOG=json (then it is main.ts's JSON
 * logger on stdout, which the runner points at /dev/null).
 */
async function startApp() {
  // Loaded here so that the bare server loads none of the API.
  const { parseConfig } = await import('../src/config');
  const { createJsonLogger, silentLogger } = await import('../src/logger');
  const { listen, prepareNodeApp } = await import('../src/node/server');
  const { stdoutLines } = await import('../src/node/stdout-lines');

  const dir = process.env.BENCH_DIR;
  if (!dir) throw new Error('BENCH_DIR is not set');
  const logger: Logger = process.env.BENCH_LOG === 'json' ? createJsonLogger(stdoutLines()) : silentLogger;

  const config = parseConfig(process.env);
  // The development issuer, unless a benchmark brings its own token issuer (the Auth0 stand-in).
  if (config.auth0Issuer && process.env.BENCH_AUTH0 !== 'stand-in') {
    throw new Error('The benchmark uses the development issuer: unset AUTH0_DOMAIN');
  }
  const { app } = await prepareNodeApp(config, {
    logger,
    devKeyFile: path.join(dir, 'dev-issuer-key.json'),
    skills: process.env.BENCH_SKILLS !== 'off',
  });
  listen(app, config, {
    port: 0,
    hostname: '127.0.0.1',
    onListening: (info) => send({ type: 'ready', port: info.port }),
  });
}

function startBare() {
  const body = JSON.stringify({ message: 'pong' });
  const length = String(Buffer.byteLength(body));
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': length });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address && typeof address === 'object') send({ type: 'ready', port: address.port });
  });
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'memory') {
    const { rss, heapUsed } = process.memoryUsage();
    const maxRss = process.resourceUsage().maxRSS * 1024;
    // With --expose-gc (the runner passes it): the live heap, to tell retention from garbage.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    if (message.quietGc && timerDelay) timerDelay.skipNext = true;
    const heapAfterGc = gc ? process.memoryUsage().heapUsed : undefined;
    send({ type: 'memory', rss, heapUsed, maxRss, heapAfterGc });
  } else if (message.type === 'eventloop') {
    const ms = lateMs;
    send({
      type: 'eventloop',
      p50: ms(loopDelay.percentile(50)),
      p99: ms(loopDelay.percentile(99)),
      max: ms(loopDelay.max),
      mean: ms(loopDelay.mean),
    });
    loopDelay.reset();
  } else if (message.type === 'loopdelay') {
    timerDelay ??= startTimerDelay();
    const h = timerDelay.histogram;
    const ms = (ns: number) => (h.count === 0 ? 0 : lateMs(ns));
    send({
      type: 'loopdelay',
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      mean: ms(h.mean),
      count: h.count,
    });
    if (message.reset !== false) h.reset();
  } else if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', micros: user + system });
  }
});
process.on('disconnect', () => process.exit(0));
// A normal exit, so that `--cpu-prof` (BENCH_PROFILE=1) writes its profile.
process.on('SIGTERM', () => process.exit(0));

const mode = process.argv[2];
if (!process.send) {
  process.stderr.write('bench/servers.ts is started by bench/run.ts (it needs an IPC channel)\n');
  process.exit(2);
}
if (mode === 'app') {
  startApp().catch((err: unknown) => {
    process.stderr.write(`bench app server failed to start: ${err instanceof Error ? err.stack : err}\n`);
    process.exit(1);
  });
} else if (mode === 'bare') {
  startBare();
} else {
  process.stderr.write(`unknown mode ${mode}: expected app or bare\n`);
  process.exit(2);
}
