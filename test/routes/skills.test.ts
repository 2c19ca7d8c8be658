import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ChromaClient } from 'chromadb';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { createSkillStore } from '../../src/db/skills';
import { silentLogger } from '../../src/logger';
import { type ChromaServer, startChromaServer } from '../../src/node/chroma-server';
import { loadOntology } from '../../src/node/skills-ontology';
import { createSkillsBackfill } from '../../src/services/skills/backfill';
import { createHashingEmbedder } from '../../src/services/skills/embedder';
import type { Ontology } from '../../src/services/skills/ontology';
import { seedOntology } from '../../src/services/skills/seed';
import { createSkillsService, type SkillsService } from '../../src/services/skills/skills';
import { createVectorStore, type VectorStore } from '../../src/services/skills/vector-store';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import type {
  ErrorBody,
  JobBody,
  MatchBody,
  RecommendedBody,
  ResumeBody,
  SkillSearchBody,
  UploadBody,
} from '../support/contract';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';

/**
 * Skills end to end: resumes and jobs get their skills from the REAL shipped ontology, matching,
 * recommendations and skill search run against Chroma (the run's shared one, seeded once here
 * into a collection of this file), and the app keeps working when Chroma is absent or goes down
 * (a private Chroma this file starts, stops and restarts).
 */

// ---------------------------------------------------------------------------------------------
// Texts

const softwareResume = `Jane Doe
jane.doe@example.com | Lisbon, Portugal

Summary
Senior software engineer with eight years of experience building web applications and backend services.

Skills
Python, JavaScript, TypeScript, React, Node.js, PostgreSQL, Docker, Kubernetes, Git, Linux

Experience
Senior Software Engineer, Acme Corp, 2019 - 2024
- Built REST APIs in Python and Django backed by PostgreSQL.
- Developed single-page applications with React and TypeScript.
- Deployed services with Docker and Kubernetes on Linux servers.

Software Engineer, Blue Fin Labs, 2016 - 2019
- Wrote Node.js services and JavaScript front ends.

Education
BSc Computer Science, University of Lisbon
`;

const nursingResume = `Maria Silva
maria.silva@example.com | Porto, Portugal

Summary
Registered nurse with six years on medical and surgical wards.

Skills
Wound care, administer prescribed medication, monitor vital signs, patient records

Experience
Staff Nurse, Saint Mary Hospital, 2018 - 2024
- Provided patient care on a 30-bed ward.
`;

/** "AdobeIllustrator" matches no label; only the vector step (nearest: Adobe Illustrator, 0.87) finds it. */
const designerEngineerResume = softwareResume.replace('Git, Linux', 'Git, Linux, AdobeIllustrator');

/** Skills any reader of the software resume would list. */
const obviousSkills = [
  'Python (computer programming)',
  'JavaScript',
  'React',
  'PostgreSQL',
  'Docker',
  'Kubernetes',
];

type Kind = 'software' | 'nursing' | 'sales' | 'trades';

