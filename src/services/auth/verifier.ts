import {
  createLocalJWKSet,
  errors,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { Clock } from '../../clock';
import { AppError } from '../../errors';
import type { AuthContext } from './auth-context';
import { type KeySetOptions, RemoteKeySet } from './jwks';
import { type TokenCacheOptions, tokenCacheKey, VerifiedTokenCache } from './token-cache';

export type { AuthContext } from './auth-context';

export type TokenVerifier = (token: string) => Promise<AuthContext>;

/**
 * Keys for `jwtVerify` that carry the cache of tokens verified with them. The cache lives as long
 * as the keys (per process on Node, per isolate on Workers, where an app is built per request).
 */
export type KeySource = JWTVerifyGetKey & { readonly verifiedTokens: VerifiedTokenCache };

export interface RemoteJwksOptions extends Omit<KeySetOptions, 'onKeySetChange'> {
  tokenCache?: TokenCacheOptions;
}

/** The tenant's JWKS at `${issuer}.well-known/jwks.json`; see `RemoteKeySet` for how it is kept. */
export function remoteJwks(issuer: string, options: RemoteJwksOptions): KeySource {
  const { tokenCache, ...keySetOptions } = options;
  const tokens: { cache?: VerifiedTokenCache } = {};
  const keySet = new RemoteKeySet(new URL('.well-known/jwks.json', issuer).href, {
    ...keySetOptions,
    // A token verified with a key that is gone must not keep answering.
    onKeySetChange: () => tokens.cache?.clear(),
  });
  tokens.cache = new VerifiedTokenCache(tokenCache, () => keySet.usable());
  return Object.assign(keySet.getKey, { verifiedTokens: tokens.cache });
}

/** Keys that never change (the development issuer's). */
export function localJwks(jwks: JSONWebKeySet, options: { tokenCache?: TokenCacheOptions } = {}): KeySource {
  return Object.assign(createLocalJWKSet(jwks), {
    verifiedTokens: new VerifiedTokenCache(options.tokenCache),
  });
}

export interface VerifierOptions {
  issuer: string;
  audience: string;
  /** A `KeySource` also answers repeated tokens from its cache; other keys verify every time. */
  keys: JWTVerifyGetKey;
  clock: Clock;
  /** Allowed skew for exp/nbf/iat, seconds. */
  clockToleranceSec?: number;
  /**
   * SHA-256 of a string as hex, synchronously, for the token cache's keys (the Node entry passes
   * node:crypto's, a few µs). Default: WebCrypto's digest, which answers through a thread hop
   * (~30 µs on Node), on any runtime.
   */
  sha256Hex?: (text: string) => string;
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const verify = jwtVerifier(options);
  const cache = 'verifiedTokens' in options.keys ? options.keys.verifiedTokens : undefined;
  if (!(cache instanceof VerifiedTokenCache)) return verify;
  const toleranceSec = options.clockToleranceSec ?? 30;
  const scope = `${options.issuer} ${options.audience} ${toleranceSec}`;
  return async (token) => {
    const nowMs = options.clock.now().getTime();
    const key = options.sha256Hex
      ? options.sha256Hex(`${scope}\n${token}`)
      : await tokenCacheKey(scope, token);
    const hit = cache.get(key, nowMs);
    if (hit) return hit;
    const epoch = cache.epoch;
    const auth = await verify(token);
    cache.set(key, auth, { epoch, nowMs, ...validityOf(auth.claims, toleranceSec) });
    return auth;
  };
}

/**
 * The span in which jose accepts the claims, in ms: it compares whole seconds (floor of now) with
 * `exp`/`nbf` and the tolerance, so an entry ends exactly when verification would say expired.
 */
function validityOf(claims: JWTPayload, toleranceSec: number) {
  const exp = claims.exp ?? Number.NEGATIVE_INFINITY; // required: verification ensured a number
  return {
    expiresAtMs: Math.ceil(exp + toleranceSec) * 1000,
    validFromMs:
      claims.nbf === undefined ? Number.NEGATIVE_INFINITY : Math.ceil(claims.nbf - toleranceSec) * 1000,
  };
}

/** Verification itself: signature (RS256 only), issuer, audience and time claims. */
function jwtVerifier(options: VerifierOptions): TokenVerifier {
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
      throw new AppError('invalid_token', 'The token has no usable subject');
    }
    // Frozen: a cached context is handed to many requests, none may change it for the others.
    return Object.freeze({ sub: payload.sub, scopes: scopesOf(payload), claims: Object.freeze(payload) });
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

/** Maps jose's failures onto the contract's 401 codes; the cause is kept for the failure log. */
function verificationError(err: unknown): AppError {
  const cause = { cause: err };
  if (err instanceof errors.JWTExpired) return new AppError('token_expired', 'The token has expired', cause);
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new AppError('invalid_token', `The token's "${err.claim}" claim is not valid`, cause);
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new AppError('invalid_token', 'The token was signed by an unknown key', cause);
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) {
    return new AppError('invalid_token', 'The token must be signed with RS256', cause);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new AppError('invalid_token', 'The token signature is not valid', cause);
  }
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) {
    return new AppError('invalid_token', 'The token is malformed', cause);
  }
  // JWKS unreachable, timed out, or not a key set: not the client's fault.
  return new AppError('auth_failure', 'The token could not be verified right now', cause);
}
