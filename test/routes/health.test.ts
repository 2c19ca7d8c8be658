import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';

describe.each(databaseKinds)('health and ping on %s', (kind) => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let app: ReturnType<typeof createTestApp>;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase(kind);
    app = createTestApp({ database: db.database, auth0 });
  });
  afterAll(async () => {
    await db.dispose();
    await auth0.close();
  });

  it('GET /api/ping answers pong without a token', async () => {
    const res = await app.request('/api/ping');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'pong' });
  });

  it('GET /api/health reports the database as ok, and which issuer tokens are checked against', async () => {
    const res = await app.request('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      auth: 'auth0',
      checked_at: expect.any(String),
      checks: { database: 'ok', storage: 'local', vector_store: 'down', llm: 'unconfigured' },
    });
  });

  it('GET /api/ping-protected echoes the token subject', async () => {
    const token = await auth0.sign({ sub: 'auth0|ping' });
    const res = await app.request('/api/ping-protected', { headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'pong', sub: 'auth0|ping' });
  });
});

describe('health reports', () => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let now: number;
  let probes: number;
  const clock = { now: () => new Date(now) };
  const opsToken = 'ops-token-for-tests';

  const appWith = (env: Record<string, string> = {}) =>
    createTestApp({
      database: db.database,
      auth0,
      env,
      deps: {
        clock,
        probes: {
          vector_store: async () => {
            probes += 1;
            return 'ok';
          },
        },
      },
    });

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase('libsql');
  });
  afterAll(async () => {
    await db.dispose();
    await auth0.close();
  });
  beforeEach(() => {
    now = Date.parse('2026-12-06T12:00:00Z');
    probes = 0;
  });

  it('are reused for five seconds, however many requests ask', async () => {
    const app = appWith();
    const first = await Promise.all([app.request('/api/health'), app.request('/api/health')]);
    const again = await app.request('/api/health');
    expect(probes).toBe(1);
    const bodies = await Promise.all(
      [...first, again].map((r) => r.json() as Promise<{ checked_at: string }>),
    );
    expect(new Set(bodies.map((b) => b.checked_at))).toEqual(new Set(['2026-12-06T12:00:00.000Z']));
    now += 5_000;
    const later = await app.request('/api/health');
    expect(probes).toBe(2);
    expect(((await later.json()) as { checked_at: string }).checked_at).toBe('2026-12-06T12:00:05.000Z');
  });

  it('are made afresh with deep=1 and the ops token', async () => {
    const app = appWith({ METRICS_TOKEN: opsToken });
    await app.request('/api/health');
    const deep = await app.request('/api/health?deep=1', { headers: bearer(opsToken) });
    expect(deep.status).toBe(200);
    expect(probes).toBe(2);
  });

  it('refuse deep=1 without the ops token, or with a user token', async () => {
    const app = appWith({ METRICS_TOKEN: opsToken });
    const none = await app.request('/api/health?deep=1');
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: 'missing_or_invalid_authorization' });
    const user = await app.request('/api/health?deep=1', {
      headers: bearer(await auth0.sign({ sub: 'auth0|health' })),
    });
    expect(user.status).toBe(401);
    expect(probes).toBe(0);
  });

  it('keep deep=1 off in production when no ops token is set', async () => {
    const app = appWith({ NODE_ENV: 'production' });
    const res = await app.request('/api/health?deep=1');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('refuse a deep value other than 0 or 1', async () => {
    const res = await appWith().request('/api/health?deep=yes');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'validation_error',
      details: { deep: expect.any(Array) },
    });
  });
});
