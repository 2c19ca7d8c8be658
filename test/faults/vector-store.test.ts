/**
 * Fault injection: Chroma killed (SIGKILL) in the middle of a seed of the skills ontology and in
 * the middle of a load of resume uploads, then started again on the same port and data folder. On
 * a Chroma of this file's own (test/support/chroma.ts `startOwnChroma`): the run's Chroma is
 * shared by every test file running at the same time.
 *
 * What must hold (README, Skills): uploads and job writes still succeed while Chroma is down,
 * with the skills read by exact labels and marked `partial`; skill search and recommendations
 * answer 503 `vector_store_unavailable`, in bounded time, never a 500; once Chroma is back, a seed
 * run again completes (resuming what the killed one wrote) and the backfill completes the
 * partial records, without restarting the app.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSkillStore } from '../../src/db/skills';
import { DependencyUnavailableError } from '../../src/errors';
import { silentLogger } from '../../src/logger';
import { loadOntology } from '../../src/node/skills-ontology';
import { createSkillsBackfill } from '../../src/services/skills/backfill';
import { createHashingEmbedder } from '../../src/services/skills/embedder';
import type { Ontology } from '../../src/services/skills/ontology';
import { seedOntology } from '../../src/services/skills/seed';
import { createSkillsService, type SkillsService } from '../../src/services/skills/skills';
import { createVectorStore, type VectorStore } from '../../src/services/skills/vector-store';
import { bearer, createTestApp, headersByUser } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import { type OwnChroma, startOwnChroma } from '../support/chroma';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { within } from '../support/deadline';

/** How long a Chroma call may take before it counts as down (the app's own default is 5 s). */
const CHROMA_TIMEOUT_MS = 2000;
/** "Answered, not hung". */
const ANSWER_BOUND_MS = 10_000;
const collections = { skills: 'faults_skills', jobs: 'faults_job_bags', titles: 'faults_job_titles' };

/** A Skills list with one phrase no label matches ("AdobeIllustrator"): only the vector step reads it. */
const resumeText = (tag: string) => `Jane Doe ${tag}
jane.doe@example.com | Lisbon, Portugal

Summary
Senior software engineer with eight years of experience building web applications.

Skills
Python, JavaScript, TypeScript, React, PostgreSQL, Docker, Kubernetes, Git, Linux, AdobeIllustrator

Experience
Senior Software Engineer, Acme Corp, 2019 - 2024
- Built REST APIs in Python and Django backed by PostgreSQL.
- Deployed services with Docker and Kubernetes on Linux servers.
`;
/** Read by exact labels, Chroma or not. */
const labelSkills = ['Python (computer programming)', 'JavaScript', 'PostgreSQL', 'Docker', 'Kubernetes'];
/** Read only through Chroma. */
const vectorSkill = 'Adobe Illustrator';

/**
 * The part of the shipped ontology used here, by the app and by the seed alike: the skills the
 * resume needs and enough more for several seed batches, without occupations. What is tested is
 * Chroma's absence, not the quality of reading; the whole ontology costs ~15 s of matcher build
 * and a minute of seeding on this machine.
 */
let subset: Ontology;
let chroma: OwnChroma;
let auth0: Auth0StandIn;
let db: TestDatabase;
let vectors: VectorStore;
let skills: SkillsService;
let app: ReturnType<typeof createTestApp>;
let writer: Record<string, string>;

beforeAll(async () => {
  let ontology: Ontology;
  [ontology, chroma, auth0, db] = await Promise.all([
    loadOntology(),
    startOwnChroma(),
    startAuth0StandIn(),
    createTestDatabase('libsql'),
  ]);
  const wanted = new Set([vectorSkill, ...labelSkills]);
  subset = {
    ...ontology,
    occupations: [],
    onetOccupations: [],
    skills: [
      ...ontology.skills.filter((s) => wanted.has(s.name)),
      ...ontology.skills.filter((s) => !wanted.has(s.name)).slice(0, 594),
    ],
  };
  vectors = createVectorStore({
    url: chroma.url,
    embedder: createHashingEmbedder(),
    timeoutMs: CHROMA_TIMEOUT_MS,
    logger: silentLogger,
  });
  skills = createSkillsService({
    loadOntology: async () => subset,
    vectors,
    logger: silentLogger,
    collections,
  });
  await skills.warmUp();
  app = createTestApp({
    database: db.database,
    auth0,
    env: { UPLOADS_PER_MINUTE: '10000' },
    deps: { skills },
  });
  writer = bearer(
    await auth0.sign({ sub: 'auth0|faults-writer', email: 'w@example.com', scope: 'write:jobs' }),
  );
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([chroma?.destroy(), auth0?.close(), db?.dispose()]);
});

// ---------------------------------------------------------------------------------------------

interface UploadAnswer {
  user: string;
  status: number;
  body: { resume_id?: string; skills?: { name: string }[]; error?: string };
  ms: number;
  /** Chroma's state when the upload was sent, and when it was answered. */
  sent: typeof chromaState;
  answered: typeof chromaState;
}

