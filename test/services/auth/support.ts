import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { LogFields, Logger } from '../../../src/logger';

/**
 * A JWKS endpoint on loopback that the key-source tests steer request by request: which keys it
 * publishes, whether it answers, fails, resets or holds its answer, and when a request arrived.
 * Unlike test/support/auth0-standin.ts it signs tokens on the test's clock, so a test can move time
 * by days and still hold valid tokens.
 */
export type JwksMode = 'ok' | 'hold' | 'reset' | { status: number; body: string };

interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface ManualClock {
  now(): Date;
  advance(ms: number): void;
  /** Seconds since the epoch, as JWT claims count. */
  seconds(): number;
}

export function manualClock(start = Date.now()): ManualClock {
  let now = start;
  return {
    now: () => new Date(now),
    advance(ms) {
      now += ms;
    },
    seconds: () => Math.floor(now / 1000),
  };
}

export async function startJwksServer(clock: ManualClock, audience = 'https://api.jobmate.test') {
  const keys = new Map<string, SigningKey>();
  const published = new Set<string>();
  const held: ServerResponse[] = [];
  const arrivals: { count: number; resolve: () => void }[] = [];
  let mode: JwksMode = 'ok';
  let requests = 0;

  const body = () => JSON.stringify({ keys: [...published].map((kid) => keys.get(kid)!.publicJwk) });
  const answer = (res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body());
  };

  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    requests++;
    for (const waiter of arrivals.filter((w) => requests >= w.count)) waiter.resolve();
    if (mode === 'hold') held.push(res);
    else if (mode === 'reset') req.socket.destroy();
    else if (mode === 'ok') answer(res);
    else res.writeHead(mode.status, { 'content-type': 'application/json' }).end(mode.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  async function addKey(options: { publish?: boolean } = {}): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `key-${keys.size + 1}-${Math.random().toString(36).slice(2, 8)}`;
    keys.set(kid, {
      privateKey,
      publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    });
    if (options.publish ?? true) published.add(kid);
    return kid;
  }
  const firstKid = await addKey();

  return {
    issuer,
    audience,
    firstKid,
    /** JWKS requests received so far. */
    get requests() {
      return requests;
    },
    setMode(next: JwksMode) {
      mode = next;
    },
    /** Resolves once `count` JWKS requests in all have arrived. */
    requestsArrived(count: number): Promise<void> {
      if (requests >= count) return Promise.resolve();
      return new Promise((resolve) => arrivals.push({ count, resolve }));
    },
    /** Answers the held requests with the keys published now. */
    release() {
      for (const res of held.splice(0)) answer(res);
    },
    addKey,
    publish(kid: string) {
      published.add(kid);
    },
    unpublish(kid: string) {
      published.delete(kid);
    },
    /** A token valid for `ttlSec` (default one hour) from the clock's now. */
    async sign(
      claims: JWTPayload = { sub: 'auth0|ana' },
      options: { kid?: string; ttlSec?: number; audience?: string } = {},
    ): Promise<string> {
      const kid = options.kid ?? firstKid;
      const key = keys.get(kid);
      if (!key) throw new Error(`no key ${kid}`);
      const now = clock.seconds();
      return new SignJWT({ sub: 'auth0|ana', ...claims })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(now + (options.ttlSec ?? 3600))
        .sign(key.privateKey);
    },
    async close() {
      for (const res of held.splice(0)) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type JwksServer = Awaited<ReturnType<typeof startJwksServer>>;

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields;
}

/** A logger that keeps its lines, and lets a test await the next one (a background failure, say). */
export function captureLogger() {
  const lines: LogLine[] = [];
  let waiting: ((line: LogLine) => void)[] = [];
  const log =
    (level: LogLine['level']) =>
    (message: string, fields: LogFields = {}) => {
      const line = { level, message, fields };
      lines.push(line);
      const resolve = waiting;
      waiting = [];
      for (const r of resolve) r(line);
    };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return {
    logger,
    lines,
    nextLine: () => new Promise<LogLine>((resolve) => waiting.push(resolve)),
  };
}
