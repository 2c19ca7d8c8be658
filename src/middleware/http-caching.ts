import type { MiddlewareHandler } from 'hono';
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

/** Headers a 304 keeps (RFC 9110: those a 200 would have sent that concern caching). */
const kept304Headers = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary'];

/** Whether `If-None-Match` names `etag` (weak comparison: W/ is ignored on both sides). */
function matches(etag: string, ifNoneMatch: string | undefined): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const tag = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === tag);
}

/**
 * Weak ETags on the GET reads, and 304 Not Modified when `If-None-Match` names the current one:
 * a client that polls a list or a profile gets a few bytes instead of the page. Weak because the
 * same representation may be sent gzip- or br-encoded (see the Node adapter's compression).
 *
 * Not Hono's `etag()`: it clones the response, reads the copy as a stream and hashes it with the
 * asynchronous WebCrypto, then sets the header on the finished response (which makes
 * @hono/node-server rebuild it): together about as much CPU as a cached job list itself. Here the
 * body is read once as text, hashed with `hash` when the runtime has a synchronous one (Node's
 * node:crypto), and the response is made once, header included.
 */
export function readValidators(options: { hash?: (text: string) => string } = {}): MiddlewareHandler<AppEnv> {
  const hash =
    options.hash ??
    (async (text: string) => {
      const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
      return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
    });
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const ifNoneMatch = c.req.header('If-None-Match');
    await next();
    const res = c.res;
    if (!res.ok || res.status === 204) return;
    let etag = res.headers.get('ETag');
    let body: string | undefined;
    if (!etag) {
      // The reads carrying validators are JSON built in memory: reading them costs no waiting.
      body = await res.text();
      etag = `W/"${(await hash(body)).slice(0, 32)}"`;
    }
    if (matches(etag, ifNoneMatch)) {
      const headers = new Headers();
      for (const name of kept304Headers) {
        const value = res.headers.get(name);
        if (value !== null) headers.set(name, value);
      }
      headers.set('ETag', etag);
      if (body === undefined) await res.body?.cancel();
      // Unset first: assigning over a response copies all of its headers onto the new one.
      c.res = undefined;
      c.res = new Response(null, { status: 304, headers });
      return;
    }
    if (body !== undefined) {
      const headers = new Headers(res.headers);
      headers.set('ETag', etag);
      c.res = undefined;
      c.res = new Response(body, { status: res.status, statusText: res.statusText, headers });
    }
  };
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
