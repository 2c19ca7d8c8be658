/**
 * The run's Chroma server for the vector-store tests: one `chroma run` child on a free loopback
 * port with a fresh data folder under os.tmpdir(), started once per test run (vitest globalSetup)
 * and handed to the tests as `inject('chroma')` (its URL). `stop()` ends it and removes the folder.
 * A start that fails throws with the tail of the server's output: the run fails, it never skips.
 * A run that died without `stop()` (killed with SIGKILL) is cleaned up by the next start.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type ChromaServer, freePort, startChromaServer } from '../../src/node/chroma-server';

export interface TestChroma {
  url: string;
  /** Milliseconds from the call to the first heartbeat. */
  startupMs: number;
  stop(): Promise<void>;
}

const DIR_PREFIX = 'jobmate-test-chroma-';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills servers of earlier runs whose owner is gone (matched by pid AND their folder in the command line). */
function cleanStaleRuns(): void {
  let names: string[];
  try {
    names = readdirSync(os.tmpdir()).filter((name) => name.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(os.tmpdir(), name);
    let owner: { owner: number; pid: number };
    try {
      owner = JSON.parse(readFileSync(path.join(dir, 'owner.json'), 'utf8'));
    } catch {
      continue; // not ours, or still starting
    }
    if (isAlive(owner.owner)) continue;
    try {
      if (readFileSync(`/proc/${owner.pid}/cmdline`, 'utf8').includes(dir))
        process.kill(owner.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function startTestChroma(): Promise<TestChroma> {
  const started = performance.now();
  cleanStaleRuns();
  const dir = await mkdtemp(path.join(os.tmpdir(), DIR_PREFIX));
  try {
    const server = await startChromaServer({ persistDir: path.join(dir, 'data') });
    await writeFile(path.join(dir, 'owner.json'), JSON.stringify({ owner: process.pid, pid: server.pid }));
    return {
      url: server.url,
      startupMs: Math.round(performance.now() - started),
      async stop() {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `The test Chroma server did not start (is the optional package chromadb-js-bindings-linux-x64-gnu@1.0.5 installed? \`npm ci\`).\n${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * A Chroma server of one test file's own, which the file may kill and start again (fault tests):
 * never the run's shared one. The same port and data folder across restarts, as a server that
 * comes back after a crash. `destroy()` ends it and removes the folder (call it in `afterAll`); a
 * run that died without it is cleaned up by the next start, as for `startTestChroma`.
 */
export interface OwnChroma {
  url: string;
  port: number;
  /** The data folder (kept across restarts). */
  dir: string;
  /** Whether the server runs now. */
  running(): boolean;
  /** SIGKILL (a crash) or SIGINT (a shutdown); resolves once the process has exited and its port is closed. */
  kill(signal?: 'SIGKILL' | 'SIGINT'): Promise<void>;
  /** Starts it again on the same port and folder; resolves at its first heartbeat. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startOwnChroma(): Promise<OwnChroma> {
  cleanStaleRuns();
  const dir = await mkdtemp(path.join(os.tmpdir(), DIR_PREFIX));
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  let server: ChromaServer | undefined;
  const start = async () => {
    server = await startChromaServer({ persistDir: dataDir, port });
    await writeFile(path.join(dir, 'owner.json'), JSON.stringify({ owner: process.pid, pid: server.pid }));
  };
  try {
    await start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir: dataDir,
    running: () => server !== undefined,
    async kill(signal = 'SIGKILL') {
      const current = server;
      if (!current) return;
      server = undefined;
      try {
        process.kill(current.pid, signal);
      } catch {
        // already gone
      }
      // stop() resolves once the process has exited (and sends SIGKILL if a SIGINT is not enough).
      await current.stop();
    },
    async start() {
      if (!server) await start();
    },
    async destroy() {
      const current = server;
      server = undefined;
      await current?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
