import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResumeStore, type NewResume } from '../../src/db/resumes';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';

const job = (externalId: string) => ({
  title: `Job ${externalId}`,
  company: 'Atomic Co',
  location: 'Oslo',
  jobType: 'full-time',
  description: 'All or nothing.',
  source: 'atomic-test',
  externalId,
  createdAt: new Date(),
  updatedAt: new Date(),
});

describe.each(databaseKinds)('Database.atomic on %s', (kind) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.dispose());

  const jobsOfSource = async () => {
    const { db: q, tables } = db.database;
    return q
      .select({ externalId: tables.jobs.externalId })
      .from(tables.jobs)
      .where(eq(tables.jobs.source, 'atomic-test'));
  };

  it('writes every statement and returns what each returned, in order', async () => {
    const { jobs } = db.database.tables;
    const results = await db.database.atomic((q) => [
      q.insert(jobs).values(job('a')).returning({ externalId: jobs.externalId }),
      q.insert(jobs).values(job('b')),
      q.update(jobs).set({ company: 'Atomic Ltd' }).where(eq(jobs.source, 'atomic-test')).returning({
        externalId: jobs.externalId,
        company: jobs.company,
      }),
    ]);
    expect(results).toHaveLength(3);
    expect(results[0]).toEqual([{ externalId: 'a' }]);
    expect([...results[2]].sort((x, y) => String(x.externalId).localeCompare(String(y.externalId)))).toEqual([
      { externalId: 'a', company: 'Atomic Ltd' },
      { externalId: 'b', company: 'Atomic Ltd' },
    ]);
    expect(await db.database.atomic(() => [])).toEqual([]);
  });

  it('leaves nothing of the earlier statements when the last one violates a constraint', async () => {
    const { jobs } = db.database.tables;
    const before = await jobsOfSource();
    await expect(
      db.database.atomic((q) => [
        q.insert(jobs).values(job('c')),
        q.update(jobs).set({ title: 'Changed' }).where(eq(jobs.source, 'atomic-test')),
        q.delete(jobs).where(eq(jobs.externalId, 'b')),
        // (source, external_id) is unique: 'a' exists already.
        q.insert(jobs).values(job('a')),
      ]),
    ).rejects.toThrow();
    expect(await jobsOfSource()).toEqual(before);
    const titles = await db.database.db
      .select({ title: jobs.title })
      .from(jobs)
      .where(eq(jobs.source, 'atomic-test'));
    expect(titles.map((t) => t.title).sort()).toEqual(['Job a', 'Job b']);
  });

  it('keeps exactly one default resume under concurrent creates, makeDefault and deletes', async () => {
    const { userProfiles } = db.database.tables;
    const [user] = await db.database.db
      .insert(userProfiles)
      .values({ auth0Sub: `auth0|atomic-${kind}`, email: null, name: null, picture: null })
      .returning({ id: userProfiles.id });
    const userId = user?.id as number;
    const store = createResumeStore(db.database);
    const resume = (i: number): NewResume => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      userId,
      filename: `cv-${i}.txt`,
      contentType: 'text/plain',
      sizeBytes: 10,
      bucket: 'b',
      storageKey: `resumes/${userId}/${kind}-${i}.txt`,
      text: 'Nurse',
      chunks: [{ index: 0, section: null, content: 'Nurse' }],
    });
    const defaults = async () =>
      (await store.listForUser(userId)).filter((r) => r.isDefault).map((r) => r.id);

    // All first uploads at once: one becomes the default, none fails.
    const created = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) => store.create(resume(i), new Date(Date.UTC(2024, 0, 1 + i)))),
    );
    expect(created.filter((r) => r.isDefault)).toHaveLength(1);
    expect(await defaults()).toHaveLength(1);

    const ids = created.map((r) => r.id);
    await Promise.all(ids.map((id) => store.makeDefault(userId, id, new Date())));
    expect(await defaults()).toHaveLength(1);

    // Deleting the default and others at once: the newest remaining one ends up the default.
    const current = (await defaults())[0] as string;
    const doomed = [current, ...ids.filter((id) => id !== current).slice(0, 2)];
    const objectOf = (id: string) => ({
      bucket: 'b',
      storageKey: created.find((r) => r.id === id)!.storageKey,
    });
    await Promise.all(doomed.map((id) => store.delete(userId, id, new Date(), objectOf(id))));
    const left = await store.listForUser(userId);
    expect(left).toHaveLength(3);
    expect(left.filter((r) => r.isDefault).map((r) => r.id)).toEqual([left[0]?.id]);
  });
});