/** The board for recommendations: 30 postings across four occupations. */
const board: { kind: Kind; title: string; description: string }[] = [
  ...(
    [
      [
        'Senior Python Developer',
        'Build REST APIs in Python and Django with PostgreSQL. Docker and Kubernetes in production. Git, Linux.',
      ],
      [
        'Frontend Engineer',
        'Single-page applications in React, TypeScript and JavaScript. Node.js tooling and Git.',
      ],
      [
        'Full-Stack Developer',
        'React and Node.js front to back, PostgreSQL database, JavaScript and TypeScript, Docker.',
      ],
      [
        'Platform Engineer',
        'Run Kubernetes clusters and Docker images on Linux; automate with Python; Git workflows.',
      ],
      [
        'Backend Engineer',
        'Node.js and TypeScript services on PostgreSQL, deployed with Docker and Kubernetes.',
      ],
      ['DevOps Engineer', 'Kubernetes, Docker, Linux administration and Python scripting; Git-based CI.'],
      ['Data Engineer', 'Python pipelines over PostgreSQL and SQL warehouses; Docker; Linux.'],
      ['JavaScript Developer', 'JavaScript and React for customer dashboards; Node.js APIs; Git.'],
    ] as const
  ).map(([title, description]) => ({ kind: 'software' as const, title, description })),
  ...(
    [
      [
        'Registered Nurse',
        'Provide patient care on a busy hospital ward: administer prescribed medication, monitor vital signs, carry out wound care.',
      ],
      [
        'ICU Nurse',
        'Critical care nursing: monitor patients vital signs, administer medication, wound care, work with physicians.',
      ],
      [
        'Pediatric Nurse',
        'Nursing care for children; administer prescribed medication; educate families on health.',
      ],
      [
        'Community Nurse',
        'Provide nursing care in community settings; wound care; home visits; medication management.',
      ],
      ['Nursing Assistant', 'Assist patients with daily living, monitor vital signs, keep patient records.'],
      [
        'Surgical Nurse',
        'Prepare operating rooms, assist surgeons, sterilise instruments, monitor patients after surgery.',
      ],
      [
        'Midwife',
        'Care for women during pregnancy and childbirth; monitor foetal development; postnatal care.',
      ],
    ] as const
  ).map(([title, description]) => ({ kind: 'nursing' as const, title, description })),
  ...(
    [
      [
        'Sales Representative',
        'Sell products to new customers, negotiate contracts, manage a sales pipeline in a CRM, meet quarterly targets.',
      ],
      [
        'Account Executive',
        'Close deals with business customers, negotiate contracts, forecast sales, customer relationship management.',
      ],
      [
        'Retail Sales Associate',
        'Serve customers in the store, handle the cash register, process payments, restock shelves.',
      ],
      [
        'Inside Sales Agent',
        'Cold calling, sales presentations, customer relationship management in Salesforce.',
      ],
      [
        'Sales Manager',
        'Manage sales teams, set sales targets, carry out sales analysis, train new sales staff.',
      ],
      [
        'Car Sales Consultant',
        'Sell vehicles, arrange financing, negotiate prices, follow up with customers.',
      ],
      [
        'Real Estate Agent',
        'Show properties, negotiate sale prices, draft sales contracts, advise clients on the market.',
      ],
    ] as const
  ).map(([title, description]) => ({ kind: 'sales' as const, title, description })),
  ...(
    [
      [
        'Electrician',
        'Install and repair electrical wiring, read blueprints, troubleshoot circuits, comply with electrical codes.',
      ],
      ['Plumber', 'Install and repair pipes, fixtures and water heaters; read blueprints; weld metal pipes.'],
      ['Welder', 'Weld metal parts with arc welding; read technical drawings; operate cutting equipment.'],
      ['Carpenter', 'Build wooden structures, cut timber, install doors and windows, read blueprints.'],
      [
        'HVAC Technician',
        'Install heating, ventilation and air conditioning systems; troubleshoot refrigeration units.',
      ],
      ['Bricklayer', 'Lay bricks and blocks, mix mortar, build walls, read construction drawings.'],
      ['Auto Mechanic', 'Diagnose and repair vehicle engines, replace brakes, perform routine maintenance.'],
      ['Roofer', 'Install and repair roofs, lay shingles, work safely at height.'],
    ] as const
  ).map(([title, description]) => ({ kind: 'trades' as const, title, description })),
];

const pythonJob = {
  title: 'Senior Python Developer',
  company: 'Blue Fin Labs',
  location: 'Lisbon, Portugal',
  job_type: 'full-time',
  description: 'Build REST APIs in Python and Django with PostgreSQL. Docker and Kubernetes in production.',
};
const nurseJob = {
  title: 'Registered Nurse',
  company: 'Saint Mary Hospital',
  location: 'Porto, Portugal',
  job_type: 'full-time',
  description:
    'Provide patient care on a busy hospital ward: administer prescribed medication, monitor vital signs, carry out wound care.',
};

// ---------------------------------------------------------------------------------------------
// Shapes of the answers

interface SkillRef {
  id: string;
  name: string;
}

const names = (skills: readonly SkillRef[]) => skills.map((s) => s.name);

// ---------------------------------------------------------------------------------------------
// Shared set-up: one ontology, one seeded collection, one label matcher for the whole file

const chromaUrl = inject('chroma');
const skillsCollection = `skills_test_${process.pid}`;
/** The recommendation indexes (job skill bags and titles) of one database on one Chroma. */
const jobIndexes = (where: string, kind: string) => ({
  jobs: `skills_test_jobs_${where}_${kind}_${process.pid}`,
  titles: `skills_test_titles_${where}_${kind}_${process.pid}`,
});

let ontology: Ontology;
let auth0: Auth0StandIn;
/** The skills service on the run's Chroma: its label matcher takes ~1 s to build, so there is one. */
let shared: SkillsService;
let sharedVectors: VectorStore;

/** A private Chroma this file stops and restarts, seeded with a small part of the ontology. */
const privateSkillsCollection = 'skills_subset';
let privateChroma: { server: ChromaServer | undefined; dir: string; port: number; vectors: VectorStore };
let privateService: SkillsService;

