import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';

let counter = 0;
const newSub = () => `auth0|user-${process.pid}-${Date.now()}-${counter++}`;

describe.each(databaseKinds)('GET /api/me on %s', (kind) => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let app: ReturnType<typeof createTestApp>;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase(kind);
    app = createTestApp({ database: db.database, auth0, deps: { managementTimeoutMs: 300 } });
  });
  afterAll(async () => {
    await db.dispose();
    await auth0.close();
  });
  beforeEach(() => {
    auth0.modes.token = 'ok';
    auth0.modes.users = 'ok';
  });

  const me = async (token: string) => {
    const res = await app.request('/api/me', { headers: bearer(token) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('creates the profile from the token’s claims on the first call', async () => {
    const sub = newSub();
    const token = await auth0.sign({ sub, email: 'ana@example.com', name: 'Ana Lima' });
    const usersBefore = auth0.counts.users;
    const { status, body } = await me(token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ auth0_sub: sub, email: 'ana@example.com', name: 'Ana Lima', picture: null });
    expect(body.id).toEqual(expect.any(Number));
    expect(new Date(body.created_at as string).toISOString()).toBe(body.created_at);
    expect(auth0.counts.users).toBe(usersBefore);
  });

  it('reads Auth0 namespaced claims', async () => {
    const token = await auth0.sign({ sub: newSub(), 'https://jobmate.app/email': 'ns@example.com' });
    expect((await me(token)).body.email).toBe('ns@example.com');
  });

  it('returns the same row on later calls', async () => {
    const token = await auth0.sign({ sub: newSub(), email: 'same@example.com' });
    const first = await me(token);
    const second = await me(token);
    expect(second.body).toEqual(first.body);
  });

  it('refreshes e-mail, name and picture from a token issued after the row was written', async () => {
    const sub = newSub();
    await me(await auth0.sign({ sub, email: 'old@example.com', name: 'Old Name' }));
    const newer = await auth0.sign(
      { sub, email: 'new@example.com', name: 'New Name', picture: 'https://cdn.example.com/p.png' },
      { issuedAt: 5 },
    );
    expect((await me(newer)).body).toMatchObject({
      email: 'new@example.com',
      name: 'New Name',
      picture: 'https://cdn.example.com/p.png',
    });
  });

  it('keeps the newer profile when an older token with the old claims comes again', async () => {
    const sub = newSub();
    const older = await auth0.sign({ sub, email: 'before@example.com' }, { issuedAt: -60 });
    await me(older);
    await me(await auth0.sign({ sub, email: 'after@example.com' }, { issuedAt: 5 }));
    expect((await me(older)).body.email).toBe('after@example.com');
  });

  it('asks the Management API when the token has no profile claims', async () => {
    const sub = newSub();
    auth0.users.set(sub, {
      user_id: sub,
      email: 'mgmt@example.com',
      name: 'From Mgmt',
      picture: 'https://cdn/p.png',
    });
    const { status, body } = await me(await auth0.sign({ sub }));
    expect(status).toBe(200);
    expect(body).toMatchObject({
      email: 'mgmt@example.com',
      name: 'From Mgmt',
      picture: 'https://cdn/p.png',
    });
  });

  it('answers 404 user_not_found_in_auth0 when the Management API has no such user', async () => {
    const { status, body } = await me(await auth0.sign({ sub: newSub() }));
    expect(status).toBe(404);
    expect(body.error).toBe('user_not_found_in_auth0');
  });

  it.each([
    ['the users endpoint fails', 'users', 'error500'],
    ['the users endpoint times out', 'users', 'hang'],
    ['the token endpoint fails', 'token', 'error500'],
  ] as const)('answers 502 mgmt_api_error when %s, and creates no row', async (_name, endpoint, mode) => {
    const sub = newSub();
    auth0.users.set(sub, { user_id: sub, email: 'later@example.com' });
    // A new app instance: no Management token cached yet.
    const local = createTestApp({ database: db.database, auth0, deps: { managementTimeoutMs: 300 } });
    auth0.modes[endpoint] = mode;
    const token = await auth0.sign({ sub });
    const failed = await local.request('/api/me', { headers: bearer(token) });
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ error: 'mgmt_api_error' });
    auth0.modes[endpoint] = 'ok';
    const retried = await local.request('/api/me', { headers: bearer(token) });
    expect(await retried.json()).toMatchObject({ email: 'later@example.com' });
  });

  it('creates one row and asks for one Management token when twenty first calls race', async () => {
    const standIn = await startAuth0StandIn();
    const local = createTestApp({ database: db.database, auth0: standIn });
    const sub = newSub();
    standIn.users.set(sub, { user_id: sub, email: 'race@example.com' });
    const token = await standIn.sign({ sub });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => local.request('/api/me', { headers: bearer(token) })),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { id: number }[];
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(standIn.counts.token).toBe(1);
    await standIn.close();
  });

  it('creates one row when two app instances (processes) race for the same sub', async () => {
    const other = createTestApp({ database: db.database, auth0 });
    const token = await auth0.sign({ sub: newSub(), email: 'two@example.com' });
    const [a, b] = await Promise.all([
      app.request('/api/me', { headers: bearer(token) }),
      other.request('/api/me', { headers: bearer(token) }),
    ]);
    const [bodyA, bodyB] = (await Promise.all([a.json(), b.json()])) as { id: number }[];
    expect(bodyA?.id).toBe(bodyB?.id);
  });

  it('reuses the cached Management token until shortly before it expires', async () => {
    const standIn = await startAuth0StandIn();
    let now = Date.now();
    const local = createTestApp({
      database: db.database,
      auth0: standIn,
      deps: { clock: { now: () => new Date(now) } },
    });
    standIn.setTokenLifetime(3600);
    for (let i = 0; i < 3; i++) {
      const sub = newSub();
      standIn.users.set(sub, { user_id: sub, email: `c${i}@example.com` });
      expect((await local.request('/api/me', { headers: bearer(await standIn.sign({ sub })) })).status).toBe(
        200,
      );
    }
    expect(standIn.counts.token).toBe(1);

    now += 3600_000 - 30_000; // inside the renewal margin
    const sub = newSub();
    standIn.users.set(sub, { user_id: sub, email: 'renew@example.com' });
    const token = await standIn.sign({ sub }, { expiresIn: 7200 });
    expect((await local.request('/api/me', { headers: bearer(token) })).status).toBe(200);
    expect(standIn.counts.token).toBe(2);
    await standIn.close();
  });

  it('creates the row from claims alone when no Management client is configured', async () => {
    const local = createTestApp({ database: db.database, auth0, management: false });
    const sub = newSub();
    const res = await local.request('/api/me', { headers: bearer(await auth0.sign({ sub })) });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ auth0_sub: sub, email: null, name: null });
  });
});