const headersOf = headersByUser(() => auth0);

async function timed(what: string, request: Response | Promise<Response>) {
  const started = performance.now();
  const response = await within(request, ANSWER_BOUND_MS, what);
  const body = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body, ms: Math.round(performance.now() - started) };
}

/** Chroma as the tests see it: `down` only once the killed process has exited, `up` once it answers. */
let chromaState: 'up' | 'killing' | 'down' | 'starting' = 'up';
async function killChroma() {
  chromaState = 'killing';
  await chroma.kill('SIGKILL');
  chromaState = 'down';
}
async function startChroma() {
  chromaState = 'starting';
  await chroma.start();
  chromaState = 'up';
}

let uploads = 0;
async function upload(user: string): Promise<UploadAnswer> {
  const form = new FormData();
  form.append(
    'resume_file',
    new File([resumeText(`${user}-${++uploads}`)], 'resume.txt', { type: 'text/plain' }),
  );
  const sent = chromaState;
  const answer = await timed(
    `upload by ${user}`,
    app.request('/api/resume/upload', { method: 'POST', headers: await headersOf(user), body: form }),
  );
  return { user, sent, answered: chromaState, ...answer } as UploadAnswer;
}

const search = async (user: string) =>
  timed('skill search', app.request('/api/skills/search?q=illustrator', { headers: await headersOf(user) }));
const recommended = async (user: string) =>
  timed('recommendations', app.request('/api/jobs/recommended', { headers: await headersOf(user) }));

async function createJob(title: string, description: string) {
  const answer = await timed(
    'job create',
    app.request('/api/jobs', {
      method: 'POST',
      headers: { ...writer, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        title,
        company: 'Acme',
        location: 'Lisbon',
        job_type: 'full-time',
        description,
      }),
    }),
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body as { id: number; skills: { name: string }[] };
}

const names = (body: { skills?: { name: string }[] }) => (body.skills ?? []).map((s) => s.name);

async function resumeStatus(id: string) {
  const { resumes } = db.database.tables;
  const rows = await db.database.db
    .select({ status: resumes.skillsStatus })
    .from(resumes)
    .where(eq(resumes.id, id));
  return rows[0]?.status;
}
async function jobStatus(id: number) {
  const { jobs } = db.database.tables;
  const rows = await db.database.db.select({ status: jobs.skillsStatus }).from(jobs).where(eq(jobs.id, id));
  return rows[0]?.status;
}
async function resumeSkills(user: string, id: string) {
  const response = await app.request(`/api/resumes/${id}`, { headers: await headersOf(user) });
  expect(response.status).toBe(200);
  return names((await response.json()) as { skills: { name: string }[] });
}

const unavailable = (a: { status: number; body: Record<string, unknown> }) =>
  a.status === 503 && a.body.error === 'vector_store_unavailable';
const show = (a: unknown) => JSON.stringify(a).slice(0, 400);

// ---------------------------------------------------------------------------------------------

