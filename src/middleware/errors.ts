import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppEnv } from '../env';
import { AppError, toAppError } from '../errors';
import { describeError, type Logger } from '../logger';

function send(c: Context<AppEnv>, error: AppError) {
  for (const [name, value] of Object.entries(error.options.headers ?? {})) c.header(name, value);
  if (error.status === 401 && !error.options.headers?.['WWW-Authenticate']) {
    // RFC 6750: a request with no credentials gets a challenge; a bad token says why.
    const challenge =
      error.code === 'missing_or_invalid_authorization'
        ? 'Bearer realm="jobmate", error="invalid_request"'
        : `Bearer realm="jobmate", error="invalid_token", error_description="${error.message.replace(/"/g, "'")}"`;
    c.header('WWW-Authenticate', challenge);
  }
  return c.json(error.toBody(), error.status);
}

function fromHttpException(err: HTTPException): AppError {
  if (err.status === 413) return new AppError('payload_too_large', 'The request body is too large');
  if (err.status === 400) {
    return new AppError('validation_error', 'The request body is not valid JSON', {
      details: { body: [err.message] },
    });
  }
  if (err.status === 415) {
    // A JSON route sent another media type: the contract's table has no code for it; the body is invalid.
    return new AppError(
      'validation_error',
      'The request body must be JSON (Content-Type: application/json)',
      {
        details: { body: ['must be application/json'] },
      },
    );
  }
  if (err.status === 401) return new AppError('missing_or_invalid_authorization', err.message);
  return new AppError(err.status === 404 ? 'not_found' : 'server_error', err.message);
}

/** The single `onError`: contract envelope for known failures, a logged 500 for everything else. */
export function errorHandler(logger: Logger): ErrorHandler<AppEnv> {
  return (err, c) => {
    const known = err instanceof HTTPException ? fromHttpException(err) : toAppError(err);
    if (known) {
      if (known.status >= 500) {
        logger.error('request failed', {
          request_id: c.var.requestId,
          code: known.code,
          ...describeError(err),
        });
      }
      return send(c, known);
    }
    logger.error('unhandled error', { request_id: c.var.requestId, ...describeError(err) });
    return send(
      c,
      new AppError('server_error', `Something went wrong (request ${c.var.requestId ?? 'unknown'})`),
    );
  };
}

/**
 * JSON 404 for unknown paths, and 405 with `Allow` when the path exists under other methods.
 * `allowedMethods` is computed from the app's route table once it is complete.
 */
export function notFoundHandler(allowedMethods: (path: string) => string[]): NotFoundHandler<AppEnv> {
  return (c) => {
    const allowed = allowedMethods(c.req.path);
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '));
      return c.json({ error: 'method_not_allowed', message: `${c.req.method} is not allowed here` }, 405);
    }
    return c.json({ error: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` }, 404);
  };
}

/** Builds the lookup behind the 405: route patterns (`/api/jobs/:id`) to the methods they answer. */
export function methodIndex(routes: { method: string; path: string }[]): (path: string) => string[] {
  const patterns = new Map<string, { regex: RegExp; methods: Set<string> }>();
  for (const route of routes) {
    if (route.method === 'ALL' || route.path.includes('*')) continue;
    let entry = patterns.get(route.path);
    if (!entry) {
      const source = route.path
        .split('/')
        .map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      entry = { regex: new RegExp(`^${source}/?$`), methods: new Set() };
      patterns.set(route.path, entry);
    }
    entry.methods.add(route.method);
  }
  return (path) => {
    const methods = new Set<string>();
    for (const { regex, methods: m } of patterns.values())
      if (regex.test(path)) for (const x of m) methods.add(x);
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}
