import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/node/chroma-server';

/**
 * The same app on Bun and on Deno (src/bun.ts, src/deno.ts: the Node wiring behind each runtime's
 * own server), started as `npm run start:bun` / `start:deno` would, from the binaries the npm
 * packages `bun` and `deno` ship (devDependencies). A smoke test each: not the whole suite again.
 */
const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/tsx/dist/esm/index.mjs');
const chromaUrl = inject('chroma');

const runtimes = {
  bun: [path.join(root, 'node_modules/.bin/bun'), path.join(root, 'src/bun.ts')],
  deno: [
    path.join(root, 'node_modules/.bin/deno'),
    'run',
    '-A',
    '--node-modules-dir=manual',
    '--unstable-sloppy-imports',
    path.join(root, 'src/deno.ts'),
  ],
} as const;

const workDirs: string[] = [];
afterAll(() => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
});

function start(command: readonly string[], workDir: string, env: Record<string, string>) {
  const [binary, ...args] = command;
  const child: ChildProcess = spawn(binary!, args, {
    cwd: workDir,
    env: { PATH: process.env.PATH ?? '', HOME: workDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Resolves when a line matches, rejects when the process exits first (no fixed sleeps: polls output). */
async function waitForLine(read: () => string, pattern: RegExp, exited: Promise<unknown>) {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!pattern.test(read())) {
    if (done) throw new Error(`exited before printing ${pattern}:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(Object.keys(runtimes) as (keyof typeof runtimes)[])('the %s entry', (runtime) => {
  it('serves the API (health, a signed-in user, a resume read for skills) and stops on SIGTERM', async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), `jobmate-${runtime}-`));
    workDirs.push(workDir);
    const port = await freePort();
    const server = start(runtimes[runtime], workDir, {
      PORT: String(port),
      CHROMA_URL: chromaUrl,
      DEMO_JOBS: '20',
    });
    try {
      await waitForLine(server.output, /"listening"/, server.exited);
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/api/health`)).json()).toMatchObject({
        status: 'ok',
        checks: { database: 'ok', storage: 'local', vector_store: 'ok' },
      });

      // `npm run token` (on Node) signs with the development key this server trusts.
      const token = execFileSync(
        process.execPath,
        ['--import', tsx, path.join(root, 'src/node/token-cli.ts'), '--sub', `dev|${runtime}`],
        { cwd: workDir, encoding: 'utf8' },
      ).trim();
      const auth = { Authorization: `Bearer ${token}` };
      expect(await (await fetch(`${base}/api/me`, { headers: auth })).json()).toMatchObject({
        auth0_sub: `dev|${runtime}`,
      });
      const jobs = (await (await fetch(`${base}/api/jobs?limit=5`, { headers: auth })).json()) as {
        jobs: unknown[];
      };
      expect(jobs.jobs).toHaveLength(5);

      const form = new FormData();
      form.append(
        'resume_file',
        new Blob(['Ana Lima\nSoftware Engineer\nSkills: Python, SQL, Docker\n'], { type: 'text/plain' }),
        'cv.txt',
      );
      const upload = await fetch(`${base}/api/resume/upload`, { method: 'POST', headers: auth, body: form });
      expect(upload.status).toBe(201);
      const body = (await upload.json()) as { skills: { name: string }[] };
      expect(body.skills.map((s) => s.name)).toEqual(expect.arrayContaining(['Docker', 'SQL']));
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/"stopped"/);
  });
});
