import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/**
 * A local Auth0 tenant on loopback that speaks the real protocols: the JWKS at
 * `/.well-known/jwks.json` (RS256 keys), `POST /oauth/token` (client credentials) and
 * `GET /api/v2/users/:id` (Management API). Counters and failure modes let tests observe caching
 * and provoke errors.
 */
export type Mode = 'ok' | 'error500' | 'reset' | 'hang';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface SignOptions {
  kid?: string;
  issuer?: string;
  audience?: string | string[];
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Seconds from now for `nbf`. */
  notBefore?: number;
  /** Sign with a key that is not published in the JWKS. */
  unpublished?: boolean;
  /** Seconds from now for `iat` (default 0: issued now). */
  issuedAt?: number;
}

export const mgmtClientId = 'mgmt-client-id';
export const mgmtClientSecret = 'mgmt-client-secret';

export async function startAuth0StandIn(audience = 'https://api.jobmate.test') {
  const keys: SigningKey[] = [];
  const unpublished: SigningKey[] = [];
  const users = new Map<string, Record<string, unknown>>();
  const counts = { jwks: 0, token: 0, users: 0 };
  const modes = { jwks: 'ok' as Mode, token: 'ok' as Mode, users: 'ok' as Mode };
  let tokenLifetimeSec = 86_400;
  let issued = 0;

  async function newKey(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `key-${Math.random().toString(36).slice(2, 10)}`;
    return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
  }
  keys.push(await newKey());

  const hanging = new Set<ServerResponse>();
  function failed(mode: Mode, req: IncomingMessage, res: ServerResponse): boolean {
    if (mode === 'ok') return false;
    if (mode === 'reset') req.socket.destroy();
    else if (mode === 'hang') hanging.add(res);
    else send(res, 500, { error: 'internal' });
    return true;
  }
  function send(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
  async function readBody(req: IncomingMessage): Promise<string> {
    let data = '';
    for await (const chunk of req) data += chunk;
    return data;
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'GET' && url.pathname === '/.well-known/jwks.json') {
      counts.jwks++;
      if (failed(modes.jwks, req, res)) return;
      return send(res, 200, { keys: keys.map((k) => k.publicJwk) });
    }
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      counts.token++;
      if (failed(modes.token, req, res)) return;
      const body = JSON.parse((await readBody(req)) || '{}') as Record<string, string>;
      if (
        body.grant_type !== 'client_credentials' ||
        body.client_id !== mgmtClientId ||
        body.client_secret !== mgmtClientSecret ||
        body.audience !== `${issuer}api/v2/`
      ) {
        return send(res, 401, { error: 'access_denied' });
      }
      issued++;
      return send(res, 200, {
        access_token: `mgmt-token-${issued}`,
        token_type: 'Bearer',
        expires_in: tokenLifetimeSec,
      });
    }
    const userPath = /^\/api\/v2\/users\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && userPath?.[1]) {
      counts.users++;
      if (failed(modes.users, req, res)) return;
      if (!/^Bearer mgmt-token-\d+$/.test(req.headers.authorization ?? ''))
        return send(res, 401, { error: 'Unauthorized' });
      const user = users.get(decodeURIComponent(userPath[1]));
      return user ? send(res, 200, user) : send(res, 404, { statusCode: 404, error: 'Not Found' });
    }
    send(res, 404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  return {
    issuer,
    audience,
    counts,
    modes,
    users,
    setTokenLifetime(seconds: number) {
      tokenLifetimeSec = seconds;
    },
    /** Publishes a new signing key (key rotation) and returns its kid. */
    async rotate(): Promise<string> {
      const key = await newKey();
      keys.push(key);
      return key.kid;
    },
    /** Creates a key that is not (yet) published; `publish(kid)` adds it to the JWKS later. */
    async prepareKey(): Promise<string> {
      const key = await newKey();
      unpublished.push(key);
      return key.kid;
    },
    publish(kid: string) {
      const index = unpublished.findIndex((k) => k.kid === kid);
      if (index >= 0) keys.push(...unpublished.splice(index, 1));
    },
    publicJwk(): JWK {
      return keys[0]!.publicJwk;
    },
    async sign(claims: JWTPayload & { sub?: string }, options: SignOptions = {}): Promise<string> {
      const all = [...keys, ...unpublished];
      const key = options.kid ? all.find((k) => k.kid === options.kid) : keys[0];
      if (!key) throw new Error(`no key ${options.kid}`);
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT({ ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now + (options.issuedAt ?? 0))
        .setExpirationTime(now + (options.expiresIn ?? 3600));
      if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
      return jwt.sign(key.privateKey);
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Auth0StandIn = Awaited<ReturnType<typeof startAuth0StandIn>>;
