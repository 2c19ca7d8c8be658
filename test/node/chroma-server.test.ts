import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startChromaServer } from '../../src/node/chroma-server';

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('startChromaServer', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jobmate-chroma-srv-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('starts chroma on a free port with the data folder, and stop() ends the process', async () => {
    const dir = await tempDir();
    const persistDir = path.join(dir, 'nested', 'chroma'); // created when missing
    const lines: string[] = [];
    const server = await startChromaServer({
      persistDir,
      logger: { debug: (_message, fields) => void lines.push(String(fields?.line)) },
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${server.url}/api/v2/heartbeat`);
      expect(await response.json()).toHaveProperty(['nanosecond heartbeat']);
      expect(isAlive(server.pid)).toBe(true);
      expect(lines.join('\n')).toContain(persistDir); // its output went to the logger ("Saving data to: ...")
      expect((await readdir(persistDir)).length).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
    expect(isAlive(server.pid)).toBe(false);
    expect(await processesUsing(persistDir)).toEqual([]);
    await expect(fetch(`${server.url}/api/v2/heartbeat`)).rejects.toThrow();
    await server.stop(); // twice is fine
  });

  it('uses the port it is given and keeps the data across restarts', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const first = await startChromaServer({ persistDir: dir, port });
    expect(first.url).toBe(`http://127.0.0.1:${port}`);
    const create = await fetch(
      `${first.url}/api/v2/tenants/default_tenant/databases/default_database/collections`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'kept-across-restarts' }),
      },
    );
    expect(create.status).toBe(200);
    await first.stop();

    const second = await startChromaServer({ persistDir: dir, port });
    try {
      const list = await fetch(
        `${second.url}/api/v2/tenants/default_tenant/databases/default_database/collections`,
      );
      expect(((await list.json()) as { name: string }[]).map((c) => c.name)).toContain(
        'kept-across-restarts',
      );
    } finally {
      await second.stop();
    }
  });

  it('refuses a port that is taken instead of talking to whoever is there', async () => {
    const running = await startChromaServer({ persistDir: await tempDir() });
    try {
      const port = Number(new URL(running.url).port);
      await expect(startChromaServer({ persistDir: await tempDir(), port })).rejects.toThrow(
        `Cannot start Chroma on http://127.0.0.1:${port}: the port is already in use`,
      );
    } finally {
      await running.stop();
    }
  });

  it('fails with the tail of its output and leaves no process behind when it does not come up', async () => {
    const dir = await tempDir();
    const err = await startChromaServer({ persistDir: dir, startTimeoutMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^Chroma did not start on http:\/\/127\.0\.0\.1:\d+ \(no heartbeat within 0\.001 s\); data dir .*\n--- last output of `chroma run`:\n/,
    );
    expect(await processesUsing(dir)).toEqual([]);
  });
});

/** Pids whose command line mentions `dir`. */
async function processesUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/cmdline`, 'utf8')).includes(dir)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}
