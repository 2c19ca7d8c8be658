import { afterEach, describe, expect, it } from 'vitest';
import { createTokenVerifier, type RemoteJwksOptions, remoteJwks } from '../../../src/services/auth/verifier';
import { captureLogger, type JwksServer, manualClock, startJwksServer } from './support';

const minute = 60_000;
const hour = 60 * minute;

const servers: JwksServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * A verifier on the remote key source, with the token cache off so that every verification asks
 * the key source (the cache has tests of its own). `fetches` counts fetches as they start.
 */
async function setUp(options: Partial<RemoteJwksOptions> = {}) {
  const clock = manualClock();
  const server = await startJwksServer(clock);
  servers.push(server);
  const counter = { fetches: 0 };
  const keys = remoteJwks(server.issuer, {
    fetch: (input, init) => {
      counter.fetches++;
      return fetch(input, init);
    },
    clock,
    tokenCache: { maxEntries: 0 },
    ...options,
  });
  const verify = createTokenVerifier({ issuer: server.issuer, audience: server.audience, keys, clock });
  return { clock, server, counter, verify };
}

const authFailure = { status: 401, code: 'auth_failure' };
const unknownKey = { status: 401, code: 'invalid_token', message: 'The token was signed by an unknown key' };

describe('the first fetch', () => {
  it('is waited for, and concurrent verifications share one request', async () => {
    const { server, counter, verify } = await setUp();
    const token = await server.sign();
    server.setMode('hold');
    const pending = Promise.all(Array.from({ length: 10 }, () => verify(token)));
    await server.requestsArrived(1);
    server.release();
    expect((await pending).map((a) => a.sub)).toEqual(Array(10).fill('auth0|ana'));
    expect(counter.fetches).toBe(1);
  });

  it.each([
    ['a 500', { status: 500, body: '{"error":"internal"}' }],
    ['HTML', { status: 200, body: '<html>maintenance</html>' }],
    ['JSON that is not a key set', { status: 200, body: '{"keys":"none"}' }],
    ['a JSON array', { status: 200, body: '[]' }],
  ])('answers auth_failure when the JWKS answers %s', async (_name, mode) => {
    const { server, verify } = await setUp();
    server.setMode(mode);
    await expect(verify(await server.sign())).rejects.toMatchObject(authFailure);
  });

  it('answers auth_failure when the JWKS does not answer within timeoutMs', async () => {
    const { server, verify } = await setUp({ timeoutMs: 50 });
    server.setMode('hold');
    await expect(verify(await server.sign())).rejects.toMatchObject(authFailure);
  });
});

describe('a key set older than maxAgeMs', () => {
  it('is used at once while one refresh runs in the background', async () => {
    const { clock, server, counter, verify } = await setUp();
    await verify(await server.sign());
    clock.advance(10 * minute);
    server.setMode('hold');
    // The refresh is held by the server: these resolve only because nobody waits for it.
    const tokens = await Promise.all(Array.from({ length: 5 }, (_, i) => server.sign({ sub: `user-${i}` })));
    const results = await Promise.all(tokens.map((t) => verify(t)));
    expect(results.map((a) => a.sub)).toEqual(['user-0', 'user-1', 'user-2', 'user-3', 'user-4']);
    expect(counter.fetches).toBe(2);
    await server.requestsArrived(2);
  });

  it('is replaced when the background refresh lands (a key no longer published stops verifying)', async () => {
    const { clock, server, verify } = await setUp();
    const oldToken = await server.sign();
    await verify(oldToken);
    const newKid = await server.addKey();
    server.unpublish(server.firstKid);
    clock.advance(10 * minute);
    server.setMode('hold');
    await verify(oldToken); // served from the old set; starts the refresh
    await server.requestsArrived(2);
    server.release();
    // A token of the new key joins the refresh (or finds its result): either way it sees the new set.
    await expect(verify(await server.sign({}, { kid: newKid }))).resolves.toMatchObject({ sub: 'auth0|ana' });
    await expect(verify(oldToken)).rejects.toMatchObject(unknownKey);
  });

  it('keeps being used while refreshes fail, until staleIfErrorMs after it was fetched', async () => {
    const { clock, server, verify } = await setUp();
    const token = await server.sign({}, { ttlSec: 2 * 24 * 3600 });
    await verify(token);
    server.setMode({ status: 503, body: '{}' });
    clock.advance(24 * hour - 1);
    await expect(verify(token)).resolves.toMatchObject({ sub: 'auth0|ana' });
  });

  it('is no longer used staleIfErrorMs after it was fetched: auth_failure while refetching fails', async () => {
    const { clock, server, verify } = await setUp();
    const token = await server.sign({}, { ttlSec: 2 * 24 * 3600 });
    await verify(token);
    server.setMode('reset');
    clock.advance(24 * hour);
    await expect(verify(token)).rejects.toMatchObject(authFailure);
  });

  it('is refreshed again after a failed refresh only once cooldownMs has passed', async () => {
    const { logger, nextLine } = captureLogger();
    const { clock, server, counter, verify } = await setUp({ logger });
    const token = await server.sign();
    await verify(token);
    server.setMode({ status: 500, body: '{}' });
    clock.advance(10 * minute);
    const failed = nextLine();
    await verify(token);
    expect(await failed).toMatchObject({ level: 'warn', message: 'jwks fetch failed' });
    await verify(token);
    expect(counter.fetches).toBe(2);
    clock.advance(30_000);
    await verify(token);
    expect(counter.fetches).toBe(3);
  });
});

