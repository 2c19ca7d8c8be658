import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { createD1Database, type D1DatabaseLike } from '../../src/db/drivers/d1';
import { createJobStore, type NewJob } from '../../src/db/jobs';
import { createResumeStore, type NewResume } from '../../src/db/resumes';
import { createSkillStore, type ResumeSkill } from '../../src/db/skills';

// The stores that write atomically, on the D1 binding inside workerd: D1 refuses BEGIN, so every
// multi-statement write has to go through `atomic` (a D1 batch), within D1's 100 parameters a query.

const skill = (i: number): ResumeSkill => ({
  skillId: `skill-${i}`,
  name: `Skill ${i}`,
  type: 'skill/competence',
  score: 1 - i / 100,
  method: 'exact',
  evidence: `used skill ${i}`,
});

const job = (
  externalId: string,
  title = `Job ${externalId}`,
): NewJob & { source: string; externalId: string } => ({
  title,
  company: 'D1 Co',
  location: 'Lisbon',
  jobType: 'full-time',
  description: 'Runs on the edge.',
  source: 'd1-test',
  externalId,
  url: null,
  salaryMin: null,
  salaryMax: null,
  currency: null,
  remote: true,
});

describe('stores on D1 inside workerd', () => {
  let database: Database;
  let userId: number;

  beforeAll(async () => {
    database = createD1Database(env.DB as unknown as D1DatabaseLike);
    const { userProfiles } = database.tables;
    const [user] = await database.db
      .insert(userProfiles)
      .values({ auth0Sub: 'auth0|d1-stores', email: null, name: null, picture: null })
      .returning({ id: userProfiles.id });
    userId = user?.id as number;
  });

  const resume = (n: number, extra: Partial<NewResume> = {}): NewResume => ({
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    userId,
    filename: `cv-${n}.txt`,
    contentType: 'text/plain',
    sizeBytes: 100,
    bucket: 'd1-test',
    storageKey: `resumes/${userId}/${n}.txt`,
    text: `Resume ${n}`,
    chunks: [{ index: 0, section: null, content: `Resume ${n}` }],
    ...extra,
  });

  it('runs a batch atomically: a failing last statement leaves nothing', async () => {
    const { jobs } = database.tables;
    await database.atomic((db) => [
      db.insert(jobs).values({ ...job('atomic-a'), createdAt: new Date(), updatedAt: new Date() }),
    ]);
    await expect(
      database.atomic((db) => [
        db.insert(jobs).values({ ...job('atomic-b'), createdAt: new Date(), updatedAt: new Date() }),
        db.insert(jobs).values({ ...job('atomic-a'), createdAt: new Date(), updatedAt: new Date() }),
      ]),
    ).rejects.toThrow();
    const rows = await database.db.select({ id: jobs.id }).from(jobs).where(eq(jobs.externalId, 'atomic-b'));
    expect(rows).toEqual([]);
  });

  it('creates resumes with many chunks and skills, makes one the default, deletes the default', async () => {
    const resumes = createResumeStore(database);
    const skills = createSkillStore(database);
    const chunks = Array.from({ length: 230 }, (_, i) => ({
      index: i,
      section: i % 2 ? 'Experience' : null,
      content: `chunk ${i}`,
    }));
    const first = await resumes.create(
      resume(1, { chunks, skills: Array.from({ length: 40 }, (_, i) => skill(i)), skillsStatus: 'complete' }),
      new Date(Date.UTC(2024, 0, 1)),
    );
    expect(first).toMatchObject({
      id: resume(1).id,
      userId,
      isDefault: true,
      chunksCreated: 230,
      textLength: 8,
    });
    expect(first.createdAt).toEqual(new Date(Date.UTC(2024, 0, 1)));
    expect(await resumes.chunks(first.id)).toEqual(chunks);
    expect(await skills.resumeSkills(first.id)).toHaveLength(40);

    const second = await resumes.create(resume(2), new Date(Date.UTC(2024, 0, 2)));
    const third = await resumes.create(resume(3), new Date(Date.UTC(2024, 0, 3)));
    expect([second.isDefault, third.isDefault]).toEqual([false, false]);

    const defaults = async () =>
      (await resumes.listForUser(userId)).filter((r) => r.isDefault).map((r) => r.id);
    const made = await resumes.makeDefault(userId, second.id, new Date(Date.UTC(2024, 1, 1)));
    expect(made).toMatchObject({ id: second.id, isDefault: true, updatedAt: new Date(Date.UTC(2024, 1, 1)) });
    expect(await defaults()).toEqual([second.id]);
    expect(await resumes.makeDefault(userId, 'no-such-resume', new Date())).toBeUndefined();
    expect(await resumes.makeDefault(userId + 1, first.id, new Date())).toBeUndefined();
    expect(await defaults()).toEqual([second.id]);

    const objectOf = (r: { bucket: string; storageKey: string }) => ({
      bucket: r.bucket,
      storageKey: r.storageKey,
    });
    const deleted = await resumes.delete(userId, second.id, new Date(Date.UTC(2024, 2, 1)), objectOf(second));
    expect(deleted).toMatchObject({ id: second.id, isDefault: true });
    expect(await defaults()).toEqual([third.id]); // the newest remaining one
    expect(await resumes.chunks(second.id)).toEqual([]);
    expect(await resumes.delete(userId, second.id, new Date(), objectOf(second))).toBeUndefined();

    // Not the default: the default stays where it is.
    expect(await resumes.delete(userId, first.id, new Date(), objectOf(first))).toMatchObject({
      id: first.id,
      isDefault: false,
    });
    expect(await resumes.chunks(first.id)).toEqual([]);
    expect(await defaults()).toEqual([third.id]);
  });

  it('upserts jobs idempotently across several statements, counting created and updated', async () => {
    const store = createJobStore(database);
    const batch = Array.from({ length: 23 }, (_, i) => job(`j-${i}`));
    expect(await store.upsertMany(batch, new Date())).toEqual({ created: 23, updated: 0 });
    expect(await store.upsertMany(batch, new Date())).toEqual({ created: 0, updated: 23 });
    // A duplicate within one call counts as an update; the last one wins.
    expect(
      await store.upsertMany([job('j-new', 'Old'), job('j-new', 'New'), job('j-0', 'Renamed')], new Date()),
    ).toEqual({
      created: 1,
      updated: 2,
    });
    const { jobs } = database.tables;
    const rows = await database.db
      .select({ externalId: jobs.externalId, title: jobs.title })
      .from(jobs)
      .where(eq(jobs.source, 'd1-test'));
    expect(rows).toHaveLength(23 + 1 + 1); // and the one the atomicity test kept
    expect(rows.find((r) => r.externalId === 'j-new')?.title).toBe('New');
    expect(rows.find((r) => r.externalId === 'j-0')?.title).toBe('Renamed');
  });

  it('replaces job and resume skills with their status', async () => {
    const jobsStore = createJobStore(database);
    const skills = createSkillStore(database);
    const a = await jobsStore.create(job('skills-a'), new Date());
    const b = await jobsStore.create(job('skills-b'), new Date());
    const jobSkill = (i: number) => ({
      skillId: `skill-${i}`,
      name: `Skill ${i}`,
      type: 'skill/competence',
      weight: i,
    });

    await skills.replaceJobSkills([
      { jobId: a.id, skills: Array.from({ length: 30 }, (_, i) => jobSkill(i)), status: 'partial' },
      { jobId: b.id, skills: [jobSkill(1)], status: 'complete' },
    ]);
    expect(await skills.jobSkills(a.id)).toHaveLength(30);
    await skills.replaceJobSkills([
      { jobId: a.id, skills: [jobSkill(7), jobSkill(9)], status: 'complete' },
      { jobId: b.id, skills: [], status: 'complete' },
    ]);
    expect((await skills.jobSkills(a.id)).map((s) => s.skillId)).toEqual(['skill-9', 'skill-7']);
    expect(await skills.jobSkills(b.id)).toEqual([]);
    const pending = await skills.pendingJobs(1000);
    expect(pending.map((p) => p.id)).not.toContain(a.id);
    expect(pending.map((p) => p.id)).not.toContain(b.id);

    const resumes = createResumeStore(database);
    const r = await resumes.create(resume(10), new Date());
    expect((await skills.pendingResumes(1000)).map((p) => p.id)).toContain(r.id);
    await skills.replaceResumeSkills(
      r.id,
      Array.from({ length: 20 }, (_, i) => skill(i)),
      'partial',
    );
    expect(await skills.resumeSkills(r.id)).toHaveLength(20);
    await skills.replaceResumeSkills(r.id, [skill(3)], 'complete');
    expect(await skills.resumeSkills(r.id)).toEqual([skill(3)]);
    expect((await skills.pendingResumes(1000)).map((p) => p.id)).not.toContain(r.id);
  });
});
