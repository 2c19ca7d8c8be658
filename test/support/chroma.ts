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
import { startChromaServer } from '../../src/node/chroma-server';

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