describe('an unknown kid', () => {
  it('triggers a refetch that finds a newly published key', async () => {
    const { clock, server, counter, verify } = await setUp();
    await verify(await server.sign());
    const kid = await server.addKey();
    clock.advance(30_000);
    await expect(verify(await server.sign({}, { kid }))).resolves.toMatchObject({ sub: 'auth0|ana' });
    expect(counter.fetches).toBe(2);
  });

  it('answers invalid_token without fetching within cooldownMs of the last fetch', async () => {
    const { clock, server, counter, verify } = await setUp();
    await verify(await server.sign());
    const kid = await server.addKey();
    clock.advance(29_999);
    await expect(verify(await server.sign({}, { kid }))).rejects.toMatchObject(unknownKey);
    expect(counter.fetches).toBe(1);
  });

  it('shares one refetch between concurrent verifications', async () => {
    const { clock, server, counter, verify } = await setUp();
    await verify(await server.sign());
    const kid = await server.addKey();
    clock.advance(30_000);
    const token = await server.sign({}, { kid });
    server.setMode('hold');
    const pending = Promise.all(Array.from({ length: 5 }, () => verify(token)));
    await server.requestsArrived(2);
    server.release();
    expect(await pending).toHaveLength(5);
    expect(counter.fetches).toBe(2);
  });

  it('answers auth_failure when its refetch fails (the key may be new)', async () => {
    const { clock, server, verify } = await setUp();
    await verify(await server.sign());
    const kid = await server.addKey();
    clock.advance(30_000);
    server.setMode('reset');
    await expect(verify(await server.sign({}, { kid }))).rejects.toMatchObject(authFailure);
  });
});

describe('a fetch that never settles (Workers drops the promises of a request that ended)', () => {
  /** The first fetch hangs whatever its signal says; later ones reach the server. */
  function firstFetchHangs() {
    let calls = 0;
    const hangingFetch: typeof fetch = (input, init) => {
      calls++;
      return calls === 1 ? new Promise<Response>(() => {}) : fetch(input, init);
    };
    return hangingFetch;
  }

  it('is waited for at most timeoutMs', async () => {
    const { server, verify } = await setUp({ fetch: firstFetchHangs(), timeoutMs: 50 });
    await expect(verify(await server.sign())).rejects.toMatchObject(authFailure);
  });

  it('is replaced by a new fetch once it is older than timeoutMs', async () => {
    const { clock, server, verify } = await setUp({ fetch: firstFetchHangs(), timeoutMs: 50 });
    const token = await server.sign();
    await expect(verify(token)).rejects.toMatchObject(authFailure);
    clock.advance(50);
    await expect(verify(token)).resolves.toMatchObject({ sub: 'auth0|ana' });
  });
});
