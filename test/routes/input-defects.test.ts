/**
 * Inputs that are well-formed HTTP but not what a field means: ids in other notations, keys that
 * name JavaScript's object machinery, NUL characters. Each is a 400 `validation_error` naming the
 * field, the same on every dialect (Postgres refuses NUL in text; SQLite would store it), and
 * nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobStore } from '../../src/db/jobs';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import type { ErrorBody } from '../support/contract';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';

describe.each(databaseKinds)('input defects on %s', (kind) => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let app: ReturnType<typeof createTestApp>;
  let user: Record<string, string>;
  let writer: Record<string, string>;
  let jobId: number;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase(kind);
    app = createTestApp({ database: db.database, auth0, env: { DEEPSEEK_API_KEY: 'sk-test' } });
    user = bearer(await auth0.sign({ sub: `auth0|defects-${kind}`, email: 'd@example.com' }));
    writer = bearer(await auth0.sign({ sub: `auth0|defects-writer-${kind}`, permissions: ['write:jobs'] }));
    const jobs = createJobStore(db.database);
    const job = await jobs.create(
      {
        title: 'Welder',
        company: 'Acme',
        location: 'York',
        jobType: 'full-time',
        description: 'MIG and TIG.',
        source: null,
        externalId: null,
        url: null,
        salaryMin: null,
        salaryMax: null,
        currency: null,
        remote: false,
      },
      new Date(),
    );
    jobId = job.id;
  });
  afterAll(async () => {
    await db.dispose();
    await auth0.close();
  });

  const json = (method: string, body: string, headers = user) => ({
    method,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body,
  });

  async function refused(res: Response, field: string) {
    const body = (await res.json()) as ErrorBody;
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.error).toBe('validation_error');
    expect(Object.keys(body.details ?? {})).toContain(field);
    return body;
  }

  describe('path ids', () => {
    it('reads a job by its decimal id', async () => {
      expect((await app.request(`/api/jobs/${jobId}`, { headers: user })).status).toBe(200);
    });

    it.each(['0x10', '1e1', '%2016', '16%20', '016', '16.0', '-1', '0', '99999999999'])(
      'answers 400 for the job id %s, never another notation of a real id',
      async (id) => {
        await refused(await app.request(`/api/jobs/${id}`, { headers: user }), 'id');
      },
    );

    it('answers 404 for a well-formed id that does not exist', async () => {
      expect((await app.request('/api/jobs/2147483647', { headers: user })).status).toBe(404);
    });

    it.each(['/api/resumes/abc', '/api/resumes/1', '/api/conversations/not-a-uuid'])(
      'answers 400 for %s: resume and conversation ids are UUIDs',
      async (path) => {
        await refused(await app.request(path, { headers: user }), 'id');
      },
    );

    it('answers 404 for a UUID that is nobody’s resume or conversation', async () => {
      const id = '0b5f6a4e-2a53-4f7e-9c1d-8f3e2b1a4c5d';
      expect((await app.request(`/api/resumes/${id}`, { headers: user })).status).toBe(404);
      expect((await app.request(`/api/conversations/${id}`, { headers: user })).status).toBe(404);
    });
  });

  describe('keys that name object machinery', () => {
    it.each(['__proto__', 'constructor', 'prototype'])(
      'PUT /api/profile with %s is an unknown field, and the profile is unchanged',
      async (key) => {
        const res = await app.request(
          '/api/profile',
          json('PUT', `{"full_name":"Ana","${key}":{"polluted":true}}`),
        );
        const body = await refused(res, key);
        expect(body.details?.[key]).toEqual(['is not a known field']);
        const profile = (await (await app.request('/api/profile', { headers: user })).json()) as {
          full_name: string | null;
        };
        expect(profile.full_name).not.toBe('Ana');
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      },
    );

    it('POST /api/jobs and POST /api/chat refuse them too', async () => {
      await refused(
        await app.request(
          '/api/jobs',
          json(
            'POST',
            '{"title":"x","company":"y","location":"z","job_type":"contract","description":"d","__proto__":1}',
            writer,
          ),
        ),
        '__proto__',
      );
      await refused(
        await app.request('/api/chat', json('POST', '{"message":"hi","constructor":1}')),
        'constructor',
      );
    });
  });

  describe('NUL characters', () => {
    it('PUT /api/profile names the field and stores nothing', async () => {
      const res = await app.request(
        '/api/profile',
        json('PUT', '{"full_name":"Ana\\u0000Lima","headline":"Nurse"}'),
      );
      const body = await refused(res, 'full_name');
      expect(body.details?.full_name).toEqual(['must not contain NUL (\\u0000) characters']);
      const profile = (await (await app.request('/api/profile', { headers: user })).json()) as {
        headline: string | null;
      };
      expect(profile.headline).not.toBe('Nurse');
    });

    it('POST /api/jobs and PATCH /api/jobs/:id name the field', async () => {
      await refused(
        await app.request(
          '/api/jobs',
          json(
            'POST',
            '{"title":"We\\u0000lder","company":"y","location":"z","job_type":"contract","description":"d"}',
            writer,
          ),
        ),
        'title',
      );
      await refused(
        await app.request(`/api/jobs/${jobId}`, json('PATCH', '{"description":"a\\u0000b"}', writer)),
        'description',
      );
    });

    it('a query parameter with NUL is a 400, not a database error', async () => {
      await refused(await app.request('/api/jobs?q=weld%00er', { headers: user }), 'q');
      await refused(await app.request('/api/jobs?location=Yo%00rk', { headers: user }), 'location');
    });

    it('a chat message with NUL is refused before the model is called', async () => {
      await refused(await app.request('/api/chat', json('POST', '{"message":"hello\\u0000"}')), 'message');
    });

    it('an imported row with NUL fails alone; the other rows land', async () => {
      const csv =
        'title,company,location,job_type,description,external_id\n' +
        'Cook,Acme,York,full-time,Grill,nul-1\n' +
        'Baker,Ac\u0000me,York,full-time,Bread,nul-2\n';
      const res = await app.request('/api/jobs/import', {
        method: 'POST',
        headers: { ...writer, 'Content-Type': 'text/csv' },
        body: csv,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        created: 1,
        failed: [{ row: 2, error: 'company: must not contain NUL (\\u0000) characters' }],
      });
    });
  });
});