/**
 * `base` with its own recommendation indexes. Job ids restart at 1 in every test database, so
 * each one needs its own; the rest (label matcher, skills collection) is `base`'s. The index
 * methods never read the ontology, so `own` never builds a second matcher (~1 s).
 */
function withOwnJobIndexes(
  base: SkillsService,
  vectors: VectorStore,
  skills: string,
  indexes: { jobs: string; titles: string },
): SkillsService {
  const own = createSkillsService({
    loadOntology: async () => ontology,
    vectors,
    logger: silentLogger,
    collections: { skills, ...indexes },
  });
  return {
    ...base,
    indexJobs: own.indexJobs,
    unindexJobs: own.unindexJobs,
    candidateJobs: own.candidateJobs,
  };
}

/** `deps.background` that keeps the work, so a test can wait for it (no sleeps). */
function collectBackground() {
  type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
  let pending: Promise<Outcome>[] = [];
  return {
    run(work: Promise<unknown>) {
      pending.push(
        work.then(
          (value): Outcome => ({ ok: true, value }),
          (error: unknown): Outcome => ({ ok: false, error }),
        ),
      );
    },
    /** Waits for everything started so far (and what that started), and returns the outcomes. */
    async settle(): Promise<Outcome[]> {
      const outcomes: Outcome[] = [];
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        outcomes.push(...(await Promise.all(batch)));
      }
      return outcomes;
    },
  };
}

async function startPrivateChroma(): Promise<void> {
  privateChroma.server = await startChromaServer({ persistDir: privateChroma.dir, port: privateChroma.port });
}

beforeAll(async () => {
  ontology = await loadOntology();
  auth0 = await startAuth0StandIn();
  const embedder = createHashingEmbedder();
  sharedVectors = createVectorStore({ url: chromaUrl, embedder, logger: silentLogger });
  shared = createSkillsService({
    loadOntology: async () => ontology,
    vectors: sharedVectors,
    logger: silentLogger,
    collections: { skills: skillsCollection, ...jobIndexes('unused', 'none') },
  });

  const dir = await mkdtemp(path.join(tmpdir(), 'jobmate-skills-chroma-'));
  const server = await startChromaServer({ persistDir: dir });
  const privateVectors = createVectorStore({ url: server.url, embedder, logger: silentLogger });
  privateChroma = { server, dir, port: server.port, vectors: privateVectors };
  privateService = createSkillsService({
    loadOntology: async () => ontology,
    vectors: privateVectors,
    logger: silentLogger,
    collections: { skills: privateSkillsCollection, ...jobIndexes('unused', 'none') },
  });
  const wanted = new Set(['Python (computer programming)', 'JavaScript', 'Adobe Illustrator']);
  const subset: Ontology = {
    ...ontology,
    skills: [
      ...ontology.skills.filter((s) => wanted.has(s.name)),
      ...ontology.skills.filter((s) => !wanted.has(s.name)).slice(0, 297),
    ],
  };
  // Seeding writes large batches: a slower answer than a request's is fine here.
  const seedStore = (url: string) => createVectorStore({ url, embedder, timeoutMs: 120_000 });
  await Promise.all([
    seedOntology({
      ontology,
      store: seedStore(chromaUrl),
      collectionName: skillsCollection,
      batchSize: 1000,
    }),
    seedOntology({
      ontology: subset,
      store: seedStore(server.url),
      collectionName: privateSkillsCollection,
    }),
    shared.warmUp(),
    privateService.warmUp(),
  ]);
}, 120_000);

afterAll(async () => {
  const url = new URL(chromaUrl);
  const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
  const collections = [
    skillsCollection,
    ...databaseKinds.flatMap((kind) => Object.values(jobIndexes('shared', kind))),
  ];
  // A collection of a suite that never got to index anything does not exist: nothing to delete.
  await Promise.all(collections.map((name) => client.deleteCollection({ name }).catch(() => undefined)));
  await privateChroma?.server?.stop();
  if (privateChroma) await rm(privateChroma.dir, { recursive: true, force: true });
  await auth0?.close();
});

// ---------------------------------------------------------------------------------------------

