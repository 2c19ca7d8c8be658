import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/node/chroma-server';
import { startEntry, waitForLine } from '../support/entry-process';

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

describe.each(Object.keys(runtimes) as (keyof typeof runtimes)[])('the %s entry', (runtime) => {
  it('serves the API (health, a signed-in user, a resume read for skills) and stops on SIGTERM', async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), `jobmate-${runtime}-`));
    workDirs.push(workDir);
    const port = await freePort();
    const server = startEntry(runtimes[runtime], workDir, {
      HOME: workDir,
      PORT: String(port),
      CHROMA_URL: chromaUrl,
      DEMO_JOBS: '20',
    });
    try {
      await waitForLine(server, /"listening"/, 60_000);
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
