/**
 * The app through Hono's typed client (`testClient`, the `hc<AppType>` of the README): requests
 * and answers are typed from the route definitions, so a test that reads a field the contract
 * no longer has, or sends one it does not take, fails the type check (`npm test` runs tsc over
 * test/) before it runs. The answers' fields are checked against what the types promise.
 */
import { testClient } from 'hono/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from './support/app';
import { type Auth0StandIn, startAuth0StandIn } from './support/auth0-standin';
import { createTestDatabase, type TestDatabase } from './support/databases';

describe('the typed client', () => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let client: ReturnType<typeof testClient<ReturnType<typeof createTestApp>>>;
  const headers: Record<string, string> = {};

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase('libsql');
    client = testClient(createTestApp({ database: db.database, auth0 }));
    headers.Authorization = `Bearer ${await auth0.sign({
      sub: 'auth0|typed',
      email: 'typed@example.com',
      permissions: ['write:jobs'],
    })}`;
  });
  afterAll(async () => {
    await db?.dispose();
    await auth0?.close();
  });

  it('reads the caller from /api/me', async () => {
    const res = await client.api.me.$get({}, { headers });
    expect(res.status).toBe(200);
    if (res.status !== 200) return;
    const me = await res.json();
    expect(me.auth0_sub).toBe('auth0|typed');
    expect(me.email).toBe('typed@example.com');
  });

  it('writes and reads the contact profile', async () => {
    const put = await client.api.profile.$put(
      { json: { full_name: 'Ana Lima', phone: '+44 20 7946 0958' } },
      { headers },
    );
    expect(put.status).toBe(200);
    const get = await client.api.profile.$get({}, { headers });
    if (get.status !== 200) throw new Error(`GET /api/profile answered ${get.status}`);
    const profile = await get.json();
    expect(profile.full_name).toBe('Ana Lima');
    expect(profile.phone).toBe('+44 20 7946 0958');
  });

  it('creates a job, finds it in the list and reads it by id', async () => {
    const created = await client.api.jobs.$post(
      {
        json: {
          title: 'Welder',
          company: 'Acme',
          location: 'York',
          job_type: 'full-time',
          description: 'MIG.',
        },
      },
      { headers },
    );
    if (created.status !== 201) throw new Error(`POST /api/jobs answered ${created.status}`);
    const job = await created.json();
    expect(job.skills).toEqual(expect.any(Array));

    const list = await client.api.jobs.$get({ query: { q: 'welder', view: 'summary' } }, { headers });
    if (list.status !== 200) throw new Error(`GET /api/jobs answered ${list.status}`);
    const page = await list.json();
    expect(page.jobs.map((j) => j.id)).toContain(job.id);
    expect(page.pagination.total).toBeGreaterThanOrEqual(1);
    expect(page.next_cursor === null || typeof page.next_cursor === 'string').toBe(true);

    const one = await client.api.jobs[':id'].$get({ param: { id: String(job.id) } }, { headers });
    if (one.status !== 200) throw new Error(`GET /api/jobs/:id answered ${one.status}`);
    expect((await one.json()).title).toBe('Welder');
  });

  it('answers an unknown job with the typed 404 envelope', async () => {
    const res = await client.api.jobs[':id'].$get({ param: { id: '999999' } }, { headers });
    expect(res.status).toBe(404);
    if (res.status !== 404) return;
    expect((await res.json()).error).toBe('not_found');
  });
});
