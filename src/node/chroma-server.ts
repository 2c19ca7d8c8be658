import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import type { LogFields } from '../logger';

/**
 * A local Chroma server as a child process: chromadb's own `chroma run` CLI (the native binding
 * blocks the thread it runs on, so never in-process). Used by the seeding CLI when CHROMA_URL is
 * not set, and by the tests.
 */

export interface ChromaServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  pid: number;
  /** SIGINT, then SIGKILL after 5 s; resolves once the process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ChromaServerOptions {
  /** Where Chroma keeps its data (created when missing). */
  persistDir: string;
  /** A free port on 127.0.0.1 is picked when absent. */
  port?: number;
  /** How long to wait for the first heartbeat, default 30 s. */
  startTimeoutMs?: number;
  /** Receives the server's output lines at debug level (discarded without one). */
  logger?: { debug?(message: string, fields?: LogFields): void };
}

const STOP_GRACE_MS = 5000;
const TAIL_LINES = 40;

/** The `chroma` bin of the installed chromadb package (found from its package.json, not from PATH). */
export function chromaBinPath(): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('chromadb'));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name?: string;
        bin?: Record<string, string>;
      };
      if (pkg.name === 'chromadb') {
        const bin = pkg.bin?.chroma;
        if (!bin) throw new Error(`chromadb at ${dir} has no chroma bin`);
        return path.join(dir, bin);
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find the chromadb package root');
    dir = parent;
  }
}

/** Whether 127.0.0.1:`port` can be bound now (another server there would answer our heartbeats). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips the banner's colour codes
const ANSI = /\u001b\[[0-9;]*m/g;

class ChromaStartError extends Error {
  override name = 'ChromaStartError';
  constructor(
    message: string,
    readonly portInUse: boolean,
  ) {
    super(message);
  }
}

/**
 * Starts `node <chroma bin> run --path <dir> --host 127.0.0.1 --port <port>` and waits for
 * `/api/v2/heartbeat` (about 1 s). Fails with the tail of the server's output when it exits or does
 * not answer in time. A picked port that was taken in between is retried once with another.
 */
export async function startChromaServer(options: ChromaServerOptions): Promise<ChromaServer> {
  const persistDir = path.resolve(options.persistDir);
  await mkdir(persistDir, { recursive: true });
  const bin = chromaBinPath();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(bin, persistDir, options.port ?? (await freePort()), options);
    } catch (err) {
      if (
        options.port !== undefined ||
        attempt >= 2 ||
        !(err instanceof ChromaStartError) ||
        !err.portInUse
      ) {
        throw err;
      }
    }
  }
}

async function startOnce(
  bin: string,
  persistDir: string,
  port: number,
  options: ChromaServerOptions,
): Promise<ChromaServer> {
  const url = `http://127.0.0.1:${port}`;
  if (!(await portIsFree(port))) {
    throw new ChromaStartError(`Cannot start Chroma on ${url}: the port is already in use`, true);
  }
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const debug = options.logger?.debug?.bind(options.logger);
  const tail: string[] = [];
  const collect = (stream: 'stdout' | 'stderr') => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(ANSI, '').trimEnd();
        if (!line.trim() || /^[\s(#]+$/.test(line)) continue; // blank or the logo
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        debug?.('chroma output', { stream, line });
      }
    };
  };

  const child: ChildProcess = spawn(
    process.execPath,
    [bin, 'run', '--path', persistDir, '--host', '127.0.0.1', '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  child.stdout?.on('data', collect('stdout'));
  child.stderr?.on('data', collect('stderr'));

  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = `exited with code ${code}, signal ${signal}`;
      resolve();
    });
    child.once('error', (err) => {
      exitInfo = `could not start: ${err.message}`;
      resolve();
    });
  });

  // A CLI or test run that ends without stop() must not leave the server behind.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (exitInfo === undefined) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  const failure = (reason: string) => {
    const output = tail.join('\n');
    return new ChromaStartError(
      `Chroma did not start on ${url} (${reason}); data dir ${persistDir}.\n--- last output of \`chroma run\`:\n${output || '(none)'}`,
      /is not available|address already in use|addrinuse|os error 98/i.test(output),
    );
  };

  const deadline = Date.now() + startTimeoutMs;
  try {
    for (;;) {
      if (exitInfo !== undefined) throw failure(exitInfo);
      try {
        const response = await fetch(`${url}/api/v2/heartbeat`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw failure(`no heartbeat within ${startTimeoutMs / 1000} s`);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, pid: child.pid!, stop };
}
