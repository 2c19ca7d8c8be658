import type { MiddlewareHandler } from 'hono';
import { etag } from 'hono/etag';
import type { AppEnv } from '../env';

/**
 * Every API answer is about one caller or changes at any time: shared caches must not keep it,
 * and a client's own cache must ask again (`no-cache`), which the ETags below make cheap. Set
 * before the handler runs, so it is part of the response as built (a header added afterwards makes
 * `@hono/node-server` rebuild the response).
 */
export function privateNoCache(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.header('Cache-Control', 'private, no-cache');
    await next();
  };
}

/**
 * Weak ETags on the GET reads, and 304 Not Modified when `If-None-Match` names the current one:
 * a client that polls a list or a profile gets a few bytes instead of the page. Weak because the
 * same representation may be sent gzip- or br-encoded (see the Node adapter's compression).
 */
export function readValidators(): MiddlewareHandler<AppEnv> {
  const validate = etag({ weak: true });
  return (c, next) => (c.req.method === 'GET' ? validate(c, next) : next());
}

/**
 * The GET reads that carry ETags: job postings and user data that a client polls. (`/api/me` is
 * left out: its answer is smaller than a revalidation's headers.)
 */
export const validatedReads = [
  '/api/profile',
  '/api/jobs',
  '/api/jobs/*',
  '/api/resumes',
  '/api/resumes/*',
  '/api/conversations',
  '/api/conversations/*',
];
