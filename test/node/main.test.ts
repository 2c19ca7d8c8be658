import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEntry, waitForLine } from '../support/entry-process';

const root = path.resolve(import.meta.dirname, '../..');
const entry = path.join(root, 'src/node/main.ts');
const tsx = path.join(root, 'node_modules/tsx/dist/esm/index.mjs');
const workDir = mkdtempSync(path.join(tmpdir(), 'jobmate-node-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Runs the real Node entry in a folder of its own (its `instance/` and `.env` are there). */
const start = (env: Record<string, string>) =>
  startEntry([process.execPath, '--import', tsx, entry], workDir, env);

describe('the Node entry', () => {
  it('refuses to start with one message naming every bad variable', async () => {
    const server = start({ PORT: 'abc', DATABASE_MODE: 'oracle' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/Invalid configuration/);
    expect(server.output()).toMatch(/PORT/);
    expect(server.output()).toMatch(/DATABASE_MODE/);
  });

  it('refuses the development issuer in production', async () => {
    const server = start({ NODE_ENV: 'production', PORT: '5392' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/AUTH0_DOMAIN/);
  });

  it('migrates an empty libSQL file, serves, and stops cleanly on SIGTERM', async () => {
    const server = start({ PORT: '5391' });
    await waitForLine(server, /"listening"/);
    expect(server.output()).toMatch(/development issuer/);
    const listening = server
      .output()
      .split('\n')
      .find((line) => line.includes('"listening"'));
    expect(JSON.parse(listening ?? '{}')).toMatchObject({ auth: 'development' });
    const health = await fetch('http://127.0.0.1:5391/api/health');
    // The local Chroma child is up before the server listens.
    expect(await health.json()).toMatchObject({
      status: 'ok',
      auth: 'development',
      checks: { database: 'ok', vector_store: 'ok' },
    });

    // `npm run token` signs with the key the running server trusts.
    const token = execFileSync(
      process.execPath,
      [
        '--import',
        tsx,
        path.join(root, 'src/node/token-cli.ts'),
        '--sub',
        'dev|ana',
        '--email',
        'ana@example.com',
      ],
      {
        cwd: workDir,
        encoding: 'utf8',
      },
    ).trim();
    const me = await fetch('http://127.0.0.1:5391/api/me', { headers: { Authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ auth0_sub: 'dev|ana', email: 'ana@example.com' });

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/"stopped"/);
  });
});
