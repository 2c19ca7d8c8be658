import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import worker from '../../src/worker';

const tokens = inject('tokens');
const services = inject('services');
const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });
const url = (path: string) => `https://jobmate.test${path}`;
/** The worker's own fetch handler (src/worker.ts, `main` of wrangler.toml) with the configured bindings. */
const SELF = exports.default;

describe('the Workers entry inside workerd', () => {
  it('answers GET /api/ping without a token', async () => {
    const res = await SELF.fetch(url('/api/ping'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'pong' });
    expect(res.headers.get('X-Request-Id')).toBeTruthy();
  });

  it('verifies a real RS256 token against the JWKS on loopback', async () => {
    const res = await SELF.fetch(url('/api/ping-protected'), bearer(tokens.user.token));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'pong', sub: tokens.user.sub });
  });

  it('refuses a request without a token', async () => {
    const res = await SELF.fetch(url('/api/ping-protected'));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'missing_or_invalid_authorization' });
  });

  it('refuses a token for another audience', async () => {
    const res = await SELF.fetch(url('/api/ping-protected'), bearer(tokens.wrongAudience.token));
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'invalid_token' });
  });

  // The row check reads D1 directly, so the test exists in the D1 project only (parity-identity
  // covers /api/me in every project).
  if (env.TEST_PARITY_MODE === 'sqlite') {
    it('hydrates the user into D1 once', async () => {
      const first = await SELF.fetch(url('/api/me'), bearer(tokens.user.token));
      expect(first.status).toBe(200);
      const me = (await first.json()) as { id: number; auth0_sub: string; email: string; name: string };
      expect(me).toMatchObject({
        auth0_sub: tokens.user.sub,
        email: 'smoke@example.com',
        name: 'Smoke Test',
      });
      expect(Number.isInteger(me.id)).toBe(true);

      const second = await SELF.fetch(url('/api/me'), bearer(tokens.user.token));
      expect(second.status).toBe(200);
      expect(((await second.json()) as { id: number }).id).toBe(me.id);

      const row = await env.DB.prepare('select id, email from user_profiles where auth0_sub = ?')
        .bind(tokens.user.sub)
        .first<{ id: number; email: string }>();
      expect(row).toEqual({ id: me.id, email: 'smoke@example.com' });
    });
  }

  // The libSQL project: the row is read back from the server the worker wrote it to, over Hrana.
  if (env.TEST_PARITY_MODE === 'libsql') {
    it('hydrates the user into the remote libSQL server once', async () => {
      const first = await SELF.fetch(url('/api/me'), bearer(tokens.user.token));
      expect(first.status).toBe(200);
      const me = (await first.json()) as { id: number };
      const second = await SELF.fetch(url('/api/me'), bearer(tokens.user.token));
      expect(((await second.json()) as { id: number }).id).toBe(me.id);

      const res = await fetch(`${services.libsql.url}/v2/pipeline`, {
        method: 'POST',
        headers: { authorization: `Bearer ${services.libsql.authToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          baton: null,
          requests: [
            {
              type: 'execute',
              stmt: {
                sql: 'select id, email from user_profiles where auth0_sub = ?',
                args: [{ type: 'text', value: tokens.user.sub }],
              },
            },
            { type: 'close' },
          ],
        }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { results: { response: { result: { rows: unknown[] } } }[] };
      expect(body.results[0]?.response.result.rows).toEqual([
        [
          { type: 'integer', value: String(me.id) },
          { type: 'text', value: 'smoke@example.com' },
        ],
      ]);
    });
  }

  it.each([
    ['file:jobmate.db', /DATABASE_DEV/],
    ['sqlite:///instance/jobmate.db', /DATABASE_DEV/],
    ['wss://jobmate-acme.turso.io', /DATABASE_DEV/],
  ])(
    'answers 500 naming DATABASE_DEV for DATABASE_DEV=%s in sqlite mode (no disk, no held WebSocket)',
    async (dev, name) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(url('/api/ping')),
        { ...(env as Record<string, unknown>), DATABASE_MODE: 'sqlite', DATABASE_DEV: dev },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('server_error');
      expect(body.message).toMatch(name);
      expect(body.message).not.toContain(dev);
    },
  );

  it('answers a JSON 500 server_error when the configuration is invalid', async () => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(new Request(url('/api/ping')), { DATABASE_MODE: 'sqlite' }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { error: string; message: string };
    expect(body.error).toBe('server_error');
    expect(body.message).toMatch(/AUTH0_DOMAIN/);
  });
});
