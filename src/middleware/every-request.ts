import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { AppEnv } from '../env';
import type { Logger } from '../logger';
import type { MetricsRecorder } from '../services/telemetry';
import { applyResponseHeaders, type ServerHeadersOf, securityHeaders } from './response-headers';

/** A client's own request id is kept when it is short and plain (Hono's `requestId` rule, at 128). */
const saneRequestId = /^[\w\-=]{1,128}$/;

export interface EveryRequestOptions {
  logger: Logger;
  /** Request counts and durations by route template (Prometheus on Node); absent: none. */
  metrics?: MetricsRecorder;
  /** Where the runtime takes response headers ahead of the app's (see response-headers.ts). */
  serverHeaders?: ServerHeadersOf;
}

/**
 * What every request gets, first and in one middleware, because each Hono middleware costs a
 * small request about 2 µs of CPU (measured: bench/README.md, "the hot path"):
 * - its id: the client's `X-Request-Id` when sane, else a new UUID; `requestId` on the context;
 * - the headers of every response: the security headers, X-Request-Id, X-Response-Time, and what
 *   later middleware adds with `addResponseHeader` (src/middleware/response-headers.ts);
 * - one JSON log line (never a token or a body), and the request metrics when there are any,
 *   labelled by the route template (`/api/jobs/:id`), so that the label sets stay bounded.
 */
export function everyRequest(options: EveryRequestOptions): MiddlewareHandler<AppEnv> {
  const { logger, metrics, serverHeaders } = options;
  const fixed = Object.entries(securityHeaders);
  return async (c, next) => {
    const started = performance.now();
    const server = serverHeaders?.(c);
    const added: [string, string][] = [];
    const add = server
      ? (name: string, value: string) => void server.setHeader(name, value)
      : (name: string, value: string) => void added.push([name, value]);
    if (server) for (const [name, value] of fixed) server.setHeader(name, value);
    c.set('addResponseHeader', add);

    const given = c.req.header('X-Request-Id');
    const requestId = given !== undefined && saneRequestId.test(given) ? given : crypto.randomUUID();
    c.set('requestId', requestId);
    add('X-Request-Id', requestId);

    try {
      await next();
    } finally {
      const duration = performance.now() - started;
      add('X-Response-Time', `${duration.toFixed(1)}ms`);
      if (!server) applyResponseHeaders(c, added.length === 0 ? fixed : [...fixed, ...added]);
      const { status } = c.res;
      metrics?.request(c.req.method, routePath(c, -1), status, duration / 1000);
      // c.get, not c.var: c.var copies every variable into a new object at each use.
      logger.info('request', {
        request_id: requestId,
        method: c.req.method,
        path: c.req.path,
        status,
        duration_ms: Math.round(duration * 10) / 10,
        sub: c.get('auth')?.sub,
      });
    }
  };
}