describe('Chroma killed (SIGKILL) during a seed and during uploads, then started again', () => {
  /** Resumes and jobs written while Chroma was down: the backfill must complete them. */
  const partialResumes: { user: string; id: string }[] = [];
  const partialJobs: number[] = [];
  const allUploads: UploadAnswer[] = [];
  let killedAt = 0;
  let killed: Promise<void> | undefined;

  it('fails a seed killed part-way with vector_store unavailable, in bounded time', async () => {
    const started = performance.now();
    const outcome = await within(
      seedOntology({
        ontology: subset,
        store: vectors,
        collectionName: collections.skills,
        batchSize: 100,
        onProgress: ({ done }) => {
          if (done >= 200 && killedAt === 0) {
            killedAt = done;
            killed = killChroma();
          }
        },
      }).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      ),
      ANSWER_BOUND_MS,
      'the killed seed',
    );
    expect(killedAt, 'the seed reached its third batch').toBe(200);
    expect(outcome).toHaveProperty('error');
    const { error } = outcome as { error: unknown };
    expect(error, String(error)).toBeInstanceOf(DependencyUnavailableError);
    expect((error as DependencyUnavailableError).dependency).toBe('vector_store');
    expect(performance.now() - started).toBeLessThan(ANSWER_BOUND_MS);
    await killed;
  }, 30_000);

  it('still stores uploads and jobs while it is down, with exact-label skills marked partial', async () => {
    const answer = await upload('seed-outage');
    allUploads.push(answer);
    expect(answer.status, show(answer)).toBe(201);
    expect(names(answer.body)).toEqual(expect.arrayContaining(labelSkills));
    expect(names(answer.body)).not.toContain(vectorSkill);
    expect(await resumeStatus(answer.body.resume_id!)).toBe('partial');
    partialResumes.push({ user: 'seed-outage', id: answer.body.resume_id! });

    const job = await createJob('Python Developer', 'Build REST APIs in Python and Django with PostgreSQL.');
    expect(names(job)).toContain('Python (computer programming)');
    expect(await jobStatus(job.id)).toBe('partial');
    partialJobs.push(job.id);
  }, 30_000);

  it('answers skill search and recommendations 503 vector_store_unavailable while it is down', async () => {
    const answers = [await search('seed-outage'), await recommended('seed-outage')];
    expect(answers.filter((a) => !unavailable(a)).map(show)).toEqual([]);
  }, 30_000);

  it('completes the seed run again once it is back on the same port and folder, resuming what was written', async () => {
    await startChroma();
    const result = await seedOntology({
      ontology: subset,
      store: vectors,
      collectionName: collections.skills,
      batchSize: 100,
    });
    expect(result.total).toBe(subset.skills.length);
    expect(result.added + result.skipped).toBe(subset.skills.length);
    // What the killed run had written (two batches) is kept, not written again.
    expect(result.skipped, JSON.stringify(result)).toBeGreaterThanOrEqual(100);
    const collection = vectors.collection(collections.skills);
    expect(await collection.count()).toBe(subset.skills.length);
    expect(await collection.metadata()).toMatchObject({
      seed_status: 'complete',
      skills: subset.skills.length,
    });
    const found = await search('seed-outage');
    expect(found.status, show(found)).toBe(200);
    expect((found.body.skills as { name: string }[]).map((s) => s.name)).toContain(vectorSkill);
  }, 30_000);

  it('keeps answering uploads 201 when it is killed during a load of uploads; those after the kill are partial', async () => {
    const loadUsers = ['load-a', 'load-b'];
    let done = false;
    let notify: () => void = () => {};
    const changed = () => notify();
    const until = (check: () => boolean, what: string, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Timed out after ${ms / 1000} s waiting until ${what}`)),
          ms,
        );
        notify = () => {
          if (!check()) return;
          clearTimeout(timer);
          notify = () => {};
          resolve();
        };
        notify();
      });
    const loads = loadUsers.map(async (user) => {
      while (!done) {
        allUploads.push(await upload(user));
        changed();
      }
    });
    const settled = Promise.allSettled(loads);
    const during: { status: number; body: Record<string, unknown> }[] = [];
    try {
      const load = () => allUploads.filter((a) => loadUsers.includes(a.user));
      await until(
        () => load().filter((a) => a.status === 201 && names(a.body).includes(vectorSkill)).length >= 2,
        'two uploads were read completely, with Chroma',
        30_000,
      );
      await killChroma();
      during.push(await search('load-a'), await recommended('load-a'));
      await until(
        () => loadUsers.every((u) => load().filter((a) => a.user === u && a.sent === 'down').length >= 2),
        'each user uploaded twice while Chroma was down',
        30_000,
      );
    } finally {
      // The loads end after their current request, whatever happened above.
      done = true;
      await settled;
    }
    for (const outcome of await settled) if (outcome.status === 'rejected') throw outcome.reason;
    const load = allUploads.filter((a) => loadUsers.includes(a.user));
    expect(load.filter((a) => a.status !== 201).map(show)).toEqual([]);
    expect(load.filter((a) => a.ms > ANSWER_BOUND_MS).map(show)).toEqual([]);
    expect(during.filter((a) => !unavailable(a)).map(show)).toEqual([]);
    for (const answer of load) {
      const id = answer.body.resume_id!;
      const status = await resumeStatus(id);
      expect(names(answer.body)).toEqual(expect.arrayContaining(labelSkills));
      if (answer.sent === 'down') expect(status, show(answer)).toBe('partial');
      else if (answer.sent === 'up' && answer.answered === 'up')
        expect(status, show(answer)).toBe('complete');
      // Sent before the kill, answered after: read with Chroma or without, and marked as such.
      expect(status === 'complete').toBe(names(answer.body).includes(vectorSkill));
      if (status === 'partial') partialResumes.push({ user: answer.user, id });
    }
  }, 60_000);

  it('completes the partial resumes and jobs with the backfill once it is back, without restarting the app', async () => {
    await startChroma();
    const result = await createSkillsBackfill({
      skills,
      store: createSkillStore(db.database),
      logger: silentLogger,
    }).run();
    expect(result.partial).toBe(0);
    expect(result.resumes).toBeGreaterThanOrEqual(partialResumes.length);
    for (const { user, id } of partialResumes) {
      expect(await resumeStatus(id)).toBe('complete');
      expect(await resumeSkills(user, id)).toEqual(expect.arrayContaining([...labelSkills, vectorSkill]));
    }
    for (const id of partialJobs) expect(await jobStatus(id)).toBe('complete');
    const [found, ranked] = [await search('seed-outage'), await recommended('seed-outage')];
    expect(found.status, show(found)).toBe(200);
    expect(ranked.status, show(ranked)).toBe(200);
    expect((ranked.body.jobs as { id: number }[]).map((j) => j.id)).toContain(partialJobs[0]);
  }, 60_000);
});
