import { httpInstrumentationMiddleware } from '@hono/otel';
import { trace } from '@opentelemetry/api';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { AppEnv } from '../env';
import type { MetricsRecorder } from '../services/telemetry';

/**
 * One count and one duration per request, labelled by the route template (`/api/jobs/:id`): raw
 * paths would make a label value per id. Unmatched paths get the pattern of the last middleware
 * that saw them (`/api/*`), so the label set stays bounded.
 */
export function requestMetrics(metrics: MetricsRecorder) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.request(c.req.method, routePath(c, -1), c.res.status, (performance.now() - started) / 1000);
    }
  });
}

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
