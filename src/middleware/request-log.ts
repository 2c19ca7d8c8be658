import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import type { Logger } from '../logger';
import { addResponseHeader } from './response-headers';

/** `X-Response-Time` on every response and one JSON log line per request (no tokens, no bodies). */
export function requestLog(logger: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const duration = performance.now() - started;
    addResponseHeader(c, 'X-Response-Time', `${duration.toFixed(1)}ms`);
    // c.get, not c.var: c.var copies every variable into a new object at each use.
    logger.info('request', {
      request_id: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      duration_ms: Math.round(duration * 10) / 10,
      sub: c.get('auth')?.sub,
    });
  });
}
