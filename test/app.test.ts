import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { createJsonLogger } from '../src/logger';
import { createPgDatabase } from '../src/node/pg-database';
import { bearer, createTestApp, localTestStorage } from './support/app';
import { type Auth0StandIn, startAuth0StandIn } from './support/auth0-standin';
import { createTestDatabase, type TestDatabase } from './support/databases';

/** Cross-cutting behaviour of the whole app; not about the database, so one libSQL file serves. */
let auth0: Auth0StandIn;
let db: TestDatabase;
let app: ReturnType<typeof createTestApp>;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  auth0 = await startAuth0StandIn();
  db = await createTestDatabase('libsql');
  const logger = createJsonLogger((line) => logLines.push(JSON.parse(line) as Record<string, unknown>));
  app = createTestApp({
    database: db.database,
    auth0,
    env: { CORS_ORIGINS: 'https://app.jobmate.example,http://localhost:3000', BODY_LIMIT_BYTES: '2048' },
    deps: { logger },
  });
});
afterAll(async () => {
  await db.dispose();
  await auth0.close();
});

describe('errors', () => {
  it('answers an unknown route with a JSON 404', async () => {
    const res = await app.request('/api/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('answers a wrong method with a JSON 405 and Allow', async () => {
    const res = await app.request('/api/profile', { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, PUT');
    expect(await res.json()).toMatchObject({ error: 'method_not_allowed' });
  });

  it('answers a JSON body over the global limit with 413 payload_too_large', async () => {
    const res = await app.request('/api/profile', {
      method: 'PUT',
      headers: {
        ...bearer(await auth0.sign({ sub: 'auth0|big', email: 'b@example.com' })),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ summary: 'x'.repeat(4096) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers an unexpected failure with 500 server_error, no stack, and logs it with the request id', async () => {
    const boom = createTestApp({
      database: db.database,
      auth0,
      deps: { logger: createJsonLogger((l) => logLines.push(JSON.parse(l))) },
    });
    boom.get('/api/boom', () => {
      throw new Error('secret internal detail');
    });
    const res = await boom.request('/api/boom', { headers: { 'X-Request-Id': 'boom-1' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'server_error' });
    expect(text).not.toContain('secret internal detail');
    expect(text).not.toContain('at ');
    expect(
      logLines.some((l) => l.request_id === 'boom-1' && l.error_message === 'secret internal detail'),
    ).toBe(true);
  });
});

describe('request metadata', () => {
  it('echoes a sane X-Request-Id', async () => {
    const res = await app.request('/api/ping', { headers: { 'X-Request-Id': 'client-abc-123' } });
    expect(res.headers.get('x-request-id')).toBe('client-abc-123');
  });

  it('replaces an unsafe X-Request-Id with its own', async () => {
    const res = await app.request('/api/ping', { headers: { 'X-Request-Id': 'bad id\u0007<script>' } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets X-Response-Time and secure headers', async () => {
    const res = await app.request('/api/ping');
    expect(res.headers.get('x-response-time')).toMatch(/^\d+(\.\d+)?ms$/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('logs one JSON line per request with the sub and never the token', async () => {
    const token = await auth0.sign({ sub: 'auth0|logged' });
    await app.request('/api/ping-protected', { headers: { ...bearer(token), 'X-Request-Id': 'log-1' } });
    const line = logLines.find((l) => l.request_id === 'log-1');
    expect(line).toMatchObject({
      method: 'GET',
      path: '/api/ping-protected',
      status: 200,
      sub: 'auth0|logged',
    });
    expect(JSON.stringify(logLines)).not.toContain(token);
  });
});

describe('CORS', () => {
  it('allows a configured origin', async () => {
    const res = await app.request('/api/ping', { headers: { Origin: 'https://app.jobmate.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.jobmate.example');
  });

  it('answers a preflight from a configured origin', async () => {
    const res = await app.request('/api/profile', {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:3000',
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  });

  it('does not allow another origin', async () => {
    const res = await app.request('/api/ping', { headers: { Origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('exposes ETag to browsers and allows If-None-Match', async () => {
    const res = await app.request('/api/profile', {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:3000',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'if-none-match',
      },
    });
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('if-none-match');
    const get = await app.request('/api/ping', { headers: { Origin: 'http://localhost:3000' } });
    expect(get.headers.get('access-control-expose-headers')).toContain('ETag');
  });

  it('adds no CORS headers to a request without Origin (not from a browser)', async () => {
    const res = await app.request('/api/ping');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-expose-headers')).toBeNull();
  });
});

describe.each([
  ['node:crypto', (text: string) => createHash('sha256').update(text).digest('hex')],
  ['WebCrypto', undefined],
])('the validated reads with %s', (_name, sha256Hex) => {
  let reads: ReturnType<typeof createTestApp>;
  beforeAll(() => {
    reads = createTestApp({ database: db.database, auth0, deps: { sha256Hex } });
  });

  it.each(['/api/profile', '/api/jobs', '/api/jobs?view=summary', '/api/resumes', '/api/conversations'])(
    '%s answers 304 to its own ETag, with Cache-Control',
    async (path) => {
      const headers = bearer(await auth0.sign({ sub: 'auth0|validated', email: 'v@example.com' }));
      const first = await reads.request(path, { headers });
      expect(first.status).toBe(200);
      const tag = first.headers.get('etag');
      expect(tag).toMatch(/^W\/"[0-9a-f]{32}"$/);
      const again = await reads.request(path, { headers: { ...headers, 'If-None-Match': tag! } });
      expect(again.status).toBe(304);
      expect(again.headers.get('etag')).toBe(tag);
      expect(again.headers.get('cache-control')).toBe('private, no-cache');
    },
  );
});

describe('a database that is down', () => {
  const down = createPgDatabase('postgresql://postgres@127.0.0.1:1/nothing');
  const config = () =>
    parseConfig({ NODE_ENV: 'test', AUTH0_DOMAIN: auth0.issuer, AUTH0_AUDIENCE: auth0.audience });

  afterAll(() => down.close());

  it('makes /api/health answer 503 degraded', async () => {
    const res = await createApp({ config: config(), database: down, storage: localTestStorage() }).request(
      '/api/health',
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'degraded', checks: { database: 'down' } });
  });

  it('makes a route that needs it answer 503 database_unavailable', async () => {
    const res = await createApp({ config: config(), database: down, storage: localTestStorage() }).request(
      '/api/me',
      {
        headers: bearer(await auth0.sign({ sub: 'auth0|down', email: 'd@example.com' })),
      },
    );
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'database_unavailable' });
  });
});

describe('OpenAPI', () => {
  it('publishes an OpenAPI 3.1 document with every route', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/ping', '/api/health', '/api/ping-protected', '/api/me', '/api/profile']),
    );
    expect(Object.keys(doc.paths['/api/profile'] ?? {})).toEqual(expect.arrayContaining(['get', 'put']));
  });
});
