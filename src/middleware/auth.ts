import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { ApiError } from '../errors';
import type { TokenVerifier } from '../services/auth/verifier';
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
 * user when asked. Failures are ApiErrors; `onError` adds `WWW-Authenticate` for 401/403.
 */
export function createAuthGuard(deps: { verify: TokenVerifier; hydrate: Hydrator }) {
  return (options: AuthOptions = {}) =>
    createMiddleware<AppEnv>(async (c, next) => {
      const match = bearer.exec(c.req.header('authorization') ?? '');
      if (!match?.[1]) {
        throw new ApiError(
          401,
          'missing_or_invalid_authorization',
          'Send an Authorization: Bearer <token> header',
        );
      }
      const auth = await deps.verify(match[1]);
      const missing = (options.scopes ?? []).filter((s) => !auth.scopes.has(s));
      if (missing.length > 0) {
        throw new ApiError(403, 'insufficient_scope', `This needs the scope ${missing.join(' ')}`, {
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
