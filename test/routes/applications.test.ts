import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApplicationStore } from '../../src/db/applications';
import { createJobStore, type NewJob } from '../../src/db/jobs';
import { createResumeStore } from '../../src/db/resumes';
import { createSkillStore } from '../../src/db/skills';
import { statsDefinition } from '../../src/services/applications/stats';
import { type ApplicationStatus, describeTransitions } from '../../src/services/applications/transitions';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import type {
  ApplicationBody,
  ApplicationDetailBody,
  ApplicationListBody,
  ErrorBody,
} from '../support/contract';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';
import { type DeepSeekStandIn, standInApiKey, startDeepSeekStandIn } from '../support/deepseek-standin';

/**
 * Application tracking end to end on each database: every route with its bad inputs and another
 * user's access, the status moves (and the 409s), the timeline, the stats on a set made through
 * the store with chosen times, the CSV export, a posting deleted from the board, and chat grounded
 * in an application (the DeepSeek stand-in records the prompt).
 */

const posting = (over: Partial<NewJob> = {}): NewJob => ({
  title: 'Backend Engineer',
  company: 'Blue Fin Labs',
  location: 'Lisbon, Portugal',
  jobType: 'full-time',
  description: 'Python services on Kubernetes.',
  source: null,
  externalId: null,
  url: 'https://jobs.example.com/backend',
  salaryMin: null,
  salaryMax: null,
  currency: null,
  remote: false,
  ...over,
});

const outside = {
  title: 'Data Engineer',
  company: 'Numbers & Co',
  url: 'https://careers.example.org/data-engineer',
  location: 'London, UK',
  description: 'Pipelines in Python.',
};

/** Never the same millisecond twice: orders by updated_at are then the order things happened in. */
function monotonicClock() {
  let last = 0;
  return {
    now() {
      last = Math.max(Date.now(), last + 1);
      return new Date(last);
    },
  };
}

