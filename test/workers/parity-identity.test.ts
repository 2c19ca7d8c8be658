import { describe, expect, it } from 'vitest';
import { api, expectError, expectJson, tokens, where } from './helpers';
import { mgmtProfile } from './services';

/** Health, ping and identity (/api/me) with the auth failures of the contract. */
describe(`health and identity on ${where}`, () => {
  it('GET /api/ping answers pong without a token, with the request id and timing headers', async () => {
    const res = await api('/api/ping', { headers: { 'X-Request-Id': 'parity-ping-1' } });
    expect(await expectJson(res, 200)).toEqual({ message: 'pong' });
    expect(res.headers.get('X-Request-Id')).toBe('parity-ping-1');
    expect(res.headers.get('X-Response-Time')).toBeTruthy();
  });

  it('GET /api/health sees the database, radosgw, Chroma and the LLM key', async () => {
    const res = await api('/api/health');
    expect(await expectJson(res, 200)).toEqual({
      status: 'ok',
      auth: 'auth0',
      checked_at: expect.any(String),
      checks: { database: 'ok', storage: 'ok', vector_store: 'ok', llm: 'configured' },
    });
  });

  it('GET /api/ping-protected answers the token’s sub', async () => {
    expect(await expectJson(await api('/api/ping-protected', { as: 'me' }), 200)).toEqual({
      message: 'pong',
      sub: tokens.me.sub,
    });
  });

  it('GET /api/me hydrates the user from the token once, also under concurrent first calls', async () => {
    const [a, b, c] = await Promise.all([
      api('/api/me', { as: 'me' }),
      api('/api/me', { as: 'me' }),
      api('/api/me', { as: 'me' }),
    ]);
    const first = await expectJson<{ id: number; created_at: string }>(a as Response, 200);
    expect(first).toMatchObject({
      auth0_sub: tokens.me.sub,
      email: 'me@example.com',
      name: 'Mia Parity',
      picture: null,
    });
    expect(Number.isInteger(first.id)).toBe(true);
    expect(new Date(first.created_at).toISOString()).toBe(first.created_at);
    for (const res of [b, c]) expect(await expectJson(res as Response, 200)).toEqual(first);
    expect(await expectJson(await api('/api/me', { as: 'me' }), 200)).toEqual(first);
  });

  it('GET /api/me hydrates a token without email/name claims through the Management API', async () => {
    const me = await expectJson(await api('/api/me', { as: 'mgmt' }), 200);
    expect(me).toMatchObject({ auth0_sub: tokens.mgmt.sub, ...mgmtProfile });
  });

  it('404 user_not_found_in_auth0 when the Management API has no such user', async () => {
    await expectError(await api('/api/me', { as: 'ghost' }), 404, 'user_not_found_in_auth0');
  });

  describe('auth failures', () => {
    it('401 missing_or_invalid_authorization without a header, or not Bearer', async () => {
      await expectError(await api('/api/me'), 401, 'missing_or_invalid_authorization');
      await expectError(
        await api('/api/me', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } }),
        401,
        'missing_or_invalid_authorization',
      );
    });

    it('401 invalid_token for a wrong audience, a wrong issuer, an unknown key or garbage', async () => {
      for (const name of ['wrongAudience', 'wrongIssuer', 'unknownKey'] as const) {
        const res = await api('/api/me', { as: name });
        await expectError(res, 401, 'invalid_token');
      }
      await expectError(
        await api('/api/me', { headers: { Authorization: 'Bearer not.a.jwt' } }),
        401,
        'invalid_token',
      );
    });

    it('401 token_expired for an expired token', async () => {
      await expectError(await api('/api/me', { as: 'expired' }), 401, 'token_expired');
    });
  });

  it('publishes the OpenAPI document and the docs page (with its own assets) without a token', async () => {
    const doc = await expectJson<{ openapi: string; paths: Record<string, unknown> }>(
      await api('/openapi.json'),
      200,
    );
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/jobs', '/api/resume/upload', '/api/chat', '/api/skills/search']),
    );
    const page = await api('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('/docs/assets/swagger-ui-bundle.js');
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'init.js']) {
      const file = await api(`/docs/assets/${asset}`);
      expect(file.status, asset).toBe(200);
      expect((await file.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
  });

  it('answers CORS preflights for the configured origin only', async () => {
    const preflight = (origin: string) =>
      api('/api/jobs', {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'authorization',
        },
      });
    const allowed = await preflight('http://localhost:3000');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:3000');
    expect(allowed.headers.get('Access-Control-Allow-Headers')?.toLowerCase()).toContain('authorization');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('Access-Control-Allow-Origin')).toBeNull();
  });

  it('answers an unknown route and a wrong method with JSON errors', async () => {
    await expectError(await api('/api/nope', { as: 'me' }), 404, 'not_found');
    const res = await api('/api/ping', { method: 'DELETE' });
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('Allow')).toContain('GET');
  });

  it('413 payload_too_large for a JSON body over the global limit', async () => {
    const res = await api('/api/profile', {
      method: 'PUT',
      as: 'me',
      json: { summary: 'x'.repeat(1024 * 1024 + 10) },
    });
    await expectError(res, 413, 'payload_too_large');
  });
});