describe.each(databaseKinds)('skills on %s', (kind) => {
  let db: TestDatabase;
  let app: ReturnType<typeof createTestApp>;
  let background: ReturnType<typeof collectBackground>;
  let writer: Record<string, string>;
  /** A user whose default (first) resume is the software resume. */
  let alice: Record<string, string>;
  let aliceResume: ResumeBody;
  /** What every job this suite created is about (recommendations are checked against it). */
  const kindOf = new Map<number, Kind | 'other'>();
  let users = 0;

  const newUser = async () =>
    bearer(await auth0.sign({ sub: `auth0|skills-${kind}-${users++}`, email: `u${users}@example.com` }));

  function upload(headers: Record<string, string>, text: string, target = app) {
    const form = new FormData();
    form.append('resume_file', new File([text], 'resume.txt', { type: 'text/plain' }));
    return target.request('/api/resume/upload', { method: 'POST', headers, body: form });
  }
  async function uploadOk(headers: Record<string, string>, text: string, target = app) {
    const res = await upload(headers, text, target);
    const body = (await res.json()) as UploadBody;
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body;
  }
  async function getResume(headers: Record<string, string>, id: string, target = app) {
    const res = await target.request(`/api/resumes/${id}`, { headers });
    expect(res.status).toBe(200);
    return (await res.json()) as ResumeBody;
  }
  async function createJob(input: Record<string, unknown>, jobKind: Kind | 'other', target = app) {
    const res = await target.request('/api/jobs', {
      method: 'POST',
      headers: { ...writer, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        location: 'Lisbon, Portugal',
        job_type: 'full-time',
        company: 'Acme',
        ...input,
      }),
    });
    const body = (await res.json()) as JobBody;
    expect(res.status, JSON.stringify(body)).toBe(201);
    kindOf.set(body.id, jobKind);
    return body;
  }
  const deactivate = async (id: number) => {
    expect((await app.request(`/api/jobs/${id}`, { method: 'DELETE', headers: writer })).status).toBe(204);
  };
  const match = (headers: Record<string, string>, jobId: number | string, resumeId?: string) =>
    app.request(`/api/jobs/${jobId}/match${resumeId ? `?resume_id=${encodeURIComponent(resumeId)}` : ''}`, {
      headers,
    });
  async function importNdjson(rows: Record<string, unknown>[]) {
    const res = await app.request('/api/jobs/import', {
      method: 'POST',
      headers: { ...writer, 'Content-Type': 'application/x-ndjson' },
      body: rows.map((row) => JSON.stringify(row)).join('\n'),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { created: number; updated: number; failed: unknown[] };
  }
  /** Job ids by external id, for rows imported with `source`. */
  async function importedIds(database: Database, source: string): Promise<Map<string, number>> {
    const { jobs } = database.tables;
    const rows = await database.db
      .select({ id: jobs.id, externalId: jobs.externalId })
      .from(jobs)
      .where(eq(jobs.source, source));
    return new Map(rows.map((r) => [r.externalId ?? '', r.id]));
  }
  async function resumeStatus(id: string) {
    const { resumes } = db.database.tables;
    const [row] = await db.database.db
      .select({ status: resumes.skillsStatus })
      .from(resumes)
      .where(eq(resumes.id, id));
    return row?.status;
  }
  async function jobStatus(id: number) {
    const { jobs } = db.database.tables;
    const [row] = await db.database.db
      .select({ status: jobs.skillsStatus })
      .from(jobs)
      .where(eq(jobs.id, id));
    return row?.status;
  }

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    background = collectBackground();
    app = createTestApp({
      database: db.database,
      auth0,
      deps: {
        skills: withOwnJobIndexes(shared, sharedVectors, skillsCollection, jobIndexes('shared', kind)),
        background: background.run,
      },
    });
    writer = bearer(await auth0.sign({ sub: `auth0|skills-writer-${kind}`, permissions: ['write:jobs'] }));
    alice = await newUser();
    aliceResume = await getResume(alice, (await uploadOk(alice, softwareResume)).resume_id);
  });
  afterAll(async () => {
    await background?.settle();
    await db?.dispose();
  });

  describe('resume skills', () => {
    it('reads the obvious skills of a TXT resume, as {id, name, score, evidence}, best first', () => {
      expect(names(aliceResume.skills)).toEqual(expect.arrayContaining(obviousSkills));
      for (const skill of aliceResume.skills) {
        expect(Object.keys(skill).sort()).toEqual(['evidence', 'id', 'name', 'score']);
        expect(softwareResume).toContain(skill.evidence);
        expect(skill.id).toMatch(/^(esco|onet):/);
        expect(skill.score).toBeGreaterThan(0);
        expect(skill.score).toBeLessThanOrEqual(1);
      }
      const scores = aliceResume.skills.map((s) => s.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      // Nothing from another trade.
      expect(names(aliceResume.skills).join(' ')).not.toMatch(/nurs|patient|wound/i);
    });

    // Was a bug: the 201 answer had `skills: []` hard-coded.
    it('answers the upload with the skills GET /api/resumes/:id shows', async () => {
      const user = await newUser();
      const uploaded = await uploadOk(user, softwareResume);
      expect(names(uploaded.skills)).toEqual(expect.arrayContaining(obviousSkills));
      expect(uploaded.skills).toEqual((await getResume(user, uploaded.resume_id)).skills);
    });

    it('deletes the skills with the resume', async () => {
      const user = await newUser();
      const { resume_id } = await uploadOk(user, softwareResume);
      const { resumeSkills } = db.database.tables;
      const rows = () =>
        db.database.db
          .select({ skillId: resumeSkills.skillId })
          .from(resumeSkills)
          .where(eq(resumeSkills.resumeId, resume_id));
      expect((await rows()).length).toBeGreaterThanOrEqual(obviousSkills.length);
      expect(
        (await app.request(`/api/resumes/${resume_id}`, { method: 'DELETE', headers: user })).status,
      ).toBe(204);
      expect(await rows()).toEqual([]);
    });
  });

  describe('job skills', () => {
    it('answers POST /api/jobs with the skills of the posting', async () => {
      const job = await createJob(pythonJob, 'software');
      expect(names(job.skills)).toEqual(
        expect.arrayContaining([
          'Python (computer programming)',
          'Django',
          'PostgreSQL',
          'Docker',
          'Kubernetes',
        ]),
      );
      for (const skill of job.skills) expect(Object.keys(skill).sort()).toEqual(['id', 'name']);
      expect(await jobStatus(job.id)).toBe('complete');
    });

    it('shows the same skills on GET /api/jobs/:id', async () => {
      const created = await createJob(pythonJob, 'software');
      const res = await app.request(`/api/jobs/${created.id}`, { headers: alice });
      expect(res.status).toBe(200);
      expect(((await res.json()) as JobBody).skills).toEqual(created.skills);
    });

    it('reads the skills again when PATCH changes the description', async () => {
      const created = await createJob(pythonJob, 'software');
      const res = await app.request(`/api/jobs/${created.id}`, {
        method: 'PATCH',
        headers: { ...writer, 'Content-Type': 'application/json' },
        body: JSON.stringify({ description: nurseJob.description }),
      });
      expect(res.status).toBe(200);
      kindOf.set(created.id, 'other');
      const patched = (await res.json()) as JobBody;
      expect(names(patched.skills)).toEqual(
        expect.arrayContaining(['administer prescribed medication', 'carry out wound care']),
      );
      expect(names(patched.skills)).not.toContain('Django');
      const again = (await (
        await app.request(`/api/jobs/${created.id}`, { headers: alice })
      ).json()) as JobBody;
      expect(again.skills).toEqual(patched.skills);
    });
  });

  describe('GET /api/jobs/:id/match', () => {
    /** A job asking for exactly the skills of alice's resume. */
    let covered: JobBody;
    let nursing: JobBody;
    let inactive: JobBody;

    beforeAll(async () => {
      // Names without their qualifier: "Python (computer programming)" in a posting would also
      // name the skill "computer programming", which the resume does not list.
      const wanted = aliceResume.skills.map((s) => s.name.replace(/\s*\(.*\)$/, ''));
      covered = await createJob(
        { title: 'Software Engineer', description: `We need: ${wanted.join(', ')}.` },
        'software',
      );
      nursing = await createJob(nurseJob, 'nursing');
      inactive = await createJob(pythonJob, 'software');
      await deactivate(inactive.id);
    });

    it('uses the default resume when resume_id is omitted', async () => {
      const res = await match(alice, covered.id);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ job_id: covered.id, resume_id: aliceResume.id });
    });

    it('scores 100 when the resume covers every skill of the job, and lists them as matched', async () => {
      const body = (await (await match(alice, covered.id)).json()) as MatchBody;
      expect(body.score).toBe(100);
      expect(body.missing_skills).toEqual([]);
      expect(names(body.matched_skills).sort()).toEqual(names(covered.skills).sort());
      expect(body.matched_skills.every((s) => s.match === 'exact' && s.type !== '')).toBe(true);
    });

    it('scores 0 for a nursing job against the software resume, listing what is missing', async () => {
      const body = (await (await match(alice, nursing.id)).json()) as MatchBody;
      expect(body.score).toBe(0);
      expect(body.matched_skills).toEqual([]);
      expect(names(body.missing_skills).sort()).toEqual(names(nursing.skills).sort());
      expect(body.missing_skills.length).toBeGreaterThan(0);
    });

    it('a related skill earns partial credit but never counts as matched: Kubernetes stays missing, closest Docker', async () => {
      const user = await newUser();
      const resume = await uploadOk(user, 'Dana Ops\nSkills: Python, SQL, Docker\n');
      const job = await createJob(
        { title: 'Platform Engineer', description: 'Skills: Python, Kubernetes.' },
        'software',
      );
      const body = (await (await match(user, job.id, resume.resume_id)).json()) as MatchBody;
      expect(names(body.matched_skills)).toEqual(expect.arrayContaining(['Python (computer programming)']));
      expect(names(body.matched_skills)).not.toContain('Kubernetes');
      const kubernetes = body.missing_skills.find((s) => s.name === 'Kubernetes');
      expect(kubernetes?.closest?.name).toBe('Docker');
      expect(body.score).toBeGreaterThan(0);
      expect(body.score).toBeLessThan(100);
    });

    it('uses the resume named by resume_id', async () => {
      const second = await uploadOk(alice, nursingResume);
      const res = await match(alice, nursing.id, second.resume_id);
      expect(res.status).toBe(200);
      const body = (await res.json()) as MatchBody;
      expect(body.resume_id).toBe(second.resume_id);
      expect(body.score).toBeGreaterThan(50);
      expect(names(body.matched_skills)).toContain('carry out wound care');
    });

    it('answers 404 for a job that does not exist', async () => {
      const res = await match(alice, 2_000_000_000);
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error).toBe('not_found');
    });

    it('answers 404 for an inactive job', async () => {
      const res = await match(alice, inactive.id);
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error).toBe('not_found');
    });

    it('answers 404 for an unknown resume_id', async () => {
      const res = await match(alice, covered.id, crypto.randomUUID());
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error).toBe('not_found');
    });

    it("answers 404 for another user's resume_id, as for one that does not exist", async () => {
      const res = await match(await newUser(), covered.id, aliceResume.id);
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error).toBe('not_found');
    });

    it('answers 404 when the user has no resume at all', async () => {
      const res = await match(await newUser(), covered.id);
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error).toBe('not_found');
    });

    it('answers 401 without a token', async () => {
      const res = await app.request(`/api/jobs/${covered.id}/match`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as ErrorBody).error).toBe('missing_or_invalid_authorization');
    });

    it('answers 400 for an id that is not a positive integer', async () => {
      const res = await match(alice, 'abc');
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error).toBe('validation_error');
    });
  });

  describe('GET /api/jobs/recommended', () => {
    const recommended = async (headers: Record<string, string>, query = '') =>
      app.request(`/api/jobs/recommended${query}`, { headers });

    beforeAll(async () => {
      const summary = await importNdjson(
        board.map(({ title, description }, i) => ({
          title,
          description,
          company: `Board Co ${i}`,
          location: 'Lisbon, Portugal',
          job_type: 'full-time',
          source: 'board',
          external_id: `board-${i}`,
        })),
      );
      expect(summary).toMatchObject({ created: board.length, failed: [] });
      expect((await background.settle()).every((o) => o.ok)).toBe(true);
      const ids = await importedIds(db.database, 'board');
      board.forEach((job, i) => {
        kindOf.set(ids.get(`board-${i}`)!, job.kind);
      });
    });

    it('ranks software jobs first for the software resume, the top three with non-increasing scores', async () => {
      const res = await recommended(alice, '?limit=10');
      expect(res.status).toBe(200);
      const { jobs } = (await res.json()) as RecommendedBody;
      const top = jobs.slice(0, 3);
      expect(
        top.map((j) => kindOf.get(j.id)),
        JSON.stringify(jobs),
      ).toEqual(['software', 'software', 'software']);
      for (let i = 1; i < top.length; i++) expect(top[i]!.score).toBeLessThanOrEqual(top[i - 1]!.score);
      expect(top[0]!.score).toBeGreaterThanOrEqual(80);
      // The other occupations, when listed at all, come after every software job and score 0.
      const firstOther = jobs.findIndex((j) => kindOf.get(j.id) !== 'software');
      if (firstOther >= 0) {
        expect(jobs.slice(firstOther).every((j) => kindOf.get(j.id) !== 'software')).toBe(true);
        expect(jobs.slice(firstOther).every((j) => j.score === 0)).toBe(true);
      }
    });

    it('returns at most `limit` jobs', async () => {
      const { jobs } = (await (await recommended(alice, '?limit=2')).json()) as RecommendedBody;
      expect(jobs).toHaveLength(2);
    });

    it('answers 400 for limit 0 and for limit 51', async () => {
      for (const limit of [0, 51]) {
        const res = await recommended(alice, `?limit=${limit}`);
        expect(res.status).toBe(400);
        expect(((await res.json()) as ErrorBody).error).toBe('validation_error');
      }
    });

    it('answers 404 without a default resume', async () => {
      const res = await recommended(await newUser());
      expect(res.status).toBe(404);
      expect(((await res.json()) as ErrorBody).error).toBe('not_found');
    });

    it('never lists a deactivated job', async () => {
      const before = (await (await recommended(alice, '?limit=50')).json()) as RecommendedBody;
      const best = before.jobs[0]!;
      await deactivate(best.id);
      await background.settle();
      const after = (await (await recommended(alice, '?limit=50')).json()) as RecommendedBody;
      expect(after.jobs.map((j) => j.id)).not.toContain(best.id);
      expect(after.jobs.length).toBeGreaterThan(0);
    });
  });

  describe('POST /api/jobs/import', () => {
    it('reads the skills of imported jobs in the background', async () => {
      const rows = [
        { ...pythonJob, source: 'import-test', external_id: 'py-1' },
        { ...nurseJob, source: 'import-test', external_id: 'rn-1' },
        {
          title: 'Sales Representative',
          company: 'Sales Co',
          location: 'Remote',
          job_type: 'full-time',
          description: board.find((job) => job.title === 'Sales Representative')!.description,
          source: 'import-test',
          external_id: 'sales-1',
        },
      ];
      expect(await importNdjson(rows)).toMatchObject({ created: 3, failed: [] });
      const outcomes = await background.settle();
      expect(outcomes.length).toBeGreaterThan(0);
      expect(outcomes.every((o) => o.ok)).toBe(true);

      const ids = await importedIds(db.database, 'import-test');
      const skillsOf = async (externalId: string) =>
        names(
          (
            (await (
              await app.request(`/api/jobs/${ids.get(externalId)}`, { headers: alice })
            ).json()) as JobBody
          ).skills,
        );
      expect(await skillsOf('py-1')).toEqual(
        expect.arrayContaining(['Python (computer programming)', 'Django']),
      );
      expect(await skillsOf('rn-1')).toContain('carry out wound care');
      expect((await skillsOf('sales-1')).length).toBeGreaterThan(0);
      const { jobs } = db.database.tables;
      const statuses = await db.database.db
        .select({ status: jobs.skillsStatus })
        .from(jobs)
        .where(eq(jobs.source, 'import-test'));
      expect(statuses.map((s) => s.status)).toEqual(['complete', 'complete', 'complete']);
      for (const [externalId, id] of ids) kindOf.set(id, externalId.startsWith('py') ? 'software' : 'other');
    });
  });

  describe('GET /api/skills/search', () => {
    const search = async (query: string, headers = alice) => {
      const res = await app.request(`/api/skills/search${query}`, { headers });
      return { status: res.status, body: (await res.json()) as SkillSearchBody & ErrorBody };
    };
    const top3 = async (q: string) => {
      const { status, body } = await search(`?q=${encodeURIComponent(q)}&limit=3`);
      expect(status).toBe(200);
      return names(body.skills);
    };

    it('answers {id, name, type, score}, best first', async () => {
      const { status, body } = await search('?q=javascript');
      expect(status).toBe(200);
      expect(body.skills.length).toBe(10);
      expect(body.skills[0]).toEqual({
        id: expect.stringMatching(/^esco:/),
        name: 'JavaScript',
        type: 'technology',
        score: expect.any(Number),
      });
      const scores = body.skills.map((s) => s.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    });

    it('has JavaScript in the top 3 for "javascript" and for "java script"', async () => {
      expect(await top3('javascript')).toContain('JavaScript');
      expect(await top3('java script')).toContain('JavaScript');
    });

    // The hashing embedder compares spelling: "JS" is found through the exact alias, first.
    it('has JavaScript in the top 3 for "JS"', async () => {
      expect(await top3('JS')).toContain('JavaScript');
    });

    it('finds Kubernetes for "kubernetes"', async () => {
      expect((await top3('kubernetes'))[0]).toBe('Kubernetes');
    });

    it('returns at most `limit` skills', async () => {
      const { body } = await search('?q=python&limit=2');
      expect(body.skills).toHaveLength(2);
    });

    it('answers 400 when q is missing or empty', async () => {
      for (const query of ['', '?q=', '?q=%20%20', '?limit=3']) {
        const { status, body } = await search(query);
        expect(status, query).toBe(400);
        expect(body.error).toBe('validation_error');
      }
    });

    it('answers 401 without a token', async () => {
      const { status, body } = await search('?q=python', {});
      expect(status).toBe(401);
      expect(body.error).toBe('missing_or_invalid_authorization');
    });
  });

  describe('without a skills service', () => {
    let bare: ReturnType<typeof createTestApp>;
    beforeAll(() => {
      bare = createTestApp({ database: db.database, auth0 });
    });

    it('still stores an upload, with no skills', async () => {
      const user = await newUser();
      const { resume_id, skills } = await uploadOk(user, softwareResume, bare);
      expect(skills).toEqual([]);
      expect((await getResume(user, resume_id, bare)).skills).toEqual([]);
      expect(await resumeStatus(resume_id)).toBe('pending');
    });

    it('answers recommendations with 503 vector_store_unavailable', async () => {
      const res = await bare.request('/api/jobs/recommended', { headers: alice });
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error).toBe('vector_store_unavailable');
    });

    it('answers skill search with 503 vector_store_unavailable', async () => {
      const res = await bare.request('/api/skills/search?q=python', { headers: alice });
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error).toBe('vector_store_unavailable');
    });
  });

  /**
   * A story in steps, in order: a resume is read while the private Chroma answers, then Chroma
   * stops (the steps of the outage write records and check the answers), then it starts again on
   * the same folder and port and the backfill completes what was left partial.
   */
  describe('when Chroma goes down', () => {
    let downApp: ReturnType<typeof createTestApp>;
    let downSkills: SkillsService;
    let user: Record<string, string>;
    /** Uploaded while Chroma answered. */
    let beforeOutage: string;
    /** Written while Chroma was down, by the steps below. */
    const duringOutage = { resumeId: '', jobId: 0 };

    beforeAll(async () => {
      if (!privateChroma.server) await startPrivateChroma();
      downSkills = withOwnJobIndexes(
        privateService,
        privateChroma.vectors,
        privateSkillsCollection,
        jobIndexes('private', kind),
      );
      downApp = createTestApp({
        database: db.database,
        auth0,
        deps: { skills: downSkills, background: background.run },
      });
      user = await newUser();
      beforeOutage = (await uploadOk(user, designerEngineerResume, downApp)).resume_id;
      await privateChroma.server!.stop();
      privateChroma.server = undefined;
    });
    afterAll(async () => {
      // The next database's suite starts from a running Chroma, even after a failure here.
      if (!privateChroma.server) await startPrivateChroma();
    });

    it('had read, while Chroma answered, a skill only the vector step finds', async () => {
      expect(names((await getResume(user, beforeOutage, downApp)).skills)).toEqual(
        expect.arrayContaining(['Adobe Illustrator', 'Python (computer programming)']),
      );
      expect(await resumeStatus(beforeOutage)).toBe('complete');
    });

    it('still stores an upload with the exact-label skills, marked partial', async () => {
      const { resume_id } = await uploadOk(user, designerEngineerResume, downApp);
      const skills = names((await getResume(user, resume_id, downApp)).skills);
      expect(skills).toEqual(expect.arrayContaining(obviousSkills));
      expect(skills).not.toContain('Adobe Illustrator');
      expect(await resumeStatus(resume_id)).toBe('partial');
      duringOutage.resumeId = resume_id;
    });

    it('still creates a job with its skills, marked partial', async () => {
      const job = await createJob(pythonJob, 'software', downApp);
      expect(names(job.skills)).toEqual(expect.arrayContaining(['Python (computer programming)', 'Django']));
      expect(await jobStatus(job.id)).toBe('partial');
      duringOutage.jobId = job.id;
    });

    it('answers skill search with 503 vector_store_unavailable', async () => {
      const res = await downApp.request('/api/skills/search?q=python', { headers: user });
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error).toBe('vector_store_unavailable');
    });

    it('answers recommendations with 503 vector_store_unavailable', async () => {
      const res = await downApp.request('/api/jobs/recommended', { headers: user });
      expect(res.status).toBe(503);
      expect(((await res.json()) as ErrorBody).error).toBe('vector_store_unavailable');
    });

    it('says vector_store "down" on /api/health', async () => {
      const res = await downApp.request('/api/health');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: 'ok',
        checks: { database: 'ok', vector_store: 'down' },
      });
    });

    it('completes the partial records with the backfill once Chroma is back on the same folder and port', async () => {
      await startPrivateChroma();
      const result = await createSkillsBackfill({
        skills: downSkills,
        store: createSkillStore(db.database),
        logger: silentLogger,
      }).run();
      expect(result.partial).toBe(0);
      expect(await resumeStatus(duringOutage.resumeId)).toBe('complete');
      expect(await jobStatus(duringOutage.jobId)).toBe('complete');
      expect(names((await getResume(user, duringOutage.resumeId, downApp)).skills)).toContain(
        'Adobe Illustrator',
      );
      // The plain report is reused for a few seconds; `deep=1` probes now.
      const health = await downApp.request('/api/health?deep=1');
      expect(await health.json()).toMatchObject({ checks: { vector_store: 'ok' } });
    });
  });
});
