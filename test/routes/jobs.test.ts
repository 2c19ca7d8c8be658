import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobStore, type NewJob } from '../../src/db/jobs';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import type { JobListBody } from '../support/contract';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';

const base: NewJob = {
  title: 'Software Engineer',
  company: 'Acme',
  location: 'Lisbon, Portugal',
  jobType: 'full-time',
  description: 'Build things.',
  source: null,
  externalId: null,
  url: null,
  salaryMin: null,
  salaryMax: null,
  currency: null,
  remote: false,
};

/** A small, known board: 12 jobs, created a minute apart (job 0 oldest). */
const fixtures: Partial<NewJob>[] = [
  {
    title: 'Senior Python Developer',
    company: 'Blue Fin Labs',
    location: 'Lisbon, Portugal',
    description: 'Python and Django services.',
  },
  {
    title: 'Registered Nurse',
    company: 'Saint Mary Hospital',
    location: 'Austin, TX',
    description: 'Patient care on a busy ward.',
  },
  {
    title: 'Data Analyst',
    company: 'Numbers & Co',
    location: 'London, UK',
    jobType: 'contract',
    description: 'SQL dashboards for developers.',
  },
  {
    title: 'Frontend Developers wanted',
    company: 'Pixel 100% Studio',
    location: 'Porto, Portugal',
    description: 'React and TypeScript.',
  },
  {
    title: 'Electrician',
    company: 'Spark_Works',
    location: 'Zürich, Switzerland',
    jobType: 'part-time',
    description: 'Wiring and repair.',
  },
  {
    title: 'Marketing Intern',
    company: 'Growth Garden',
    location: 'Lisbon, Portugal',
    jobType: 'internship',
    description: 'Campaigns, content and social media.',
  },
  {
    title: 'Backend Engineer',
    company: 'Blue Fin Labs',
    location: 'Remote',
    jobType: 'contract',
    description: 'Go services; a developer who likes databases.',
  },
  {
    title: 'Sales Representative',
    company: 'C:\\Tools Ltd',
    location: 'Berlin, Germany',
    description: 'Sell developer tools.',
  },
  {
    title: 'Warehouse Associate',
    company: 'Move It',
    location: 'lisbon, portugal',
    jobType: 'temporary',
    description: 'Seasonal picking and packing.',
  },
  {
    title: 'Python Data Engineer',
    company: 'Numbers & Co',
    location: 'London, UK',
    description: 'Pipelines in Python and Spark.',
  },
  {
    title: 'UX Designer',
    company: 'Pixel 100% Studio',
    location: 'Porto, Portugal',
    description: 'Design systems and research.',
  },
  {
    title: 'Developer Advocate',
    company: 'Open Source Org',
    location: 'Remote',
    description: 'Talk to developers; write developer docs. Python examples.',
  },
];

