import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { AppEnv } from '../env';
import { AppError } from '../errors';
import type { LogFields, Logger } from '../logger';
import { reasonOf } from '../services/auth/jwks';
import type { AuthContext, TokenVerifier } from '../services/auth/verifier';
import type { Hydrator } from '../services/users';

export interface AuthOptions {
  /** Every one of these must be granted by the token's `scope` or `permissions`. */
  scopes?: string[];
  /** Load (or create) the caller's `user_profiles` row into `c.var.user`. */
  hydrate?: boolean;
}

const bearer = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i;

/**
 * Builds the per-route auth middleware: verifies the bearer token, checks scopes, and hydrates the
 * user when asked. Failures are AppErrors; `onError` adds `WWW-Authenticate` for 401/403. Each
 * 401/403 is logged with its cause, so "why was I logged out" has an answer, and never with the
 * token: it is a credential.
 */
export function createAuthGuard(deps: { verify: TokenVerifier; hydrate: Hydrator; logger: Logger }) {
  const { logger } = deps;
  return (options: AuthOptions = {}) =>
    createMiddleware<AppEnv>(async (c, next) => {
      const header = c.req.header('authorization');
      const token = bearer.exec(header ?? '')?.[1];
      if (!token) {
        // Routine (a client that has not signed in yet): info, not warn. The header is not logged:
        // a malformed one may still hold a token.
        const reason = header === undefined ? 'no Authorization header' : 'not "Bearer <token>"';
        logger.info('auth failed', {
          request_id: c.var.requestId,
          code: 'missing_or_invalid_authorization',
          reason,
        });
        throw new AppError(
          'missing_or_invalid_authorization',
          'Send an Authorization: Bearer <token> header',
        );
      }
      const auth = await verified(deps.verify, token, (err) => logVerificationFailure(logger, c, err, token));
      const missing = (options.scopes ?? []).filter((s) => !auth.scopes.has(s));
      if (missing.length > 0) {
        logInsufficientScope(logger, c, auth, token, missing);
        throw new AppError('insufficient_scope', `This needs the scope ${missing.join(' ')}`, {
          headers: {
            'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${missing.join(' ')}"`,
          },
        });
      }
      c.set('auth', auth);
      if (options.hydrate) c.set('user', await deps.hydrate(auth));
      await next();
    });
}

export type AuthGuard = ReturnType<typeof createAuthGuard>;

async function verified(verify: TokenVerifier, token: string, onFailure: (err: unknown) => void) {
  try {
    return await verify(token);
  } catch (err) {
    onFailure(err);
    throw err;
  }
}

function logVerificationFailure(logger: Logger, c: Context<AppEnv>, err: unknown, token: string) {
  // Anything but a 401 is a bug, which the error handler logs as a 500.
  if (!(err instanceof AppError) || err.status !== 401) return;
  logger.warn(
    'auth failed',
    redacted(token, {
      request_id: c.var.requestId,
      code: err.code,
      reason: reasonOf(err.options.cause ?? err),
      ...unverifiedHeaderFields(token),
    }),
  );
}

function logInsufficientScope(
  logger: Logger,
  c: Context<AppEnv>,
  auth: AuthContext,
  token: string,
  missing: string[],
) {
  logger.warn(
    'auth failed',
    redacted(token, {
      request_id: c.var.requestId,
      code: 'insufficient_scope',
      reason: `missing scope ${missing.join(' ')}`,
      sub: auth.sub,
      ...unverifiedHeaderFields(token),
    }),
  );
}

const maxFieldLength = 200;

/**
 * The token's claimed issuer and key id, when it can be decoded: they tell a token of another
 * tenant or a rotated key apart. Unverified, so only short strings are taken.
 */
function unverifiedHeaderFields(token: string): LogFields {
  const fields: LogFields = {};
  const kid = attempt(() => decodeProtectedHeader(token).kid);
  const issuer = attempt(() => decodeJwt(token).iss);
  if (typeof issuer === 'string' && issuer.length <= maxFieldLength) fields.issuer = issuer;
  if (typeof kid === 'string' && kid.length <= maxFieldLength) fields.kid = kid;
  return fields;
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * Removes the token and its parts from every string field. jose's messages do not quote tokens,
 * and the header fields are decoded values, but a log line is the wrong place to find out otherwise.
 */
function redacted(token: string, fields: LogFields): LogFields {
  const fragments = [token, ...token.split('.')].filter((f) => f.length >= 8);
  const out: LogFields = {};
  for (const [name, value] of Object.entries(fields)) {
    out[name] =
      typeof value === 'string' ? fragments.reduce((text, f) => text.replaceAll(f, '[token]'), value) : value;
  }
  return out;
}
