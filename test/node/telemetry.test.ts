import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import { migrateDatabase } from '../../src/node/database';
import { createNodeTelemetry, type NodeTelemetry } from '../../src/node/telemetry';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';

const opsToken = 'scrape-me-please';

/** A loopback OTLP/HTTP receiver: the JSON bodies POSTed to /v1/traces. */
async function startOtlpReceiver() {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(JSON.parse(body));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
}

function spansOf(bodies: unknown[]): OtlpSpan[] {
  return bodies.flatMap((body) =>
    (body as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans.flatMap((r) =>
      r.scopeSpans.flatMap((s) => s.spans),
    ),
  );
}

const attribute = (span: OtlpSpan, key: string) =>
  span.attributes.find((a) => a.key === key)?.value.stringValue;

describe('telemetry on Node', () => {
  let auth0: Auth0StandIn;
  let dir: string;
  let telemetry: NodeTelemetry | undefined;
  let database: Database | undefined;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    dir = mkdtempSync(path.join(tmpdir(), 'jobmate-telemetry-'));
  });
  afterEach(async () => {
    await database?.close();
    await telemetry?.close();
    database = undefined;
    telemetry = undefined;
  });
  afterAll(async () => {
    await auth0.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function appWith(
    env: Record<string, string>,
    telemetryEnv: { OTEL_EXPORTER_OTLP_ENDPOINT?: string } = {},
  ) {
    telemetry = createNodeTelemetry({ OTEL_SERVICE_NAME: 'jobmate-test', ...telemetryEnv });
    database = createLibsqlDatabase(`file:${path.join(dir, `${Math.random().toString(36).slice(2)}.db`)}`, {
      telemetry,
    });
    await migrateDatabase(database);
    return createTestApp({ database, auth0, env, deps: { telemetry } });
  }

  it('serves Prometheus metrics to the ops token: requests by route template, dependency calls, the event loop', async () => {
    const app = await appWith({ METRICS_TOKEN: opsToken });
    const user = bearer(await auth0.sign({ sub: 'auth0|metrics' }));
    expect((await app.request('/api/jobs/12345', { headers: user })).status).toBe(404);
    expect((await app.request('/api/jobs?page=1', { headers: user })).status).toBe(200);

    const res = await app.request('/metrics', { headers: bearer(opsToken) });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/jobs\/:id",status="404"\} 1/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/api\/jobs",status="200"\} 1/);
    expect(text).not.toContain('12345');
    expect(text).toMatch(/jobmate_dependency_calls_total\{dependency="database",operation="select"\} [1-9]/);
    expect(text).toMatch(/jobmate_dependency_call_duration_seconds_bucket\{le="0.005",dependency="database"/);
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
  });

  it('refuses /metrics without the ops token, or with a user token', async () => {
    const app = await appWith({ METRICS_TOKEN: opsToken });
    expect((await app.request('/metrics')).status).toBe(401);
    const user = await app.request('/metrics', { headers: bearer(await auth0.sign({ sub: 'auth0|nosy' })) });
    expect(user.status).toBe(401);
    expect(await user.json()).toMatchObject({ error: 'missing_or_invalid_authorization' });
  });

  it('keeps /metrics off in production when no ops token is set', async () => {
    const app = await appWith({ NODE_ENV: 'production' });
    expect((await app.request('/metrics')).status).toBe(404);
  });

  it('reads pool and queue gauges at each scrape', async () => {
    const app = await appWith({ METRICS_TOKEN: opsToken });
    let waiting = 3;
    telemetry?.gauge('test_queue', 'A queue for the test', () => waiting);
    const scrape = async () => (await app.request('/metrics', { headers: bearer(opsToken) })).text();
    expect(await scrape()).toMatch(/^jobmate_test_queue 3$/m);
    waiting = 0;
    expect(await scrape()).toMatch(/^jobmate_test_queue 0$/m);
  });

  it('exports a span per request and one per dependency call over OTLP, under the caller’s trace', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const app = await appWith({}, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await app.request('/api/jobs?q=private+search', {
        headers: {
          ...bearer(await auth0.sign({ sub: 'auth0|traced' })),
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
      });
      expect(res.status).toBe(200);
      await telemetry?.close();
      telemetry = undefined;

      const spans = spansOf(receiver.bodies);
      const server = spans.find((s) => s.name === 'GET /api/jobs');
      expect(server).toBeDefined();
      expect(server?.traceId).toBe(traceId);
      expect(server?.parentSpanId).toBe('00f067aa0ba902b7');
      expect(attribute(server!, 'url.full')).toBe('http://localhost/api/jobs');
      // The request's own calls (the migrations before it are traces of their own).
      const calls = spans.filter((s) => s.traceId === traceId && s !== server);
      expect(calls.map((s) => attribute(s, 'jobmate.dependency'))).toContain('database');
      expect(calls.map((s) => attribute(s, 'jobmate.dependency'))).toContain('auth0_jwks');
      for (const call of calls) expect(call.parentSpanId).toBe(server?.spanId);
      expect(JSON.stringify(receiver.bodies)).not.toContain('private');
    } finally {
      await receiver.close();
    }
  });
});
