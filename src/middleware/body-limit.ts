import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { AppError, stalledBody } from '../errors';
import { declaredTooLarge, idleLimit, limitBytes, readAll } from '../streams';

/**
 * The limit on a route's request body: 413 `payload_too_large` past `maxBytes` (at once when
 * Content-Length says so, else while the body streams, the rest drained first: see `limitBytes`),
 * 408 when it stops arriving for `idleMs`. The body is read here, so the handler sees it whole.
 * (Hono's own bodyLimit answers with the body half read, which `wrangler dev` does not survive.)
 */
export function bodyLimit(options: { maxBytes: number; idleMs: number }) {
  const tooLarge = () =>
    new AppError('payload_too_large', `The request body is over ${options.maxBytes} bytes`);
  return createMiddleware<AppEnv>(async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.header('content-length');
    if (declaredTooLarge(declared, options.maxBytes)) throw tooLarge();
    const bytes = await readAll(
      limitBytes(idleLimit(body, options.idleMs, stalledBody(options.idleMs)), options.maxBytes, tooLarge),
      declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined,
    );
    c.req.raw = new Request(c.req.raw, { body: bytes as Uint8Array<ArrayBuffer> });
    return next();
  });
}
