import { createHash } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenCacheKey } from '../../../src/services/auth/token-cache';
import {
  createTokenVerifier,
  type KeySource,
  type RemoteJwksOptions,
  remoteJwks,
} from '../../../src/services/auth/verifier';
import { type JwksServer, type ManualClock, manualClock, startJwksServer } from './support';

const servers: JwksServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Counts the verifications that reach the keys, i.e. that the cache did not answer. */
function counted(source: KeySource) {
  const counter = { verifications: 0 };
  const getKey: JWTVerifyGetKey = (header, token) => {
    counter.verifications++;
    return source(header, token);
  };
  return { keys: Object.assign(getKey, { verifiedTokens: source.verifiedTokens }), counter };
}

async function setUp(options: Partial<RemoteJwksOptions> = {}) {
  // On a whole second, so that expiry moments are easy to write down.
  const clock: ManualClock = manualClock(Math.floor(Date.now() / 1000) * 1000);
  const server = await startJwksServer(clock);
  servers.push(server);
  const source = remoteJwks(server.issuer, { fetch: (input, init) => fetch(input, init), clock, ...options });
  const { keys, counter } = counted(source);
  const verifier = (audience = server.audience) =>
    createTokenVerifier({ issuer: server.issuer, audience, keys, clock });
  return { clock, server, source, keys, counter, verify: verifier(), verifier };
}

describe('the cache of verified tokens', () => {
  it('verifies a repeated token once', async () => {
    const { server, counter, verify } = await setUp();
    const token = await server.sign();
    for (let i = 0; i < 3; i++) expect((await verify(token)).sub).toBe('auth0|ana');
    expect(counter.verifications).toBe(1);
  });

  it('takes a synchronous SHA-256 when given one (Node), with the same keys as WebCrypto', async () => {
    const { server, counter, keys, clock } = await setUp();
    const hashed: string[] = [];
    const sha256Hex = (text: string) => {
      hashed.push(text);
      return createHash('sha256').update(text).digest('hex');
    };
    const verify = createTokenVerifier({
      issuer: server.issuer,
      audience: server.audience,
      keys,
      clock,
      sha256Hex,
    });
    const token = await server.sign();
    await verify(token);
    await verify(token);
    expect(hashed).toHaveLength(2);
    expect(counter.verifications).toBe(1);
    // An entry stored under the Node hash answers a WebCrypto-keyed verifier too (same key).
    const plain = createTokenVerifier({
      issuer: server.issuer,
      audience: server.audience,
      keys,
      clock,
    });
    const before = counter.verifications;
    await plain(token);
    expect(counter.verifications).toBe(before);
  });

  it('is shared by every verifier built on the same key source (one per request on Workers)', async () => {
    const { server, counter, verifier } = await setUp();
    const token = await server.sign();
    await verifier()(token);
    await verifier()(token);
    expect(counter.verifications).toBe(1);
  });

  it('answers token_expired for a cached token at the moment verification would', async () => {
    const { clock, server, counter, verify } = await setUp();
    const token = await server.sign({}, { ttlSec: 60 });
    await verify(token);
    // exp is 60 s away and 30 s of clock skew are tolerated.
    clock.advance(90_000 - 1);
    await expect(verify(token)).resolves.toMatchObject({ sub: 'auth0|ana' });
    expect(counter.verifications).toBe(1);
    clock.advance(1);
    await expect(verify(token)).rejects.toMatchObject({ status: 401, code: 'token_expired' });
  });

  it('keeps an entry at most tokenCache.maxAgeMs (2 minutes by default)', async () => {
    const { clock, server, counter, verify } = await setUp();
    const token = await server.sign();
    await verify(token);
    clock.advance(120_000);
    await verify(token);
    expect(counter.verifications).toBe(2);
  });

  it('does not keep failures', async () => {
    const { server, counter, verify } = await setUp();
    const token = await server.sign({}, { audience: 'https://another-api' });
    for (let i = 0; i < 2; i++) await expect(verify(token)).rejects.toMatchObject({ code: 'invalid_token' });
    expect(counter.verifications).toBe(2);
  });

  it('does not answer for a verifier of another audience', async () => {
    const { server, verifier } = await setUp();
    const token = await server.sign();
    await verifier()(token);
    await expect(verifier('https://another-api')(token)).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('holds at most tokenCache.maxEntries, evicting the oldest', async () => {
    const { server, counter, verify } = await setUp({ tokenCache: { maxEntries: 2 } });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((sub) => server.sign({ sub })));
    for (const token of [a!, b!, c!]) await verify(token);
    await verify(c!);
    expect(counter.verifications).toBe(3);
    await verify(a!);
    expect(counter.verifications).toBe(4);
  });

  it('is emptied when a fetched key set differs from the one before', async () => {
    const { clock, server, source, counter, verify } = await setUp();
    const token = await server.sign();
    await verify(token);
    const kid = await server.addKey();
    clock.advance(30_000);
    await verify(await server.sign({}, { kid })); // unknown kid: the refetch brings the new key
    // Emptied; the verification that ran across the change is not kept either (it is not known
    // which set it was checked against).
    expect(source.verifiedTokens.size).toBe(0);
    await verify(token);
    expect(counter.verifications).toBe(3);
  });

  it('is kept when a refetch brings the same keys', async () => {
    const { clock, server, source, counter, verify } = await setUp();
    const token = await server.sign();
    await verify(token);
    const kid = await server.addKey({ publish: false });
    clock.advance(30_000);
    await expect(verify(await server.sign({}, { kid }))).rejects.toMatchObject({ code: 'invalid_token' });
    expect(source.verifiedTokens.size).toBe(1);
    await verify(token);
    expect(counter.verifications).toBe(2);
  });

  it('does not answer once its key set is past staleIfErrorMs: auth_failure, as without the cache', async () => {
    const { clock, server, verify } = await setUp({ maxAgeMs: 10_000, staleIfErrorMs: 60_000 });
    const token = await server.sign();
    await verify(token);
    server.setMode({ status: 500, body: '{}' });
    clock.advance(60_000);
    await expect(verify(token)).rejects.toMatchObject({ status: 401, code: 'auth_failure' });
  });

  it('is keyed by a SHA-256 of the token, never the token', async () => {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const key = await tokenCacheKey('issuer audience', token);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toBe(await tokenCacheKey('issuer other-audience', token));
  });
});
