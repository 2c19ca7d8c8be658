import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('GET /api/health reports the database as ok', async () => {
    const res = await app.request('/api/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
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
