import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import type { Logger } from '../logger';

/** `X-Response-Time` on every response and one JSON log line per request (no tokens, no bodies). */
export function requestLog(logger: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const duration = performance.now() - started;
    setOnResponse(c.res, 'X-Response-Time', `${duration.toFixed(1)}ms`, (name, value) =>
      c.header(name, value),
    );
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

/**
 * Sets a header on a finished response in place. Hono's `c.header()` after the handler re-creates
 * the response, which makes @hono/node-server build a full web Response and stream it (a third of
 * a small request's CPU); the headers of a response the app built are mutable, so they are set
 * directly. A response with immutable headers (one passed through from `fetch`) goes the slow way.
 */
export function setOnResponse(
  res: Response,
  name: string,
  value: string,
  fallback: (name: string, value: string) => void,
): void {
  try {
    res.headers.set(name, value);
  } catch {
    fallback(name, value);
  }
}
