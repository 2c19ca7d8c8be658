import { base64url, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createJsonLogger, silentLogger } from '../../src/logger';
import { createAuthGuard } from '../../src/middleware/auth';
import { errorHandler } from '../../src/middleware/errors';
import { createRouter } from '../../src/openapi';
import { createTokenVerifier, remoteJwks } from '../../src/services/auth/verifier';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import { createTestDatabase, type TestDatabase } from '../support/databases';

/** Token verification is not about the database: one libSQL file serves these tests. */
let auth0: Auth0StandIn;
let db: TestDatabase;
let app: ReturnType<typeof createTestApp>;

beforeAll(async () => {
  auth0 = await startAuth0StandIn();
  db = await createTestDatabase('libsql');
  app = createTestApp({ database: db.database, auth0 });
});
afterAll(async () => {
  await db.dispose();
  await auth0.close();
});
beforeEach(() => {
  auth0.modes.jwks = 'ok';
});

async function call(headers: Record<string, string>, path = '/api/ping-protected') {
  const res = await app.request(path, { headers });
  return { status: res.status, body: (await res.json()) as { error?: string }, res };
}

const encode = (value: object) => base64url.encode(JSON.stringify(value));

describe('bearer token verification', () => {
  it('accepts a valid RS256 token', async () => {
    const { status } = await call(bearer(await auth0.sign({ sub: 'auth0|ok' })));
    expect(status).toBe(200);
  });

  it('accepts an audience given as an array that contains ours', async () => {
    const token = await auth0.sign({ sub: 'auth0|aud' }, { audience: ['https://other', auth0.audience] });
    expect((await call(bearer(token))).status).toBe(200);
  });

  it.each([
    ['no header', {}],
    ['a Basic scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['Bearer with no token', { Authorization: 'Bearer ' }],
    ['two tokens', { Authorization: 'Bearer a.b.c d.e.f' }],
  ])('answers 401 missing_or_invalid_authorization for %s', async (_name, headers) => {
    const { status, body, res } = await call(headers);
    expect(status).toBe(401);
    expect(body.error).toBe('missing_or_invalid_authorization');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('answers 401 token_expired for an expired token', async () => {
    const { status, body, res } = await call(bearer(await auth0.sign({ sub: 'x' }, { expiresIn: -120 })));
    expect(status).toBe(401);
    expect(body.error).toBe('token_expired');
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('tolerates a few seconds of clock skew on exp', async () => {
    expect((await call(bearer(await auth0.sign({ sub: 'x' }, { expiresIn: -5 })))).status).toBe(200);
  });

  it('answers 401 invalid_token when nbf is in the future', async () => {
    const { body } = await call(bearer(await auth0.sign({ sub: 'x' }, { notBefore: 600 })));
    expect(body.error).toBe('invalid_token');
  });

  it.each([
    ['a wrong issuer', { issuer: 'https://evil.example.com/' }],
    ['a wrong audience', { audience: 'https://other-api' }],
  ])('answers 401 invalid_token for %s', async (_name, options) => {
    const { status, body } = await call(bearer(await auth0.sign({ sub: 'x' }, options)));
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_token');
  });

  it('answers 401 invalid_token for alg none', async () => {
    const token = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({
      sub: 'x',
      iss: auth0.issuer,
      aud: auth0.audience,
      exp: Math.floor(Date.now() / 1000) + 600,
    })}.`;
    const { status, body } = await call(bearer(token));
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_token');
  });

  it('answers 401 invalid_token for HS256 signed with the RSA public key as the secret', async () => {
    const jwk = auth0.publicJwk();
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const token = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: jwk.kid })
      .setIssuer(auth0.issuer)
      .setAudience(auth0.audience)
      .setExpirationTime('10m')
      .sign(secret);
    const { body } = await call(bearer(token));
    expect(body.error).toBe('invalid_token');
  });

  it('answers 401 invalid_token for a tampered payload', async () => {
    const [header, , signature] = (await auth0.sign({ sub: 'auth0|alice' })).split('.');
    const forged = encode({
      sub: 'auth0|admin',
      iss: auth0.issuer,
      aud: auth0.audience,
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const { body } = await call(bearer(`${header}.${forged}.${signature}`));
    expect(body.error).toBe('invalid_token');
  });

  it('answers 401 invalid_token for a token signed by a key of its own', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const kid = (await exportJWK(publicKey)).n?.slice(0, 8);
    const token = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuer(auth0.issuer)
      .setAudience(auth0.audience)
      .setExpirationTime('10m')
      .sign(privateKey);
    const { body } = await call(bearer(token));
    expect(body.error).toBe('invalid_token');
  });

  it.each(['not-a-jwt', 'a.b.c', `${encode({ alg: 'RS256' })}.e30.`])(
    'answers 401 invalid_token for the malformed token %s',
    async (token) => {
      const { status, body } = await call(bearer(token));
      expect(status).toBe(401);
      expect(body.error).toBe('invalid_token');
    },
  );

  it('answers 401 auth_failure, not a crash, when the JWKS cannot be fetched', async () => {
    const standIn = await startAuth0StandIn();
    const local = createTestApp({ database: db.database, auth0: standIn });
    const token = await standIn.sign({ sub: 'x' });
    standIn.modes.jwks = 'reset';
    const res = await local.request('/api/ping-protected', { headers: bearer(token) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'auth_failure' });
    standIn.modes.jwks = 'error500';
    expect(
      await (await local.request('/api/ping-protected', { headers: bearer(token) })).json(),
    ).toMatchObject({
      error: 'auth_failure',
    });
    standIn.modes.jwks = 'ok';
    expect((await local.request('/api/ping-protected', { headers: bearer(token) })).status).toBe(200);
    await standIn.close();
  });
});

describe('JWKS caching and key rotation', () => {
  it('fetches the JWKS once for many requests', async () => {
    const standIn = await startAuth0StandIn();
    const local = createTestApp({ database: db.database, auth0: standIn });
    const token = await standIn.sign({ sub: 'x' });
    for (let i = 0; i < 5; i++) await local.request('/api/ping-protected', { headers: bearer(token) });
    expect(standIn.counts.jwks).toBe(1);
    await standIn.close();
  });

  it('accepts a key published later (rotation) by refetching on an unknown kid', async () => {
    const standIn = await startAuth0StandIn();
    const local = createTestApp({ database: db.database, auth0: standIn });
    const first = await standIn.sign({ sub: 'x' });
    expect((await local.request('/api/ping-protected', { headers: bearer(first) })).status).toBe(200);

    const kid = await standIn.prepareKey();
    const rotated = await standIn.sign({ sub: 'x' }, { kid });
    const before = await local.request('/api/ping-protected', { headers: bearer(rotated) });
    expect(await before.json()).toMatchObject({ error: 'invalid_token' });

    standIn.publish(kid);
    expect((await local.request('/api/ping-protected', { headers: bearer(rotated) })).status).toBe(200);
    await standIn.close();
  });

  it('does not refetch for unknown kids more often than the cooldown', async () => {
    const standIn = await startAuth0StandIn();
    const local = createTestApp({
      database: db.database,
      auth0: standIn,
      deps: { jwks: { cooldownMs: 60_000 } },
    });
    await local.request('/api/ping-protected', { headers: bearer(await standIn.sign({ sub: 'x' })) });
    const kid = await standIn.prepareKey();
    const unknown = await standIn.sign({ sub: 'x' }, { kid });
    for (let i = 0; i < 5; i++) await local.request('/api/ping-protected', { headers: bearer(unknown) });
    expect(standIn.counts.jwks).toBe(1);
    await standIn.close();
  });
});

describe('scopes', () => {
  it('reads scopes from scope and permissions, and answers 403 insufficient_scope without them', async () => {
    const verify = createTokenVerifier({
      issuer: auth0.issuer,
      audience: auth0.audience,
      keys: remoteJwks(auth0.issuer, { fetch }),
      clock: { now: () => new Date() },
    });
    const guard = createAuthGuard({
      verify,
      hydrate: async () => Promise.reject(new Error('not used')),
      logger: silentLogger,
    });
    const router = createRouter();
    router.get('/jobs-admin', guard({ scopes: ['write:jobs'] }), (c) => c.json({ ok: true }));
    router.onError(errorHandler(silentLogger));

    const viaScope = await auth0.sign({ sub: 'x', scope: 'openid write:jobs' });
    const viaPermissions = await auth0.sign({ sub: 'x', permissions: ['write:jobs'] });
    const without = await auth0.sign({ sub: 'x', scope: 'openid read:jobs', permissions: ['write:job'] });
    expect((await router.request('/jobs-admin', { headers: bearer(viaScope) })).status).toBe(200);
    expect((await router.request('/jobs-admin', { headers: bearer(viaPermissions) })).status).toBe(200);
    const denied = await router.request('/jobs-admin', { headers: bearer(without) });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: 'insufficient_scope' });
    expect(denied.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="write:jobs"',
    );
  });
});

describe('the auth failure log', () => {
  /** An app whose log lines are kept, as the JSON logger writes them. */
  function loggedApp(standIn = auth0) {
    const lines: string[] = [];
    const logger = createJsonLogger((line) => lines.push(line));
    const local = createTestApp({ database: db.database, auth0: standIn, deps: { logger } });
    const failures = () =>
      lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === 'auth failed');
    return {
      lines,
      failures,
      request: (headers: Record<string, string>) => local.request('/api/ping-protected', { headers }),
    };
  }

  /** The token, and each of its parts long enough to identify it, must appear in no line. */
  function expectNoTokenIn(lines: string[], token: string) {
    const text = lines.join('\n');
    for (const fragment of [token, ...token.split('.').filter((part) => part.length >= 8)]) {
      expect(text).not.toContain(fragment);
    }
  }

  it('logs a missing header at info, with its code and reason', async () => {
    const { failures, request } = loggedApp();
    await request({});
    expect(failures()).toEqual([
      expect.objectContaining({
        level: 'info',
        code: 'missing_or_invalid_authorization',
        reason: 'no Authorization header',
      }),
    ]);
  });

  it('logs a malformed Authorization header without any of it', async () => {
    const { lines, failures, request } = loggedApp();
    const token = await auth0.sign({ sub: 'auth0|ana' });
    await request({ Authorization: `Bearer ${token} ${token}` });
    expect(failures()).toEqual([
      expect.objectContaining({ level: 'info', code: 'missing_or_invalid_authorization' }),
    ]);
    expectNoTokenIn(lines, token);
  });

  it.each([
    [
      'an expired token',
      () => auth0.sign({ sub: 'x' }, { expiresIn: -120 }),
      'token_expired',
      /^JWTExpired: /,
    ],
    [
      'a wrong audience',
      () => auth0.sign({ sub: 'x' }, { audience: 'https://other-api' }),
      'invalid_token',
      /^JWTClaimValidationFailed: unexpected "aud" claim value/,
    ],
    [
      'a key that is not published',
      async () => auth0.sign({ sub: 'x' }, { kid: await auth0.prepareKey() }),
      'invalid_token',
      /^JWKSNoMatchingKey: /,
    ],
    [
      'a tampered signature',
      async () => `${(await auth0.sign({ sub: 'x' })).slice(0, -6)}AAAAAA`,
      'invalid_token',
      /^JWSSignatureVerificationFailed: /,
    ],
  ])(
    'logs %s at warn with code, reason, issuer and kid, and never the token',
    async (_name, make, code, reason) => {
      const { lines, failures, request } = loggedApp();
      const token = await make();
      await request(bearer(token));
      const [failure] = failures();
      expect(failure).toMatchObject({ level: 'warn', code, issuer: auth0.issuer });
      expect(failure?.reason).toMatch(reason);
      expect(failure?.kid).toEqual(expect.any(String));
      expectNoTokenIn(lines, token);
    },
  );

  it('logs an unreachable JWKS as auth_failure with the cause of the failed fetch', async () => {
    const standIn = await startAuth0StandIn();
    const { lines, failures, request } = loggedApp(standIn);
    const token = await standIn.sign({ sub: 'x' });
    standIn.modes.jwks = 'error500';
    await request(bearer(token));
    await standIn.close();
    const [failure] = failures();
    expect(failure).toMatchObject({ level: 'warn', code: 'auth_failure', issuer: standIn.issuer });
    expect(failure?.reason).toMatch(/^JwksUnavailableError: .*HTTP 500/);
    expectNoTokenIn(lines, token);
  });

  it('logs a missing scope at warn with the subject', async () => {
    const lines: string[] = [];
    const verify = createTokenVerifier({
      issuer: auth0.issuer,
      audience: auth0.audience,
      keys: remoteJwks(auth0.issuer, { fetch }),
      clock: { now: () => new Date() },
    });
    const guard = createAuthGuard({
      verify,
      hydrate: async () => Promise.reject(new Error('not used')),
      logger: createJsonLogger((line) => lines.push(line)),
    });
    const router = createRouter();
    router.get('/jobs-admin', guard({ scopes: ['write:jobs'] }), (c) => c.json({ ok: true }));
    router.onError(errorHandler(silentLogger));
    const token = await auth0.sign({ sub: 'auth0|reader', scope: 'read:jobs' });
    await router.request('/jobs-admin', { headers: bearer(token) });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'auth failed',
        code: 'insufficient_scope',
        reason: 'missing scope write:jobs',
        sub: 'auth0|reader',
        issuer: auth0.issuer,
      }),
    ]);
    expectNoTokenIn(lines, token);
  });
});
