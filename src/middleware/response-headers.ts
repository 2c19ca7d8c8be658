import type { Context } from 'hono';
import type { AppEnv } from '../env';

/**
 * The security headers of every response: Hono's `secureHeaders()` defaults (Helmet's), with
 * `Cross-Origin-Resource-Policy: cross-origin` so that web clients on other origins can read the
 * API's answers. test/middleware/response-headers.test.ts keeps this list equal to what
 * `secureHeaders({ crossOriginResourcePolicy: 'cross-origin' })` sets.
 */
export const securityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=15552000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
});

/** Where a server takes a response's headers before the app's own (Node: its `ServerResponse`). */
export interface ServerHeaders {
  setHeader(name: string, value: string): unknown;
}

/**
 * The runtime's own response for a request, when it can take headers ahead of the app's response
 * (the Node entry passes one reading @hono/node-server's `c.env.outgoing`); undefined elsewhere.
 */
export type ServerHeadersOf = (c: Context) => ServerHeaders | undefined;

/**
 * Why the headers every response carries (security headers, X-Request-Id, X-Response-Time, the
 * default Cache-Control) are not set with `c.header()`: a header set through Hono's context makes
 * every response carry a web `Headers` object, which @hono/node-server then reads back entry by
 * entry to write the response. With `serverHeaders` (Node) they go straight to the
 * `ServerResponse`, which merges the handler's headers over them when it writes the head, so a
 * JSON answer keeps the plain header object the adapter writes as it is. Elsewhere (Workers, Bun,
 * Deno, `app.request()` in tests) `applyResponseHeaders` sets them on the finished response. A
 * handler's own header of the same name wins either way. `everyRequest` (every-request.ts) does
 * both.
 */
export function applyResponseHeaders(c: Context, defaults: Iterable<readonly [string, string]>): void {
  let { headers } = c.res;
  for (const [name, value] of defaults) {
    if (headers.has(name)) continue;
    try {
      headers.set(name, value);
    } catch {
      // Immutable headers (a response passed through from `fetch`): Hono copies the response.
      c.header(name, value);
      headers = c.res.headers;
    }
  }
}

/**
 * Adds a header to this request's response unless its handler sets one of that name (see
 * `everyRequest`, which must run first). Works before the handler and after it.
 */
export function addResponseHeader(c: Context<AppEnv>, name: string, value: string): void {
  const add = c.get('addResponseHeader');
  if (add) add(name, value);
  else c.header(name, value);
}
