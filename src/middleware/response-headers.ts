import type { Context, MiddlewareHandler } from 'hono';
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
 * The headers the app adds to every response around its handlers: the security headers above,
 * and what other middleware adds with `addResponseHeader` (X-Request-Id, X-Response-Time, the
 * default Cache-Control). A handler's own header of the same name wins.
 *
 * Why not `c.header()`: a header set through Hono's context makes every response carry a web
 * `Headers` object, which @hono/node-server then reads back entry by entry to write the response;
 * fifteen of them cost a small request about a sixth of its CPU. With `serverHeaders` (Node) they
 * go straight to the `ServerResponse`, which merges the handler's headers over them when it
 * writes the head, so a JSON answer keeps the plain header object @hono/node-server writes as it
 * is. Elsewhere (Workers, Bun, Deno, `app.request()` in tests) they are set on the finished
 * response, where the handler's did not already set them.
 */
export function responseHeaders(
  options: { serverHeaders?: ServerHeadersOf } = {},
): MiddlewareHandler<AppEnv> {
  const fixed = Object.entries(securityHeaders);
  return async (c, next) => {
    const server = options.serverHeaders?.(c);
    if (server) {
      for (const [name, value] of fixed) server.setHeader(name, value);
      c.set('addResponseHeader', (name, value) => void server.setHeader(name, value));
      await next();
      return;
    }
    const added: [string, string][] = [];
    c.set('addResponseHeader', (name, value) => void added.push([name, value]));
    await next();
    const defaults = added.length === 0 ? fixed : [...fixed, ...added];
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
  };
}

/**
 * Adds a header to this request's response unless its handler sets one of that name (see
 * `responseHeaders`, which must run first). Works before the handler and after it.
 */
export function addResponseHeader(c: Context<AppEnv>, name: string, value: string): void {
  const add = c.get('addResponseHeader');
  if (add) add(name, value);
  else c.header(name, value);
}
