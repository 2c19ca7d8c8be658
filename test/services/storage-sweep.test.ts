import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from '../../src/clock';
import { createResumeStore, type ResumeStore } from '../../src/db/resumes';
import { createUserStore } from '../../src/db/users';
import { DependencyUnavailableError } from '../../src/errors';
import type { LogFields, Logger } from '../../src/logger';
import { createLocalStorage, localPathFor } from '../../src/node/local-storage';
import { startPeriodicSweep } from '../../src/node/storage-sweep';
import { createResumePipeline, MAX_REMOVAL_ATTEMPTS } from '../../src/services/resumes/pipeline';
import type { ObjectStorage } from '../../src/services/storage/storage';
import { sweepOrphanObjects } from '../../src/services/storage/sweep';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';

const HOUR = 3_600_000;
const bytes = (text: string) => new TextEncoder().encode(text);

function recordingLogger() {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      void lines.push({ level, message, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

/** A clock that only moves when told. */
function fakeClock(start: Date) {
  let now = start.getTime();
  const clock: Clock = { now: () => new Date(now) };
  const advance = (ms: number) => {
    now += ms;
  };
  return { clock, advance };
}

async function openStore(kind: (typeof databaseKinds)[number]) {
  const db = await createTestDatabase(kind);
  const resumes = createResumeStore(db.database);
  const user = await createUserStore(db.database).createIfAbsent(
    { auth0Sub: `auth0|sweep-${kind}`, email: null, name: null, picture: null },
    new Date(),
  );
  return { db, resumes, userId: user.id };
}

async function clearPending(resumes: ResumeStore) {
  for (const pending of await resumes.pendingDeletions(1000))
    await resumes.resolvePendingDeletion(pending.storageKey);
}

describe.each(databaseKinds)('the storage sweep on %s', (kind) => {
  let db: TestDatabase;
  let resumes: ResumeStore;
  let userId: number;
  let root: string;
  let storage: ReturnType<typeof createLocalStorage>;
  const now = new Date();
  const clock: Clock = { now: () => now };

  beforeAll(async () => {
    ({ db, resumes, userId } = await openStore(kind));
  });
  afterAll(() => db.dispose());
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'jobmate-sweep-'));
    storage = createLocalStorage(root);
    await clearPending(resumes);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  const newKey = () => `resumes/${userId}/${randomUUID()}.txt`;
  /** An object last written `ageMs` before the sweep's now. */
  async function putObject(key: string, ageMs: number) {
    await storage.put(key, bytes(key), { contentType: 'text/plain' });
    const written = new Date(now.getTime() - ageMs);
    await utimes(localPathFor(storage.root, key), written, written);
  }
  async function addRow(key: string) {
    await resumes.create(
      {
        id: randomUUID(),
        userId,
        filename: 'cv.txt',
        contentType: 'text/plain',
        sizeBytes: 1,
        bucket: storage.bucket,
        storageKey: key,
        text: 'Experience',
        chunks: [],
      },
      now,
    );
  }
  const sweep = () => sweepOrphanObjects({ storage, resumes, clock, logger: recordingLogger().logger });
  const pendingKeys = async () => (await resumes.pendingDeletions(1000)).map((p) => p.storageKey);

  it('removes an object older than an hour that no resume row names', async () => {
    const key = newKey();
    await putObject(key, 2 * HOUR);
    expect(await sweep()).toMatchObject({ scanned: 1, removed: 1, kept: 0 });
    expect(await storage.get(key)).toBeUndefined();
  });

  it('keeps an old object that a resume row names', async () => {
    const key = newKey();
    await putObject(key, 2 * HOUR);
    await addRow(key);
    expect(await sweep()).toMatchObject({ scanned: 1, removed: 0, kept: 1 });
    expect(await storage.get(key)).toBeDefined();
  });

  it('keeps an orphan younger than an hour: its row may be on its way', async () => {
    const key = newKey();
    await putObject(key, HOUR - 60_000);
    expect(await sweep()).toMatchObject({ scanned: 1, removed: 0, kept: 1 });
    expect(await storage.get(key)).toBeDefined();
  });

  it('honours olderThanMs', async () => {
    const key = newKey();
    await putObject(key, 10 * 60_000);
    const result = await sweepOrphanObjects({
      storage,
      resumes,
      clock,
      logger: recordingLogger().logger,
      olderThanMs: 5 * 60_000,
    });
    expect(result).toMatchObject({ removed: 1 });
  });

  it('looks only under resumes/', async () => {
    await putObject('other/old.txt', 2 * HOUR);
    expect(await sweep()).toMatchObject({ scanned: 0, removed: 0 });
    expect(await storage.get('other/old.txt')).toBeDefined();
  });

  it('resolves the pending removal of an orphan it removes', async () => {
    const key = newKey();
    await putObject(key, 2 * HOUR);
    await resumes.recordPendingDeletion({ bucket: storage.bucket, storageKey: key, error: 'timeout' }, now);
    expect(await sweep()).toMatchObject({ removed: 1, pendingResolved: 1 });
    expect(await pendingKeys()).toEqual([]);
  });

  it('tries every pending removal once, young objects and rows past the retry cap included', async () => {
    const key = newKey();
    await putObject(key, 60_000);
    for (let i = 0; i < MAX_REMOVAL_ATTEMPTS + 2; i++)
      await resumes.recordPendingDeletion({ bucket: storage.bucket, storageKey: key, error: 'down' }, now);
    expect(await sweep()).toMatchObject({ kept: 1, pendingResolved: 1 });
    expect(await storage.get(key)).toBeUndefined();
    expect(await pendingKeys()).toEqual([]);
  });

  it('resolves a pending removal whose object is gone already', async () => {
    const key = newKey();
    await resumes.recordPendingDeletion({ bucket: storage.bucket, storageKey: key, error: 'down' }, now);
    expect(await sweep()).toMatchObject({ scanned: 0, pendingResolved: 1 });
    expect(await pendingKeys()).toEqual([]);
  });

  it('never removes the object of a pending removal whose resume row exists', async () => {
    // A write whose answer was lost can have committed: the row is the truth.
    const key = newKey();
    await putObject(key, 2 * HOUR);
    await addRow(key);
    await resumes.recordPendingDeletion({ bucket: storage.bucket, storageKey: key, error: 'timeout' }, now);
    expect(await sweep()).toMatchObject({ removed: 0, kept: 1 });
    expect(await storage.get(key)).toBeDefined();
  });

  it('keeps the pending row and counts the failure when a removal fails', async () => {
    const key = newKey();
    await putObject(key, 2 * HOUR);
    await resumes.recordPendingDeletion({ bucket: storage.bucket, storageKey: key, error: 'down' }, now);
    const failing: ObjectStorage = {
      ...storage,
      delete: () => Promise.reject(new DependencyUnavailableError('storage', 'S3 DeleteObject failed')),
    };
    const { logger, lines } = recordingLogger();
    const result = await sweepOrphanObjects({ storage: failing, resumes, clock, logger });
    // Tried once: the pending pass skips what the listing pass failed to remove.
    expect(result).toMatchObject({ removed: 0, pendingResolved: 0, failed: 1 });
    expect(await pendingKeys()).toEqual([key]);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  it('storedKeys answers for more keys than one statement may bind', async () => {
    const narrow = createResumeStore({ ...db.database, maxParameters: 10 });
    const keys = Array.from({ length: 25 }, newKey);
    for (const key of [keys[0], keys[11], keys[24]]) await addRow(key as string);
    const stored = await narrow.storedKeys(keys);
    expect([...stored].sort()).toEqual([keys[0], keys[11], keys[24]].sort());
    expect(await narrow.storedKeys([])).toEqual(new Set());
  });
});

describe('pending removals retried by the upload pipeline', () => {
  let db: TestDatabase;
  let resumes: ResumeStore;
  let userId: number;

  beforeAll(async () => {
    ({ db, resumes, userId } = await openStore('libsql'));
  });
  afterAll(() => db.dispose());
  beforeEach(() => clearPending(resumes));

  /** Storage whose deletes fail, counting them. */
  function failingStorage() {
    const deletes: string[] = [];
    const storage: ObjectStorage = {
      ...createLocalStorage(os.tmpdir()),
      delete: async (key) => {
        deletes.push(key);
        throw new DependencyUnavailableError('storage', 'S3 DeleteObject failed: HTTP 503');
      },
    };
    return { storage, deletes };
  }

  async function setUp() {
    const { storage, deletes } = failingStorage();
    const { clock, advance } = fakeClock(new Date('2024-05-01T10:00:00Z'));
    const { logger, lines } = recordingLogger();
    const pipeline = createResumePipeline({ store: resumes, storage, clock, logger });
    await resumes.recordPendingDeletion(
      { bucket: storage.bucket, storageKey: `resumes/1/${randomUUID()}.pdf`, error: 'down' },
      clock.now(),
    );
    return { pipeline, deletes, advance, lines };
  }

  it('runs at most once a minute', async () => {
    const { pipeline, deletes, advance } = await setUp();
    await pipeline.retryPendingDeletions();
    await pipeline.retryPendingDeletions();
    advance(59_999);
    await pipeline.retryPendingDeletions();
    expect(deletes).toHaveLength(1);
    advance(1);
    await pipeline.retryPendingDeletions();
    expect(deletes).toHaveLength(2);
  });

  it(`stops at ${MAX_REMOVAL_ATTEMPTS} attempts and says once that the sweep is left to remove it`, async () => {
    const { pipeline, deletes, advance, lines } = await setUp();
    for (let i = 0; i < MAX_REMOVAL_ATTEMPTS + 3; i++) {
      await pipeline.retryPendingDeletions();
      advance(60_000);
    }
    // The upload's own removal was the first attempt.
    expect(deletes).toHaveLength(MAX_REMOVAL_ATTEMPTS - 1);
    const capped = lines.filter((l) => /left to the storage sweep/.test(l.message));
    expect(capped).toHaveLength(1);
    expect(capped[0]?.level).toBe('error');
    expect(capped[0]?.fields.storage_key).toBe(deletes[0]);
    expect((await resumes.pendingDeletions(10))[0]?.attempts).toBe(MAX_REMOVAL_ATTEMPTS);
  });

  it('resolves a row once its removal succeeds', async () => {
    const { clock } = fakeClock(new Date('2024-05-01T10:00:00Z'));
    const storage = createLocalStorage(await mkdtemp(path.join(os.tmpdir(), 'jobmate-retry-')));
    const pipeline = createResumePipeline({
      store: resumes,
      storage,
      clock,
      logger: recordingLogger().logger,
    });
    await resumes.recordPendingDeletion(
      { bucket: storage.bucket, storageKey: 'resumes/1/x.pdf', error: 'down' },
      clock.now(),
    );
    await pipeline.retryPendingDeletions();
    expect(await resumes.pendingDeletions(10)).toEqual([]);
    await rm(storage.root, { recursive: true, force: true });
  });

  it('drops a recorded removal whose object a resume row names, and keeps the object', async () => {
    // A database write whose answer was lost may have committed: the row is the truth.
    const { storage, deletes } = failingStorage();
    const { clock } = fakeClock(new Date('2024-05-01T10:00:00Z'));
    const key = `resumes/${userId}/${randomUUID()}.txt`;
    await resumes.create(
      {
        id: randomUUID(),
        userId,
        filename: 'cv.txt',
        contentType: 'text/plain',
        sizeBytes: 1,
        bucket: storage.bucket,
        storageKey: key,
        text: 'Experience',
        chunks: [],
      },
      clock.now(),
    );
    await resumes.recordPendingDeletion(
      { bucket: storage.bucket, storageKey: key, error: 'timeout' },
      clock.now(),
    );
    const pipeline = createResumePipeline({
      store: resumes,
      storage,
      clock,
      logger: recordingLogger().logger,
    });
    await pipeline.retryPendingDeletions();
    expect(deletes).toEqual([]);
    expect(await resumes.pendingDeletions(10)).toEqual([]);
  });
});

describe('the periodic sweep', () => {
  let db: TestDatabase;
  let resumes: ResumeStore;

  beforeAll(async () => {
    ({ db, resumes } = await openStore('libsql'));
  });
  afterAll(() => db.dispose());
  afterEach(() => vi.useRealTimers());

  /** Storage whose listing fails (or hangs until released), counting listings. */
  function listingStorage(mode: 'fail' | 'hang') {
    const calls = { count: 0 };
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const storage: ObjectStorage = {
      ...createLocalStorage(os.tmpdir()),
      // biome-ignore lint/correctness/useYield: a listing that fails or waits before its first item
      async *list() {
        calls.count++;
        if (mode === 'hang') await released;
        throw new DependencyUnavailableError('storage', 'S3 ListObjectsV2 failed: HTTP 503');
      },
    };
    return { storage, calls, release };
  }

  it('first runs a minute after start, then every interval, logging failures at warn', async () => {
    vi.useFakeTimers();
    const { storage, calls } = listingStorage('fail');
    const { logger, lines } = recordingLogger();
    const sweep = startPeriodicSweep({ storage, resumes, logger, intervalMs: 10_000 });
    await vi.advanceTimersByTimeAsync(59_999);
    expect(calls.count).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.count).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.count).toBe(2);
    expect(lines.filter((l) => l.level === 'warn' && /storage sweep failed/.test(l.message))).toHaveLength(2);
    sweep.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls.count).toBe(2);
  });

  it('runs one pass at a time', async () => {
    vi.useFakeTimers();
    const { storage, calls, release } = listingStorage('hang');
    const sweep = startPeriodicSweep({
      storage,
      resumes,
      logger: recordingLogger().logger,
      intervalMs: 1_000,
    });
    await vi.advanceTimersByTimeAsync(65_000);
    expect(calls.count).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls.count).toBe(2);
    sweep.stop();
  });

  it('does nothing with an interval of 0', async () => {
    vi.useFakeTimers();
    const { storage, calls } = listingStorage('fail');
    startPeriodicSweep({ storage, resumes, logger: recordingLogger().logger, intervalMs: 0 }).stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(calls.count).toBe(0);
  });
});
