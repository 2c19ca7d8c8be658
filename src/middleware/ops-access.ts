import { AppError } from '../errors';

/**
 * Who may read operational endpoints (`/metrics`, `/api/health?deep=1`): holders of the ops token
 * (`METRICS_TOKEN`), never end users' Auth0 tokens. Without a token configured they are open
 * outside production and off (404) in production, so a forgotten token never exposes them.
 */
export interface OpsAccess {
  token?: string;
  production: boolean;
}

/** Compares in time independent of where the strings differ (the token is a secret). */
function sameSecret(given: string, expected: string): boolean {
  let difference = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) {
    difference |= (given.charCodeAt(i % Math.max(1, given.length)) || 0) ^ expected.charCodeAt(i);
  }
  return difference === 0;
}

/** Throws the contract's error when `authorization` (the header) does not grant ops access. */
export function requireOpsAccess(access: OpsAccess, authorization: string | undefined, what: string): void {
  if (!access.token) {
    if (access.production) throw new AppError('not_found', `${what} is off: set METRICS_TOKEN to use it`);
    return;
  }
  const given = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length).trim() : '';
  if (!given || !sameSecret(given, access.token)) {
    throw new AppError('missing_or_invalid_authorization', `${what} needs the ops token (METRICS_TOKEN)`);
  }
}
