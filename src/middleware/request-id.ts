import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { addResponseHeader } from './response-headers';

/** A client's own id is kept when it is short and plain (Hono's `requestId` rule, at 128). */
const saneId = /^[\w\-=]{1,128}$/;

/**
 * `X-Request-Id`: the client's, when sane, else a new UUID; on the context as `requestId` and on
 * the response. Hono's `requestId()` does the same through `c.header()`, which this app avoids on
 * every request (see `responseHeaders`).
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('X-Request-Id');
    const id = given !== undefined && saneId.test(given) ? given : crypto.randomUUID();
    c.set('requestId', id);
    addResponseHeader(c, 'X-Request-Id', id);
    await next();
  };
}
