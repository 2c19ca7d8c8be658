import { exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK, SignJWT } from 'jose';

/**
 * A development stand-in for Auth0, so a newcomer can call every route right after `npm start`
 * with no tenant: a key pair of its own, a JWKS, and tokens signed with it. Tokens are verified
 * by the same verifier as Auth0's; only the key source differs. Never used in production.
 */
export const devIssuer = 'https://dev-issuer.jobmate.local/';
export const devAudience = 'https://api.jobmate.local';
const devKid = 'jobmate-dev-1';

export interface DevIssuer {
  issuer: string;
  audience: string;
  jwks: JSONWebKeySet;
  sign(
    claims: { sub: string; scope?: string; email?: string; name?: string },
    lifetimeSec?: number,
  ): Promise<string>;
}

export async function generateDevKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: devKid, alg: 'RS256', use: 'sig' };
}

export async function createDevIssuer(privateJwk: JWK): Promise<DevIssuer> {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, 'RS256');
  return {
    issuer: devIssuer,
    audience: devAudience,
    jwks: { keys: [publicJwk] },
    async sign(claims, lifetimeSec = 3600) {
      const { sub, ...rest } = claims;
      return new SignJWT(rest)
        .setProtectedHeader({ alg: 'RS256', kid: privateJwk.kid ?? devKid, typ: 'JWT' })
        .setSubject(sub)
        .setIssuer(devIssuer)
        .setAudience(devAudience)
        .setIssuedAt()
        .setExpirationTime(`${lifetimeSec}s`)
        .sign(key);
    },
  };
}
