import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import { createResumeStore } from '../../src/db/resumes';
import { createUserStore } from '../../src/db/users';
import { migrateDatabase } from '../../src/node/database';
import { createLocalStorage, localPathFor } from '../../src/node/local-storage';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(root, 'node_modules/tsx/dist/esm/index.mjs');
const cli = path.join(root, 'src/node/storage-cli.ts');
const dir = mkdtempSync(path.join(tmpdir(), 'jobmate-storage-cli-'));
const databaseUrl = `file:${path.join(dir, 'cli.db')}`;
const uploadDir = path.join(dir, 'uploads');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const storageCli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', tsx, cli, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', DATABASE_DEV: databaseUrl, UPLOAD_DIR: uploadDir, ...env },
  });

const storage = createLocalStorage(uploadDir);
const MINUTE = 60_000;

/** An object last written `ageMs` ago. */
async function putObject(key: string, ageMs: number) {
  await storage.put(key, new TextEncoder().encode(key), { contentType: 'text/plain' });
  const written = new Date(Date.now() - ageMs);
  await utimes(localPathFor(storage.root, key), written, written);
}

describe('the storage CLI', () => {
  const keys = { withRow: '', oldOrphan: '', youngOrphan: '' };

  beforeAll(async () => {
    const database = createLibsqlDatabase(databaseUrl);
    try {
      await migrateDatabase(database);
      const user = await createUserStore(database).createIfAbsent(
        { auth0Sub: 'auth0|cli', email: null, name: null, picture: null },
        new Date(),
      );
      keys.withRow = `resumes/${user.id}/${randomUUID()}.txt`;
      keys.oldOrphan = `resumes/${user.id}/${randomUUID()}.pdf`;
      keys.youngOrphan = `resumes/${user.id}/${randomUUID()}.docx`;
      await createResumeStore(database).create(
        {
          id: randomUUID(),
          userId: user.id,
          filename: 'cv.txt',
          contentType: 'text/plain',
          sizeBytes: 1,
          bucket: storage.bucket,
          storageKey: keys.withRow,
          text: 'Experience',
          chunks: [],
        },
        new Date(),
      );
    } finally {
      await database.close();
    }
    await putObject(keys.withRow, 3 * 60 * MINUTE);
    await putObject(keys.oldOrphan, 2 * 60 * MINUTE);
    await putObject(keys.youngOrphan, 10 * MINUTE);
  });

  it('removes old orphans from the local folder, keeps the rest, and prints a summary', async () => {
    const { stdout } = await storageCli([]);
    expect(stdout.trim()).toMatch(
      /^Storage sweep \(local folder .*uploads\): 3 scanned, 1 removed, 2 kept, 0 pending removals resolved\.$/,
    );
    expect(await storage.get(keys.oldOrphan)).toBeUndefined();
    expect(await storage.get(keys.withRow)).toBeDefined();
    expect(await storage.get(keys.youngOrphan)).toBeDefined();
  });

  it('takes --older-than-minutes', async () => {
    const { stdout } = await storageCli(['--older-than-minutes', '5']);
    expect(stdout).toMatch(/1 removed/);
    expect(await storage.get(keys.youngOrphan)).toBeUndefined();
    expect(await storage.get(keys.withRow)).toBeDefined();
  });

  it('exits 1 with a clear message for a bad --older-than-minutes', async () => {
    await expect(storageCli(['--older-than-minutes', 'soon'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--older-than-minutes takes a whole number of minutes/),
    });
  });

  it('uses S3 when S3_BUCKET_NAME is set, and exits 1 when it cannot be reached', async () => {
    await expect(
      storageCli([], {
        S3_BUCKET_NAME: 'resumes',
        S3_ENDPOINT: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'AK',
        AWS_SECRET_ACCESS_KEY: 'SK',
      }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Storage sweep failed: S3 ListObjectsV2 failed/),
    });
  });

  it('exits 1 on a database without the schema rather than take every object for an orphan', async () => {
    await expect(
      storageCli([], { DATABASE_DEV: `file:${path.join(dir, 'empty.db')}` }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Storage sweep failed/),
    });
    expect(await storage.get(keys.withRow)).toBeDefined();
  });
});