describe.each(databaseKinds)('applications on %s', (kind) => {
  let auth0: Auth0StandIn;
  let deepseek: DeepSeekStandIn;
  let db: TestDatabase;
  let app: ReturnType<typeof createTestApp>;
  let writer: Record<string, string>;
  let n = 0;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    deepseek = await startDeepSeekStandIn();
    db = await createTestDatabase(kind);
    app = createTestApp({
      database: db.database,
      auth0,
      env: { DEEPSEEK_API_KEY: standInApiKey, DEEPSEEK_BASE_URL: deepseek.baseUrl },
      deps: { clock: monotonicClock() },
    });
    writer = bearer(await auth0.sign({ sub: `auth0|apps-writer-${kind}`, permissions: ['write:jobs'] }));
  });
  afterAll(async () => {
    await db.dispose();
    await deepseek.close();
    await auth0.close();
  });
  beforeEach(() => {
    deepseek.setScript({ kind: 'stream', deltas: ['Noted.'] });
  });

  /** A new user: their headers and their id (the first /api/me creates the row). */
  async function newUser() {
    const headers = bearer(await auth0.sign({ sub: `auth0|apps-${kind}-${n++}`, email: 'a@example.com' }));
    const me = (await (await app.request('/api/me', { headers })).json()) as { id: number };
    return { headers, id: me.id };
  }

  /** A resume of the user's with known skills (Python, SQL), made through the store. */
  async function resumeOf(userId: number, name = 'cv.txt') {
    const id = crypto.randomUUID();
    await createResumeStore(db.database).create(
      {
        id,
        userId,
        filename: name,
        contentType: 'text/plain',
        sizeBytes: 40,
        bucket: 'local',
        storageKey: `resumes/${userId}/${id}.txt`,
        text: 'Ana Lima. Python and SQL developer.',
        chunks: [{ index: 0, section: null, content: 'Ana Lima. Python and SQL developer.' }],
        skills: [
          {
            skillId: 's-python',
            name: 'Python',
            type: 'skill',
            score: 0.9,
            method: 'label',
            evidence: 'Python',
          },
          { skillId: 's-sql', name: 'SQL', type: 'skill', score: 0.8, method: 'label', evidence: 'SQL' },
        ],
        skillsStatus: 'complete',
      },
      new Date(),
    );
    return id;
  }

  /** A posting on the board asking for Python and Kubernetes (weight 1 each). */
  async function boardJob(over: Partial<NewJob> = {}) {
    const job = await createJobStore(db.database).create(posting(over), new Date());
    await createSkillStore(db.database).replaceJobSkills([
      {
        jobId: job.id,
        status: 'complete',
        skills: [
          { skillId: 's-python', name: 'Python', type: 'skill', weight: 1 },
          { skillId: 's-k8s', name: 'Kubernetes', type: 'technology', weight: 1 },
        ],
      },
    ]);
    return job;
  }

  const send = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
    app.request(path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  async function json<T>(res: Response, status: number): Promise<T> {
    const text = await res.text();
    expect(res.status, text.slice(0, 500)).toBe(status);
    return JSON.parse(text) as T;
  }
  async function error(res: Response, status: number, code: string): Promise<ErrorBody> {
    const body = await json<ErrorBody>(res, status);
    expect(body.error).toBe(code);
    return body;
  }
  const create = async (headers: Record<string, string>, body: unknown) =>
    json<ApplicationBody>(await send('POST', '/api/applications', headers, body), 201);
  const detail = async (headers: Record<string, string>, id: string) =>
    json<ApplicationDetailBody>(await send('GET', `/api/applications/${id}`, headers), 200);
  const patch = (headers: Record<string, string>, id: string, body: unknown) =>
    send('PATCH', `/api/applications/${id}`, headers, body);
  const list = async (headers: Record<string, string>, query = '') =>
    json<ApplicationListBody>(await send('GET', `/api/applications${query}`, headers), 200);

  describe('POST /api/applications', () => {
    it('tracks a posting on the board: copies it, keeps a match snapshot with the default resume, records the initial status', async () => {
      const user = await newUser();
      const resumeId = await resumeOf(user.id);
      const job = await boardJob();
      const res = await send('POST', '/api/applications', user.headers, { job_id: job.id });
      const body = await json<ApplicationBody>(res, 201);
      expect(res.headers.get('location')).toBe(`/api/applications/${body.id}`);
      expect(body).toMatchObject({
        status: 'saved',
        job_id: job.id,
        title: 'Backend Engineer',
        company: 'Blue Fin Labs',
        url: 'https://jobs.example.com/backend',
        location: 'Lisbon, Portugal',
        resume_id: resumeId,
        notes: null,
        applied_at: null,
        next_action_at: null,
      });
      expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(body.match).toEqual({
        score: 50,
        matched_skills: [{ id: 's-python', name: 'Python', type: 'skill', match: 'exact' }],
        missing_skills: [{ id: 's-k8s', name: 'Kubernetes', type: 'technology' }],
      });
      const read = await detail(user.headers, body.id);
      expect(read.timeline).toEqual([{ type: 'status', at: body.created_at, from: null, to: 'saved' }]);
      expect(read.job).toEqual({
        id: job.id,
        title: 'Backend Engineer',
        company: 'Blue Fin Labs',
        is_active: true,
      });
    });

    it('tracks an outside posting with its own fields and no snapshot (no skills of it are known)', async () => {
      const user = await newUser();
      await resumeOf(user.id);
      const body = await create(user.headers, outside);
      expect(body).toMatchObject({
        job_id: null,
        title: 'Data Engineer',
        company: 'Numbers & Co',
        url: 'https://careers.example.org/data-engineer',
        location: 'London, UK',
        match: null,
      });
      expect((await detail(user.headers, body.id)).job).toBeNull();
    });

    it('uses the resume named, and none with resume_id null (no snapshot)', async () => {
      const user = await newUser();
      await resumeOf(user.id, 'default.txt');
      const second = await resumeOf(user.id, 'second.txt');
      const job = await boardJob();
      expect((await create(user.headers, { job_id: job.id, resume_id: second })).resume_id).toBe(second);
      const none = await create(user.headers, { job_id: job.id, resume_id: null });
      expect(none).toMatchObject({ resume_id: null, match: null });
    });

    it('keeps no snapshot for a user without a resume', async () => {
      const user = await newUser();
      const job = await boardJob();
      expect(await create(user.headers, { job_id: job.id })).toMatchObject({ resume_id: null, match: null });
    });

    it('sets applied_at to now when created as applied or later, and keeps one given', async () => {
      const user = await newUser();
      const before = Date.now();
      const applied = await create(user.headers, { ...outside, status: 'interviewing' });
      expect(Date.parse(applied.applied_at ?? '')).toBeGreaterThanOrEqual(before);
      const given = await create(user.headers, {
        ...outside,
        status: 'applied',
        applied_at: '2026-02-01T10:00:00+01:00',
        next_action_at: '2026-02-08T09:00:00Z',
        notes: 'Referred by Rui',
      });
      expect(given).toMatchObject({
        applied_at: '2026-02-01T09:00:00.000Z',
        next_action_at: '2026-02-08T09:00:00.000Z',
        notes: 'Referred by Rui',
      });
    });

    const tooLong = (n: number) => 'x'.repeat(n);
    it.each([
      ['neither job_id nor an outside posting', {}, ['title', 'company', 'url']],
      ['an outside posting without a url', { title: 'T', company: 'C' }, ['url']],
      ['job_id with a title', { job_id: 1, title: 'Mine' }, ['title']],
      ['a title over 200 characters', { ...outside, title: tooLong(201) }, ['title']],
      ['a company over 200 characters', { ...outside, company: tooLong(201) }, ['company']],
      ['notes over 10,000 characters', { ...outside, notes: tooLong(10_001) }, ['notes']],
      ['a javascript: url', { ...outside, url: 'javascript:alert(1)' }, ['url']],
      ['an ftp url', { ...outside, url: 'ftp://example.com/job' }, ['url']],
      ['an unknown status', { ...outside, status: 'hired' }, ['status']],
      ['applied_at with status saved', { ...outside, applied_at: '2026-01-01T00:00:00Z' }, ['applied_at']],
      [
        'applied_at that is not a time',
        { ...outside, status: 'applied', applied_at: 'yesterday' },
        ['applied_at'],
      ],
      [
        'next_action_at without a zone',
        { ...outside, next_action_at: '2026-01-01T09:00:00' },
        ['next_action_at'],
      ],
      [
        'next_action_at in the year 1',
        { ...outside, next_action_at: '0001-01-01T00:00:00Z' },
        ['next_action_at'],
      ],
      ['a job_id of 0', { job_id: 0 }, ['job_id']],
      ['a job_id that is text', { job_id: '12' }, ['job_id']],
      ['a resume_id that is not a UUID', { ...outside, resume_id: '12' }, ['resume_id']],
      ['an unknown field', { ...outside, salary: 10 }, ['salary']],
      ['a NUL in the title', { ...outside, title: 'a\u0000b' }, ['title']],
    ])('answers 400 validation_error for %s', async (_name, body, fields) => {
      const user = await newUser();
      const res = await error(
        await send('POST', '/api/applications', user.headers, body),
        400,
        'validation_error',
      );
      expect(Object.keys(res.details ?? {}).sort()).toEqual([...fields].sort());
      expect((await list(user.headers)).pagination.total).toBe(0);
    });

    it('answers 400 for malformed JSON', async () => {
      const user = await newUser();
      await error(
        await send('POST', '/api/applications', user.headers, '{"job_id": '),
        400,
        'validation_error',
      );
    });

    it('answers 404 for a job not on the board: unknown or deleted', async () => {
      const user = await newUser();
      await error(
        await send('POST', '/api/applications', user.headers, { job_id: 2_000_000_000 }),
        404,
        'not_found',
      );
      const gone = await boardJob();
      await createJobStore(db.database).deactivate(gone.id, new Date());
      await error(
        await send('POST', '/api/applications', user.headers, { job_id: gone.id }),
        404,
        'not_found',
      );
    });

    it('answers 404 for a resume that is not the caller’s', async () => {
      const owner = await newUser();
      const theirs = await resumeOf(owner.id);
      const user = await newUser();
      for (const resume_id of [theirs, crypto.randomUUID()]) {
        await error(
          await send('POST', '/api/applications', user.headers, { ...outside, resume_id }),
          404,
          'not_found',
        );
      }
      expect((await list(user.headers)).pagination.total).toBe(0);
    });

    it('needs a token', async () => {
      await error(
        await send('POST', '/api/applications', {}, outside),
        401,
        'missing_or_invalid_authorization',
      );
    });
  });

  describe('bodies over the JSON limit', () => {
    it.each([
      ['POST /api/applications', 'POST', () => '/api/applications'],
      ['PATCH /api/applications/:id', 'PATCH', (id: string) => `/api/applications/${id}`],
      ['POST /api/applications/:id/events', 'POST', (id: string) => `/api/applications/${id}/events`],
    ] as const)('%s answers 413 payload_too_large', async (_route, method, path) => {
      const user = await newUser();
      const made = await json<ApplicationBody>(
        await send('POST', '/api/applications', user.headers, {
          title: 'Baker',
          company: 'Crumb Co',
          url: 'https://jobs.example.com/baker',
        }),
        201,
      );
      const res = await send(method, path(made.id), user.headers, { notes: 'x'.repeat(1024 * 1024 + 10) });
      await error(res, 413, 'payload_too_large');
    });
  });

  describe('another user’s application answers exactly as a missing one', () => {
    it.each([
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['POST', '/events'],
    ])('%s /api/applications/:id%s is 404 for another user and for an unknown id', async (method, suffix) => {
      const owner = await newUser();
      const other = await newUser();
      const { id } = await create(owner.headers, outside);
      const body =
        method === 'PATCH'
          ? { notes: 'mine now' }
          : method === 'POST'
            ? { type: 'note', text: 'hi' }
            : undefined;
      const theirs = await error(
        await send(method, `/api/applications/${id}${suffix}`, other.headers, body),
        404,
        'not_found',
      );
      const missing = await error(
        await send(method, `/api/applications/${crypto.randomUUID()}${suffix}`, other.headers, body),
        404,
        'not_found',
      );
      expect(theirs).toEqual(missing);
      const after = await detail(owner.headers, id);
      expect(after).toMatchObject({ notes: null });
      expect(after.timeline).toHaveLength(1);
    });

    it('lists, counts and exports only the caller’s own applications', async () => {
      const owner = await newUser();
      const other = await newUser();
      await create(owner.headers, outside);
      expect((await list(other.headers)).applications).toEqual([]);
      const stats = await json<{ by_status: Record<string, number> }>(
        await send('GET', '/api/applications/stats', other.headers),
        200,
      );
      expect(Object.values(stats.by_status).every((count) => count === 0)).toBe(true);
      const csv = await (await send('GET', '/api/applications/export', other.headers)).text();
      expect(csv.split('\r\n').filter(Boolean)).toHaveLength(1);
    });

    it('answers 400 for an id that is not a UUID', async () => {
      const user = await newUser();
      const body = await error(
        await send('GET', '/api/applications/12', user.headers),
        400,
        'validation_error',
      );
      expect(Object.keys(body.details ?? {})).toEqual(['id']);
    });
  });

  describe('PATCH /api/applications/:id: status moves and the timeline', () => {
    it('records every move in the timeline, oldest first, from saved to accepted', async () => {
      const user = await newUser();
      const { id } = await create(user.headers, outside);
      for (const status of ['applied', 'interviewing', 'offer', 'accepted']) {
        expect((await json<ApplicationBody>(await patch(user.headers, id, { status }), 200)).status).toBe(
          status,
        );
      }
      const read = await detail(user.headers, id);
      expect(read.timeline.map((e) => [e.type, e.from, e.to])).toEqual([
        ['status', null, 'saved'],
        ['status', 'saved', 'applied'],
        ['status', 'applied', 'interviewing'],
        ['status', 'interviewing', 'offer'],
        ['status', 'offer', 'accepted'],
      ]);
      const times = read.timeline.map((e) => Date.parse(e.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(read.updated_at).toBe(read.timeline.at(-1)?.at);
    });

    it('sets applied_at on the first move to applied or later and never moves it after', async () => {
      const user = await newUser();
      const { id } = await create(user.headers, outside);
      const interviewing = await json<ApplicationBody>(
        await patch(user.headers, id, { status: 'interviewing' }),
        200,
      );
      expect(interviewing.applied_at).toBe(interviewing.updated_at);
      const offer = await json<ApplicationBody>(await patch(user.headers, id, { status: 'offer' }), 200);
      expect(offer.applied_at).toBe(interviewing.applied_at);
    });

    it('does not set applied_at when a saved application is withdrawn', async () => {
      const user = await newUser();
      const { id } = await create(user.headers, outside);
      expect(
        (await json<ApplicationBody>(await patch(user.headers, id, { status: 'withdrawn' }), 200)).applied_at,
      ).toBeNull();
    });

    it.each([
      ['saved', ['offer']],
      ['saved', ['accepted']],
      ['saved', ['rejected']],
      ['interviewing', ['applied']],
      ['interviewing', ['saved']],
      ['offer', ['interviewing']],
      ['applied', ['accepted']],
      ['accepted', ['withdrawn']],
      ['rejected', ['saved']],
      ['withdrawn', ['saved']],
      ['withdrawn', ['interviewing']],
    ])('answers 409 conflict for %s -> %s and changes nothing', async (from, [to]) => {
      const user = await newUser();
      const paths: Record<string, string[]> = {
        saved: [],
        applied: ['applied'],
        interviewing: ['interviewing'],
        offer: ['applied', 'offer'],
        accepted: ['applied', 'offer', 'accepted'],
        rejected: ['applied', 'rejected'],
        withdrawn: ['withdrawn'],
      };
      const { id } = await create(user.headers, outside);
      for (const status of paths[from] ?? []) await json(await patch(user.headers, id, { status }), 200);
      const before = await detail(user.headers, id);
      const body = await error(
        await patch(user.headers, id, { status: to, notes: 'ignored' }),
        409,
        'conflict',
      );
      expect(body.message).toContain(from);
      expect(await detail(user.headers, id)).toEqual(before);
    });

    it.each([
      ['rejected', 'interviewing', ['applied', 'rejected']],
      ['withdrawn', 'applied', ['applied', 'withdrawn']],
    ])('lets a %s application come back as %s', async (_from, to, path) => {
      const user = await newUser();
      const { id } = await create(user.headers, outside);
      for (const status of path) await json(await patch(user.headers, id, { status }), 200);
      expect((await json<ApplicationBody>(await patch(user.headers, id, { status: to }), 200)).status).toBe(
        to,
      );
    });

    it('changes nothing and records nothing for the status the application already has', async () => {
      const user = await newUser();
      const created = await create(user.headers, outside);
      const same = await json<ApplicationBody>(
        await patch(user.headers, created.id, { status: 'saved' }),
        200,
      );
      expect(same).toEqual(created);
      expect((await detail(user.headers, created.id)).timeline).toHaveLength(1);
    });

    it('changes notes and the follow-up date (null clears them) without a timeline entry', async () => {
      const user = await newUser();
      const { id } = await create(user.headers, outside);
      const set = await json<ApplicationBody>(
        await patch(user.headers, id, { notes: 'Call Rui', next_action_at: '2026-05-01T08:00:00Z' }),
        200,
      );
      expect(set).toMatchObject({ notes: 'Call Rui', next_action_at: '2026-05-01T08:00:00.000Z' });
      const cleared = await json<ApplicationBody>(
        await patch(user.headers, id, { notes: null, next_action_at: null }),
        200,
      );
      expect(cleared).toMatchObject({ notes: null, next_action_at: null });
      expect(Date.parse(cleared.updated_at)).toBeGreaterThan(Date.parse(set.updated_at));
      expect((await detail(user.headers, id)).timeline).toHaveLength(1);
    });

    it('takes a new match snapshot with another resume, and none with resume_id null', async () => {
      const user = await newUser();
      const job = await boardJob();
      const { id } = await create(user.headers, { job_id: job.id, resume_id: null });
      const resumeId = await resumeOf(user.id);
      const withResume = await json<ApplicationBody>(
        await patch(user.headers, id, { resume_id: resumeId }),
        200,
      );
      expect(withResume).toMatchObject({ resume_id: resumeId, match: { score: 50 } });
      const without = await json<ApplicationBody>(await patch(user.headers, id, { resume_id: null }), 200);
      expect(without).toMatchObject({ resume_id: null, match: null });
    });

    it('answers 404 for a resume_id that is not the caller’s', async () => {
      const owner = await newUser();
      const theirs = await resumeOf(owner.id);
      const user = await newUser();
      const { id } = await create(user.headers, outside);
      await error(await patch(user.headers, id, { resume_id: theirs }), 404, 'not_found');
    });

    it.each([
      ['an empty body', {}, 'body'],
      ['an unknown status', { status: 'ghosted' }, 'status'],
      ['notes over 10,000 characters', { notes: 'x'.repeat(10_001) }, 'notes'],
      ['a follow-up that is not a time', { next_action_at: 'soon' }, 'next_action_at'],
      ['a field that cannot change', { title: 'Renamed' }, 'title'],
      ['a resume_id that is not a UUID', { resume_id: 'abc' }, 'resume_id'],
    ])('answers 400 validation_error for %s', async (_name, body, field) => {
      const user = await newUser();
      const { id } = await create(user.headers, outside);
      const res = await error(await patch(user.headers, id, body), 400, 'validation_error');
      expect(Object.keys(res.details ?? {})).toEqual([field]);
    });
  });

  describe('POST /api/applications/:id/events', () => {
    it('adds interviews, notes and contacts to the timeline in time order, and bumps updated_at', async () => {
      const user = await newUser();
      const created = await create(user.headers, outside);
      const res = await send('POST', `/api/applications/${created.id}/events`, user.headers, {
        type: 'interview',
        at: '2030-03-03T14:00:00Z',
        text: 'Technical interview with the platform team',
      });
      expect(await json(res, 201)).toEqual({
        type: 'interview',
        at: '2030-03-03T14:00:00.000Z',
        text: 'Technical interview with the platform team',
      });
      const contact = await json<ApplicationDetailBody['timeline'][number]>(
        await send('POST', `/api/applications/${created.id}/events`, user.headers, {
          type: 'contact',
          text: 'Emailed Rui',
        }),
        201,
      );
      const read = await detail(user.headers, created.id);
      expect(read.timeline.map((e) => e.type)).toEqual(['status', 'contact', 'interview']);
      expect(read.timeline[1]).toEqual(contact);
      expect(Date.parse(read.updated_at)).toBeGreaterThan(Date.parse(created.updated_at));
    });

    it.each([
      ['an unknown type', { type: 'status', text: 'x' }, 'type'],
      ['no text', { type: 'note' }, 'text'],
      ['blank text', { type: 'note', text: '   ' }, 'text'],
      ['text over 5,000 characters', { type: 'note', text: 'x'.repeat(5_001) }, 'text'],
      ['a time that is not one', { type: 'note', text: 'x', at: '31/12/2026' }, 'at'],
    ])('answers 400 validation_error for %s', async (_name, body, field) => {
      const user = await newUser();
      const { id } = await create(user.headers, outside);
      const res = await error(
        await send('POST', `/api/applications/${id}/events`, user.headers, body),
        400,
        'validation_error',
      );
      expect(Object.keys(res.details ?? {})).toEqual([field]);
    });
  });

  describe('DELETE /api/applications/:id', () => {
    it('deletes the application and its timeline', async () => {
      const user = await newUser();
      const { id } = await create(user.headers, outside);
      await json(await patch(user.headers, id, { status: 'applied' }), 200);
      const res = await send('DELETE', `/api/applications/${id}`, user.headers);
      expect(res.status).toBe(204);
      await error(await send('GET', `/api/applications/${id}`, user.headers), 404, 'not_found');
      await error(await send('DELETE', `/api/applications/${id}`, user.headers), 404, 'not_found');
      expect(await createApplicationStore(db.database).timeline(id)).toEqual([]);
    });
  });

  describe('a posting that leaves the board, a resume that is deleted', () => {
    it('keeps the application with the posting as it was copied; the job shows as inactive', async () => {
      const user = await newUser();
      const job = await boardJob({ title: 'Site Reliability Engineer' });
      const { id } = await create(user.headers, { job_id: job.id });
      expect((await send('DELETE', `/api/jobs/${job.id}`, writer)).status).toBe(204);
      const read = await detail(user.headers, id);
      expect(read).toMatchObject({
        job_id: job.id,
        title: 'Site Reliability Engineer',
        company: 'Blue Fin Labs',
      });
      expect(read.job).toEqual({
        id: job.id,
        title: 'Site Reliability Engineer',
        company: 'Blue Fin Labs',
        is_active: false,
      });
      expect((await list(user.headers)).applications.map((a) => a.id)).toEqual([id]);
    });

    it('shows job null once the posting’s row is gone', async () => {
      const user = await newUser();
      const job = await boardJob();
      const { id } = await create(user.headers, { job_id: job.id });
      const { jobs } = db.database.tables;
      await db.database.db.delete(jobs).where(sql`${jobs.id} = ${job.id}`);
      const read = await detail(user.headers, id);
      expect(read).toMatchObject({ job_id: job.id, title: 'Backend Engineer', job: null });
    });

    it('keeps the application with resume_id null when its resume is deleted', async () => {
      const user = await newUser();
      const resumeId = await resumeOf(user.id);
      const { id } = await create(user.headers, outside);
      expect((await send('DELETE', `/api/resumes/${resumeId}`, user.headers)).status).toBe(204);
      expect((await detail(user.headers, id)).resume_id).toBeNull();
    });
  });

  describe('GET /api/applications', () => {
    let user: Awaited<ReturnType<typeof newUser>>;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      user = await newUser();
      // Made in this order; each later one is changed later, so `updated` lists them backwards.
      const made: [string, Record<string, unknown>][] = [
        [
          'zurich',
          {
            ...outside,
            title: 'Platform Engineer',
            company: 'ZÜRICH Insurance',
            status: 'applied',
            applied_at: '2026-01-10T00:00:00Z',
            next_action_at: '2026-02-01T00:00:00Z',
          },
        ],
        [
          'lisbon',
          {
            ...outside,
            title: 'Backend Engineer',
            company: 'Lisboa Labs',
            status: 'applied',
            applied_at: '2026-01-20T00:00:00Z',
            next_action_at: '2026-01-15T00:00:00Z',
          },
        ],
        [
          'saved',
          { ...outside, title: 'Nurse', company: 'Saint Mary', next_action_at: '2026-03-01T00:00:00Z' },
        ],
        [
          'percent',
          {
            ...outside,
            title: '100% Remote_Dev',
            company: 'Pct',
            status: 'interviewing',
            applied_at: '2026-01-05T00:00:00Z',
          },
        ],
      ];
      for (const [key, body] of made) ids[key] = (await create(user.headers, body)).id;
    });

    const listed = async (query: string) => (await list(user.headers, query)).applications.map((a) => a.id);

    it('lists newest change first by default, with the jobs pagination block', async () => {
      const body = await list(user.headers, '?limit=3');
      expect(body.applications.map((a) => a.id)).toEqual([ids.percent, ids.saved, ids.lisbon]);
      expect(body.pagination).toEqual({
        total: 4,
        current_page: 1,
        total_pages: 2,
        has_next: true,
        has_prev: false,
      });
      const second = await list(user.headers, '?limit=3&page=2');
      expect(second.applications.map((a) => a.id)).toEqual([ids.zurich]);
      expect(second.pagination).toMatchObject({ has_next: false, has_prev: true });
      expect((await list(user.headers, '?page=9')).applications).toEqual([]);
    });

    it('sorts by applied_at: newest first, never applied last', async () => {
      expect(await listed('?sort=applied')).toEqual([ids.lisbon, ids.zurich, ids.percent, ids.saved]);
    });

    it('sorts by next action: soonest first, none last', async () => {
      expect(await listed('?sort=next_action')).toEqual([ids.lisbon, ids.zurich, ids.saved, ids.percent]);
    });

    it('filters by status', async () => {
      expect(await listed('?status=applied')).toEqual([ids.lisbon, ids.zurich]);
    });

    it('filters the follow-ups due by a time (next_action_at at or before it)', async () => {
      expect(
        await listed(`?due_before=${encodeURIComponent('2026-02-01T00:00:00Z')}&sort=next_action`),
      ).toEqual([ids.lisbon, ids.zurich]);
    });

    it('finds a substring of the title or the company in any case (also outside ASCII), % and _ as text', async () => {
      expect(await listed(`?q=${encodeURIComponent('zürich')}`)).toEqual([ids.zurich]);
      expect(await listed('?q=ENGINEER&sort=applied')).toEqual([ids.lisbon, ids.zurich]);
      expect(await listed('?q=lisboa')).toEqual([ids.lisbon]);
      expect(await listed(`?q=${encodeURIComponent('0% remote_')}`)).toEqual([ids.percent]);
      expect(await listed(`?q=${encodeURIComponent('%')}`)).toEqual([ids.percent]);
      expect(await listed('?q=nothing-like-it')).toEqual([]);
    });

    it.each([
      ['status=hired', 'status'],
      ['sort=newest', 'sort'],
      ['due_before=tomorrow', 'due_before'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['page=0', 'page'],
      [`q=${encodeURIComponent('a\nb')}`, 'q'],
      [`q=${'x'.repeat(201)}`, 'q'],
    ])('answers 400 validation_error for %s', async (query, field) => {
      const res = await error(
        await send('GET', `/api/applications?${query}`, user.headers),
        400,
        'validation_error',
      );
      expect(Object.keys(res.details ?? {})).toEqual([field]);
    });
  });

  describe('GET /api/applications/stats', () => {
    it('answers every status, null rates and no months before anything is tracked', async () => {
      const user = await newUser();
      const stats = await json(await send('GET', '/api/applications/stats', user.headers), 200);
      expect(stats).toEqual({
        by_status: {
          saved: 0,
          applied: 0,
          interviewing: 0,
          offer: 0,
          accepted: 0,
          rejected: 0,
          withdrawn: 0,
        },
        response_rate: null,
        median_days_to_response: null,
        by_month: [],
      });
    });

    it('counts a set made with known times', async () => {
      const user = await newUser();
      const store = createApplicationStore(db.database);
      const day = (iso: string) => new Date(`${iso}T12:00:00Z`);
      let k = 0;
      async function made(created: string, moves: [string, ApplicationStatus][], appliedAt?: string) {
        const id = crypto.randomUUID();
        await store.create(
          {
            id,
            userId: user.id,
            jobId: null,
            title: `Job ${k++}`,
            company: 'Acme',
            url: null,
            location: null,
            description: null,
            resumeId: null,
            status: appliedAt ? 'applied' : 'saved',
            match: null,
            notes: null,
            appliedAt: appliedAt ? day(appliedAt) : null,
            nextActionAt: null,
          },
          day(created),
        );
        let from: ApplicationStatus = appliedAt ? 'applied' : 'saved';
        let applied = appliedAt ? day(appliedAt) : null;
        for (const [when, to] of moves) {
          applied ??= to === 'withdrawn' ? null : day(when);
          const updated = await store.update(
            user.id,
            id,
            { status: { from, to, appliedAt: applied } },
            day(when),
          );
          expect(updated?.status).toBe(to);
          from = to;
        }
      }
      // Sent in January: answered after 4 and 10 days (then an offer), one rejected after 20, one never answered.
      await made('2026-01-01', [['2026-01-05', 'interviewing']], '2026-01-01');
      await made(
        '2026-01-02',
        [
          ['2026-01-12', 'interviewing'],
          ['2026-02-01', 'offer'],
        ],
        '2026-01-02',
      );
      await made('2026-01-03', [['2026-01-23', 'rejected']], '2026-01-03');
      await made('2026-01-04', [], '2026-01-04');
      // Answered after 2 days, withdrawn after: still a response.
      await made(
        '2026-01-05',
        [
          ['2026-01-07', 'interviewing'],
          ['2026-01-09', 'withdrawn'],
        ],
        '2026-01-05',
      );
      // Saved in January, sent in February, withdrawn without an answer.
      await made('2026-01-20', [
        ['2026-02-03', 'applied'],
        ['2026-02-10', 'withdrawn'],
      ]);
      // Saved and withdrawn without being sent: not in the rate.
      await made('2026-02-05', [['2026-02-06', 'withdrawn']]);
      await made('2026-03-01', []);

      const stats = await json(await send('GET', '/api/applications/stats', user.headers), 200);
      expect(stats).toEqual({
        by_status: {
          saved: 1,
          applied: 1,
          interviewing: 1,
          offer: 1,
          accepted: 0,
          rejected: 1,
          withdrawn: 3,
        },
        response_rate: 0.6667,
        median_days_to_response: 7,
        by_month: [
          { month: '2026-01', created: 6, applied: 5, responses: 4 },
          { month: '2026-02', created: 1, applied: 1, responses: 0 },
          { month: '2026-03', created: 1, applied: 0, responses: 0 },
        ],
      });
    });
  });

  describe('GET /api/applications/export', () => {
    it('answers CSV as an attachment: a header and one row per application, quoted as RFC 4180 says, formulas defused', async () => {
      const user = await newUser();
      const tricky = await create(user.headers, {
        title: '=HYPERLINK("http://evil.example","Click")',
        company: 'Smith, Jones & "Partners"',
        url: 'https://example.com/a',
        location: '@Lisbon',
        notes: 'line one\nline two',
      });
      await create(user.headers, { ...outside, title: '+44 Engineer', company: '-Minus Co' });
      const res = await send('GET', '/api/applications/export', user.headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="applications.csv"');
      const text = await res.text();
      const lines = text.split('\r\n');
      expect(lines[0]).toBe(
        'id,status,title,company,location,url,job_id,resume_id,match_score,matched_skills,missing_skills,applied_at,next_action_at,notes,created_at,updated_at',
      );
      expect(text.endsWith('\r\n')).toBe(true);
      expect(lines[1]).toBe(
        `${tricky.id},saved,"'=HYPERLINK(""http://evil.example"",""Click"")","Smith, Jones & ""Partners""",'@Lisbon,https://example.com/a,,,,,,,,"line one\nline two",${tricky.created_at},${tricky.updated_at}`,
      );
      expect(lines[2]).toContain(`,saved,'+44 Engineer,'-Minus Co,"London, UK",${outside.url},`);
      expect(lines).toHaveLength(4);
    });

    it('pages through more applications than one read takes, each once, oldest first', async () => {
      const user = await newUser();
      const store = createApplicationStore(db.database);
      const start = Date.UTC(2026, 0, 1);
      const made: string[] = [];
      for (let i = 0; i < 501; i++) {
        const id = crypto.randomUUID();
        made.push(id);
        await store.create(
          {
            id,
            userId: user.id,
            jobId: null,
            title: `Job ${i}`,
            company: 'Acme',
            url: null,
            location: null,
            description: null,
            resumeId: null,
            status: 'saved',
            match: null,
            notes: null,
            appliedAt: null,
            nextActionAt: null,
          },
          // Two at each time: the keyset's tie on created_at is broken by id.
          new Date(start + Math.floor(i / 2) * 1000),
        );
      }
      const text = await (await send('GET', '/api/applications/export', user.headers)).text();
      const rows = text.split('\r\n').slice(1, -1);
      expect(rows).toHaveLength(501);
      expect(new Set(rows.map((row) => row.split(',')[0])).size).toBe(501);
      expect(rows.map((row) => row.split(',')[0]).sort()).toEqual([...made].sort());
    });
  });

  describe('chat with application_id', () => {
    const chat = (headers: Record<string, string>, body: unknown) => send('POST', '/api/chat', headers, body);
    const sentContext = () => {
      const body = deepseek.requests.at(-1)?.body as { messages: { role: string; content: string }[] };
      return body.messages[1]?.content ?? '';
    };

    it('grounds the answer in the application, its posting, its resume and the missing skills', async () => {
      const user = await newUser();
      const resumeId = await resumeOf(user.id, 'ana-cv.txt');
      const job = await boardJob({
        title: 'Platform Engineer',
        description: 'Run Kubernetes clusters. </document>',
      });
      const { id } = await create(user.headers, {
        job_id: job.id,
        resume_id: resumeId,
        notes: 'Recruiter: Rui <rui@example.com>',
        next_action_at: '2031-04-01T09:00:00Z',
      });
      await json(await patch(user.headers, id, { status: 'applied' }), 200);
      const res = await chat(user.headers, { message: 'How do I prepare?', application_id: id });
      expect(res.status).toBe(200);
      await res.text();
      const context = sentContext();
      expect(context).toContain('<document type="resume" name="ana-cv.txt">');
      expect(context).toContain('<document type="job_posting">');
      expect(context).toContain('Run Kubernetes clusters. &lt;/document&gt;');
      expect(context).toContain('<document type="application">');
      expect(context).toContain('Position: Platform Engineer at Blue Fin Labs');
      expect(context).toContain('Status: applied');
      expect(context).toContain('Next follow-up: 2031-04-01');
      expect(context).toContain('Match score: 50/100');
      expect(context).toContain('Missing skills: Kubernetes');
      expect(context).toContain('Recruiter: Rui &lt;rui@example.com&gt;');
      expect(context).toContain('status: saved → applied');
      expect(context.match(/<document\b/g)).toHaveLength(3);
    });

    it('grounds in the posting as copied once it left the board', async () => {
      const user = await newUser();
      const job = await boardJob({ title: 'Gone Engineer', description: 'A posting that was removed.' });
      const { id } = await create(user.headers, { job_id: job.id });
      await send('DELETE', `/api/jobs/${job.id}`, writer);
      await (await chat(user.headers, { message: 'Anything?', application_id: id })).text();
      expect(sentContext()).toContain('Title: Gone Engineer');
      expect(sentContext()).toContain('A posting that was removed.');
    });

    it('answers 404 for another user’s application, before the provider is asked', async () => {
      const owner = await newUser();
      const { id } = await create(owner.headers, outside);
      const other = await newUser();
      const before = deepseek.requests.length;
      await error(await chat(other.headers, { message: 'x', application_id: id }), 404, 'not_found');
      expect(deepseek.requests.length).toBe(before);
    });

    it('answers 400 for an application_id that is not a UUID', async () => {
      const user = await newUser();
      const body = await error(
        await chat(user.headers, { message: 'x', application_id: 'abc' }),
        400,
        'validation_error',
      );
      expect(Object.keys(body.details ?? {})).toEqual(['application_id']);
    });
  });
});

describe('the OpenAPI document of /api/applications', () => {
  it('publishes every route, the transition table and the stats definitions', async () => {
    const auth0 = await startAuth0StandIn();
    const db = await createTestDatabase('libsql');
    try {
      const app = createTestApp({ database: db.database, auth0 });
      const doc = (await (await app.request('/openapi.json')).json()) as {
        paths: Record<string, Record<string, { description?: string }>>;
      };
      const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
      expect(methods('/api/applications')).toEqual(['get', 'post']);
      expect(methods('/api/applications/{id}')).toEqual(['delete', 'get', 'patch']);
      expect(methods('/api/applications/{id}/events')).toEqual(['post']);
      expect(methods('/api/applications/stats')).toEqual(['get']);
      expect(methods('/api/applications/export')).toEqual(['get']);
      expect(doc.paths['/api/applications/{id}']?.patch?.description).toContain(describeTransitions());
      expect(doc.paths['/api/applications/stats']?.get?.description).toBe(statsDefinition);
      expect(Object.keys(doc.paths['/api/applications/export']?.get ?? {})).toContain('responses');
    } finally {
      await db.dispose();
      await auth0.close();
    }
  });
});
