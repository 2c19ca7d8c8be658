import { httpInstrumentationMiddleware } from '@hono/otel';
import { trace } from '@opentelemetry/api';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';

/**
 * A server span per request (@hono/otel, W3C `traceparent` honoured), its `url.full` without the
 * query string: queries can carry what users searched for, which stays out of logs and traces.
 */
export function requestSpans() {
  const spans = httpInstrumentationMiddleware({ serviceName: 'jobmate-api', captureActiveRequests: false });
  const redactUrl = createMiddleware<AppEnv>(async (c, next) => {
    const url = new URL(c.req.url);
    trace.getActiveSpan()?.setAttribute('url.full', `${url.origin}${url.pathname}`);
    await next();
  });
  return [spans, redactUrl] as const;
}
