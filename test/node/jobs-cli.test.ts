import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import { createJobStore } from '../../src/db/jobs';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/tsx/dist/esm/index.mjs');
const cli = path.join(root, 'src/node/jobs-cli.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'jobmate-cli-'));
const databaseUrl = `file:${path.join(dir, 'cli.db')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jobsCli = (...args: string[]) =>
  run(process.execPath, ['--import', tsx, cli, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', DATABASE_DEV: databaseUrl },
  });

async function totalJobs(): Promise<number> {
  const database = createLibsqlDatabase(databaseUrl);
  try {
    return await createJobStore(database).countActive();
  } finally {
    await database.close();
  }
}

describe('the jobs CLI', () => {
  it('imports a CSV file with a summary that lists the bad rows, and is idempotent', async () => {
    const file = path.join(dir, 'feed.csv');
    writeFileSync(
      file,
      [
        'title,company,location,job_type,description,external_id',
        'Welder,Forge Ltd,"Sheffield, UK",full-time,"Welds, cuts and grinds.",f-1',
        'Baker,Crumb Co,Leeds,night-shift,Bakes bread,f-2',
        'Roofer,Top Ltd,York,contract,Fixes roofs,f-3',
      ].join('\n'),
    );
    const first = await jobsCli('import', file);
    expect(first.stdout).toMatch(/2 created, 0 updated, 1 failed/);
    expect(first.stdout).toMatch(/row 2: job_type/);
    const second = await jobsCli('import', file);
    expect(second.stdout).toMatch(/0 created, 2 updated, 1 failed/);
    expect(await totalJobs()).toBe(2);
  });

  it('generates demo jobs', async () => {
    const { stdout } = await jobsCli('demo', '--count', '50', '--seed', '7');
    expect(stdout).toMatch(/50 created/);
    expect(await totalJobs()).toBe(52);
  });

  it('fails with a clear message for an unknown format', async () => {
    const file = path.join(dir, 'feed.xml');
    writeFileSync(file, '<jobs/>');
    await expect(jobsCli('import', file)).rejects.toMatchObject({
      stderr: expect.stringMatching(/--format/),
    });
  });
});
