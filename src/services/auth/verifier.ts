import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { Clock } from '../../clock';
import { ApiError } from '../../errors';

export interface AuthContext {
  sub: string;
  /** From `scope` (space separated) and `permissions` (Auth0 RBAC), merged. */
  scopes: ReadonlySet<string>;
  claims: JWTPayload;
}

export type TokenVerifier = (token: string) => Promise<AuthContext>;

export interface RemoteJwksOptions {
  fetch: typeof fetch;
  /** Minimum time between two fetches caused by an unknown `kid` (key rotation). */
  cooldownMs?: number;
  /** How long a fetched key set is trusted before it is refetched. */
  maxAgeMs?: number;
  timeoutMs?: number;
}

/** The tenant's JWKS at `${issuer}.well-known/jwks.json`, cached, refetched on an unknown kid after a cooldown. */
export function remoteJwks(issuer: string, options: RemoteJwksOptions): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL('.well-known/jwks.json', issuer), {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.maxAgeMs ?? 10 * 60_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
    [customFetch]: options.fetch,
  });
}

export function localJwks(jwks: JSONWebKeySet): JWTVerifyGetKey {
  return createLocalJWKSet(jwks);
}

export interface VerifierOptions {
  issuer: string;
  audience: string;
  keys: JWTVerifyGetKey;
  clock: Clock;
  /** Allowed skew for exp/nbf/iat, seconds. */
  clockToleranceSec?: number;
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const { issuer, audience, keys, clock } = options;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        issuer,
        audience,
        clockTolerance: options.clockToleranceSec ?? 30,
        currentDate: clock.now(),
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (err) {
      throw verificationError(err);
    }
    // A subject with NUL cannot be stored (Postgres refuses it) and no real issuer makes one.
    if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.includes('\u0000')) {
      throw new ApiError(401, 'invalid_token', 'The token has no usable subject');
    }
    return { sub: payload.sub, scopes: scopesOf(payload), claims: payload };
  };
}

function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  if (typeof payload.scope === 'string') for (const s of payload.scope.split(' ')) if (s) scopes.add(s);
  if (Array.isArray(payload.permissions)) {
    for (const p of payload.permissions) if (typeof p === 'string' && p) scopes.add(p);
  }
  return scopes;
}

/** Maps jose's failures onto the contract's 401 codes. */
function verificationError(err: unknown): ApiError {
  if (err instanceof errors.JWTExpired) return new ApiError(401, 'token_expired', 'The token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new ApiError(401, 'invalid_token', `The token's "${err.claim}" claim is not valid`);
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new ApiError(401, 'invalid_token', 'The token was signed by an unknown key');
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new ApiError(401, 'invalid_token', 'The token must be signed with RS256');
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new ApiError(401, 'invalid_token', 'The token signature is not valid');
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return new ApiError(401, 'invalid_token', 'The token is malformed');
  }
  // JWKS unreachable, timed out, or not a key set: not the client's fault.
  return new ApiError(401, 'auth_failure', 'The token could not be verified right now', { cause: err });
}