describe.each(databaseKinds)('jobs on %s', (kind) => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let app: ReturnType<typeof createTestApp>;
  let reader: Record<string, string>;
  let writer: Record<string, string>;
  const ids: number[] = [];
  const start = new Date('2026-01-01T00:00:00Z').getTime();

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase(kind);
    app = createTestApp({ database: db.database, auth0 });
    reader = bearer(await auth0.sign({ sub: 'auth0|reader' }));
    writer = bearer(await auth0.sign({ sub: 'auth0|writer', permissions: ['write:jobs'] }));
    const store = createJobStore(db.database);
    for (const [i, f] of fixtures.entries()) {
      const job = await store.create(
        { ...base, ...f, createdAt: new Date(start + i * 60_000) },
        new Date(start + i * 60_000),
      );
      ids.push(job.id);
    }
    // One inactive job that must never show.
    const hidden = await store.create(
      { ...base, title: 'Hidden Python Developer', createdAt: new Date(start + 99 * 60_000) },
      new Date(),
    );
    await store.deactivate(hidden.id, new Date());
    ids.push(hidden.id);
  });
  afterAll(async () => {
    await db.dispose();
    await auth0.close();
  });

  const list = async (query: string) => {
    const res = await app.request(`/api/jobs${query}`, { headers: reader });
    return {
      status: res.status,
      body: (await res.json()) as JobListBody & { error?: string; details?: Record<string, string[]> },
    };
  };
  const titles = (body: JobListBody) => body.jobs.map((j) => j.title);

  describe('listing and pagination', () => {
    it('lists active jobs newest first with the seed’s fields and block', async () => {
      const { status, body } = await list('');
      expect(status).toBe(200);
      expect(body.jobs).toHaveLength(10);
      expect(body.jobs[0]).toEqual({
        id: ids[11],
        title: 'Developer Advocate',
        company: 'Open Source Org',
        location: 'Remote',
        job_type: 'full-time',
        description: 'Talk to developers; write developer docs. Python examples.',
        created_at: new Date(start + 11 * 60_000).toISOString(),
      });
      expect(body.pagination).toEqual({
        total: 12,
        current_page: 1,
        total_pages: 2,
        has_next: true,
        has_prev: false,
      });
      expect(titles(body)).not.toContain('Hidden Python Developer');
    });

    it('answers the last page with the rest', async () => {
      const { body } = await list('?page=2');
      expect(titles(body)).toEqual(['Registered Nurse', 'Senior Python Developer']);
      expect(body.pagination).toEqual({
        total: 12,
        current_page: 2,
        total_pages: 2,
        has_next: false,
        has_prev: true,
      });
    });

    it('answers a page past the end with an empty list and the real totals', async () => {
      const { status, body } = await list('?page=9&limit=5');
      expect(status).toBe(200);
      expect(body.jobs).toEqual([]);
      expect(body.pagination).toEqual({
        total: 12,
        current_page: 9,
        total_pages: 3,
        has_next: false,
        has_prev: true,
      });
    });

    it('pages exactly when the total divides by the limit', async () => {
      const { body } = await list('?page=3&limit=4');
      expect(body.jobs).toHaveLength(4);
      expect(body.pagination).toMatchObject({ total_pages: 3, has_next: false, has_prev: true });
    });

    it.each([
      '?limit=0',
      '?limit=101',
      '?page=0',
      '?page=-1',
      '?limit=abc',
      '?page=1.5',
      '?job_type=freelance',
      '?sort=oldest',
    ])('answers 400 validation_error for %s', async (query) => {
      const { status, body } = await list(query);
      expect(status).toBe(400);
      expect(body.error).toBe('validation_error');
      expect(body.details).toBeDefined();
    });

    it('answers 400 for sort=relevance without q', async () => {
      const { status, body } = await list('?sort=relevance');
      expect(status).toBe(400);
      expect(body.details).toHaveProperty('sort');
    });

    it('needs a token', async () => {
      expect((await app.request('/api/jobs')).status).toBe(401);
    });
  });

  describe('keyset cursors', () => {
    type CursorList = JobListBody & { next_cursor: string | null };
    const page = async (query: string) => (await list(query)).body as CursorList;

    it('walks the whole list with next_cursor, the same rows as page by page', async () => {
      const byPage: number[] = [];
      for (let p = 1; p <= 3; p++) byPage.push(...(await page(`?limit=5&page=${p}`)).jobs.map((j) => j.id));
      const byCursor: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const body: CursorList = await page(`?limit=5${cursor ? `&cursor=${cursor}` : ''}`);
        byCursor.push(...body.jobs.map((j) => j.id));
        expect(body.pagination.total).toBe(12);
        cursor = body.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(byCursor).toEqual(byPage);
      expect(pages).toBe(3);
    });

    it('keeps filters across cursor pages', async () => {
      const first = await page('?limit=1&job_type=contract');
      const second = await page(`?limit=1&job_type=contract&cursor=${first.next_cursor}`);
      expect(second.jobs).toHaveLength(1);
      expect(second.jobs[0]?.job_type).toBe('contract');
      expect(second.jobs[0]?.id).not.toBe(first.jobs[0]?.id);
    });

    it('gives no next_cursor on the last page or with sort=relevance', async () => {
      expect((await page('?limit=100')).next_cursor).toBeNull();
      expect((await page('?q=python&sort=relevance&limit=1')).next_cursor).toBeNull();
    });

    it.each([
      ['?cursor=not-a-cursor', 'cursor'],
      [`?cursor=${btoa('1.x')}`, 'cursor'],
      ['?q=python&sort=relevance&cursor=MTcwMDAwMDAwMDAwMC41', 'cursor'],
      ['?page=2&cursor=MTcwMDAwMDAwMDAwMC41', 'cursor'],
    ])('answers 400 validation_error for %s', async (query, field) => {
      const { status, body } = await list(query);
      expect(status).toBe(400);
      expect(body.error).toBe('validation_error');
      expect(Object.keys(body.details ?? {})).toContain(field);
    });
  });

  describe('light on the wire', () => {
    it('leaves description out of each job with view=summary', async () => {
      const full = await list('?limit=3');
      const summary = await list('?limit=3&view=summary');
      expect(summary.status).toBe(200);
      expect(summary.body.jobs.map((j) => j.id)).toEqual(full.body.jobs.map((j) => j.id));
      expect(summary.body.jobs.every((j) => !('description' in j))).toBe(true);
      expect(full.body.jobs.every((j) => 'description' in j)).toBe(true);
      expect(summary.body.pagination).toEqual(full.body.pagination);
    });

    it('answers 400 for an unknown view', async () => {
      expect((await list('?view=tiny')).status).toBe(400);
    });

    it('marks user data private, no-cache', async () => {
      const res = await app.request('/api/jobs', { headers: reader });
      expect(res.headers.get('cache-control')).toBe('private, no-cache');
    });

    it('answers a page from the list cache with the body and ETag of a page read afresh', async () => {
      const uncached = createTestApp({
        database: db.database,
        auth0,
        env: { JOBS_LIST_CACHE_TTL_MS: '0', JOBS_COUNT_CACHE_TTL_MS: '0' },
      });
      const answers = [];
      for (const from of [app, app, uncached]) {
        const res = await from.request('/api/jobs?limit=3&page=2', { headers: reader });
        answers.push({ etag: res.headers.get('etag'), body: await res.text() });
      }
      expect(answers[0]?.etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);
    });

    it('answers a page kept in the list cache with a total counted since, and a new ETag', async () => {
      const listCached = createTestApp({
        database: db.database,
        auth0,
        env: { JOBS_LIST_CACHE_TTL_MS: '60000', JOBS_COUNT_CACHE_TTL_MS: '0' },
      });
      const read = async () => {
        const res = await listCached.request('/api/jobs?limit=3&page=2', { headers: reader });
        return { etag: res.headers.get('etag'), body: (await res.json()) as JobListBody };
      };
      const before = await read();
      // Another process's write: this app's caches do not hear of it.
      const other = createJobStore(db.database);
      const added = await other.create(
        { ...base, title: 'Added elsewhere', createdAt: new Date(start) },
        new Date(),
      );
      try {
        const after = await read();
        expect(after.body.jobs).toEqual(before.body.jobs);
        expect(after.body.pagination.total).toBe(before.body.pagination.total + 1);
        expect(after.etag).not.toBe(before.etag);
      } finally {
        await other.deactivate(added.id, new Date());
      }
    });

    it('answers 304 to If-None-Match with the current ETag, and 200 once the list changed', async () => {
      const first = await app.request('/api/jobs?limit=2', { headers: reader });
      const tag = first.headers.get('etag');
      expect(tag).toMatch(/^W\/"/);
      const again = await app.request('/api/jobs?limit=2', { headers: { ...reader, 'If-None-Match': tag! } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      expect(again.headers.get('etag')).toBe(tag);
      expect(again.headers.get('cache-control')).toBe('private, no-cache');

      const created = await app.request('/api/jobs', {
        method: 'POST',
        headers: { ...writer, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          title: 'Newest of all',
          company: 'Acme',
          location: 'Lisbon, Portugal',
          job_type: 'full-time',
          description: 'Build things.',
        }),
      });
      expect(created.status).toBe(201);
      const changed = await app.request('/api/jobs?limit=2', {
        headers: { ...reader, 'If-None-Match': tag! },
      });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(tag);
      const id = ((await created.json()) as { id: number }).id;
      expect((await app.request(`/api/jobs/${id}`, { method: 'DELETE', headers: writer })).status).toBe(204);
    });
  });

  describe('filters', () => {
    it('filters by job_type', async () => {
      const { body } = await list('?job_type=contract');
      expect(titles(body)).toEqual(['Backend Engineer', 'Data Analyst']);
    });

    it('filters by location case-insensitively as a substring', async () => {
      const { body } = await list('?location=LISBON');
      expect(titles(body)).toEqual(['Warehouse Associate', 'Marketing Intern', 'Senior Python Developer']);
    });

    it('filters by company as a substring', async () => {
      const { body } = await list('?company=fin');
      expect(titles(body)).toEqual(['Backend Engineer', 'Senior Python Developer']);
    });

    it('treats % in a filter as a literal character', async () => {
      expect(titles((await list('?company=100%25')).body)).toEqual([
        'UX Designer',
        'Frontend Developers wanted',
      ]);
      expect((await list('?company=%25')).body.pagination.total).toBe(2);
    });

    it('treats _ in a filter as a literal character', async () => {
      expect(titles((await list('?company=k_w')).body)).toEqual(['Electrician']);
      expect((await list('?company=_')).body.pagination.total).toBe(1);
    });

    it('treats a backslash in a filter as a literal character', async () => {
      expect(titles((await list('?company=C%3A%5CTools')).body)).toEqual(['Sales Representative']);
    });

    it('combines filters', async () => {
      const { body } = await list('?location=lisbon&job_type=full-time');
      expect(titles(body)).toEqual(['Senior Python Developer']);
      expect(body.pagination.total).toBe(1);
    });

    it('ignores empty filters', async () => {
      expect((await list('?location=&company=&q=')).body.pagination.total).toBe(12);
    });
  });

  describe('full-text search', () => {
    it('finds words in title, company and description', async () => {
      expect(titles((await list('?q=pipelines')).body)).toEqual(['Python Data Engineer']);
      expect(titles((await list('?q=spark')).body)).toEqual(['Python Data Engineer', 'Electrician']);
      expect(titles((await list('?q=hospital')).body)).toEqual(['Registered Nurse']);
    });

    it('stems: "developer" also finds "developers"', async () => {
      const found = titles((await list('?q=developer&limit=100')).body);
      expect(found).toContain('Frontend Developers wanted');
      expect(found).toContain('Senior Python Developer');
      expect(found).toContain('Data Analyst'); // "developers" in the description
      expect(found).not.toContain('Hidden Python Developer');
    });

    it('ANDs the words', async () => {
      expect(titles((await list('?q=python%20spark')).body)).toEqual(['Python Data Engineer']);
    });

    it('ranks title matches above description matches with sort=relevance', async () => {
      const { body } = await list('?q=python&sort=relevance');
      expect(body.pagination.total).toBe(3);
      expect(body.jobs.at(-1)?.title).toBe('Developer Advocate');
    });

    it('keeps newest order with q and no sort', async () => {
      const { body } = await list('?q=python');
      expect(titles(body)).toEqual(['Developer Advocate', 'Python Data Engineer', 'Senior Python Developer']);
    });

    it('combines q with filters', async () => {
      expect(titles((await list('?q=python&location=london')).body)).toEqual(['Python Data Engineer']);
    });

    it.each(['"unterminated', 'AND OR NOT', 'c++ (senior)*', 'title:python', '!!!', "o'reilly", 'NEAR(a b)'])(
      'answers search syntax %s without an error',
      async (q) => {
        const { status } = await list(`?q=${encodeURIComponent(q)}`);
        expect(status).toBe(200);
      },
    );
  });

  describe('one job', () => {
    it('answers an active job with all its fields and an empty skills list', async () => {
      const res = await app.request(`/api/jobs/${ids[0]}`, { headers: reader });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        id: ids[0],
        title: 'Senior Python Developer',
        remote: false,
        skills: [],
      });
    });

    it('answers 404 for an inactive job and a missing one', async () => {
      for (const id of [ids[12], 99_999_999]) {
        const res = await app.request(`/api/jobs/${id}`, { headers: reader });
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ error: 'not_found' });
      }
    });

    it.each(['abc', '0', '-3', '1.5', '99999999999'])('answers 400 for the id %s', async (id) => {
      const res = await app.request(`/api/jobs/${id}`, { headers: reader });
      expect(res.status).toBe(400);
    });
  });

  describe('writing', () => {
    const valid = {
      title: 'Staff Engineer',
      company: 'Writers Inc',
      location: 'Remote',
      job_type: 'full-time',
      description: 'Lead the platform.',
    };
    const send = (method: string, path: string, body: unknown, headers = writer) =>
      app.request(path, {
        method,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('creates a job with 201, Location and every field', async () => {
      const res = await send('POST', '/api/jobs', {
        ...valid,
        external_id: 'w-1',
        source: 'board',
        url: 'https://jobs.example.com/w-1',
        salary_min: 100_000,
        salary_max: 150_000,
        currency: 'eur',
        remote: true,
      });
      expect(res.status).toBe(201);
      const job = (await res.json()) as { id: number };
      expect(res.headers.get('location')).toBe(`/api/jobs/${job.id}`);
      expect(job).toMatchObject({
        ...valid,
        external_id: 'w-1',
        source: 'board',
        currency: 'EUR',
        remote: true,
        skills: [],
      });
    });

    it('answers 403 insufficient_scope without write:jobs, and stores nothing', async () => {
      const res = await send('POST', '/api/jobs', { ...valid, title: 'Never stored' }, reader);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'insufficient_scope' });
      expect((await list('?q=never%20stored')).body.pagination.total).toBe(0);
    });

    it.each([
      ['a missing title', { ...valid, title: undefined }, 'title'],
      ['a blank company', { ...valid, company: '   ' }, 'company'],
      ['an unknown job_type', { ...valid, job_type: 'gig' }, 'job_type'],
      ['salary_min above salary_max', { ...valid, salary_min: 10, salary_max: 5 }, 'salary_max'],
      ['a non-http url', { ...valid, url: 'ftp://x.example.com' }, 'url'],
      ['an over-long title', { ...valid, title: 'x'.repeat(201) }, 'title'],
      ['an unknown field', { ...valid, is_active: false }, 'is_active'],
      ['a bad currency', { ...valid, currency: 'euro' }, 'currency'],
    ])('answers 400 for %s', async (_name, body, field) => {
      const res = await send('POST', '/api/jobs', body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { details: object }).details).toHaveProperty(field);
    });

    it('answers 409 conflict for a duplicate (source, external_id)', async () => {
      expect((await send('POST', '/api/jobs', { ...valid, source: 'dup', external_id: 'd-1' })).status).toBe(
        201,
      );
      const res = await send('POST', '/api/jobs', { ...valid, source: 'dup', external_id: 'd-1' });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: 'conflict' });
    });

    it('updates some fields with PATCH and keeps the others', async () => {
      const created = (await (await send('POST', '/api/jobs', valid)).json()) as { id: number };
      const res = await send('PATCH', `/api/jobs/${created.id}`, {
        title: 'Principal Engineer',
        salary_min: 5,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ...valid, title: 'Principal Engineer', salary_min: 5 });
      expect(titles((await list('?q=principal')).body)).toEqual(['Principal Engineer']);
    });

    it('checks salary order against the stored values on PATCH', async () => {
      const created = (await (await send('POST', '/api/jobs', { ...valid, salary_max: 50 })).json()) as {
        id: number;
      };
      const res = await send('PATCH', `/api/jobs/${created.id}`, { salary_min: 60 });
      expect(res.status).toBe(400);
    });

    it('answers 404 when patching a missing job', async () => {
      expect((await send('PATCH', '/api/jobs/99999999', { title: 'x' })).status).toBe(404);
    });

    it('deactivates with DELETE: 204, then hidden from list, search and GET', async () => {
      const created = (await (
        await send('POST', '/api/jobs', { ...valid, title: 'Soon Gone Role' })
      ).json()) as { id: number };
      const res = await app.request(`/api/jobs/${created.id}`, { method: 'DELETE', headers: writer });
      expect(res.status).toBe(204);
      expect((await app.request(`/api/jobs/${created.id}`, { headers: reader })).status).toBe(404);
      expect((await list('?q=soon%20gone')).body.pagination.total).toBe(0);
      expect((await app.request('/api/jobs/99999999', { method: 'DELETE', headers: writer })).status).toBe(
        404,
      );
      expect(
        (await app.request(`/api/jobs/${created.id}`, { method: 'DELETE', headers: reader })).status,
      ).toBe(403);
    });
  });
});
