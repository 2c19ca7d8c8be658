import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from '../config';
import { createTelemetry, type MetricsRecorder, type Telemetry } from '../services/telemetry';

/**
 * Telemetry of the Node server: Prometheus metrics (prom-client) served at `/metrics`, and
 * OpenTelemetry traces exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
 */
export interface NodeTelemetry extends Telemetry {
  /** A gauge read at each scrape: pool and queue sizes (`jobmate_` is prefixed). */
  gauge(name: string, help: string, read: () => number): void;
  /** Flushes the spans still buffered. */
  close(): Promise<void>;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function prometheusRecorder(registry: Registry): MetricsRecorder {
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route template and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const requestSeconds = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request (to the response headers; streams go on after)',
    labelNames: ['method', 'route', 'status'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const calls = new Counter({
    name: 'jobmate_dependency_calls_total',
    help: 'Calls to each dependency (database, storage, vector_store, embeddings, llm, auth0_*)',
    labelNames: ['dependency', 'operation'],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'jobmate_dependency_errors_total',
    help: 'Calls to each dependency that failed (an error or a 5xx answer)',
    labelNames: ['dependency', 'operation'],
    registers: [registry],
  });
  const callSeconds = new Histogram({
    name: 'jobmate_dependency_call_duration_seconds',
    help: 'Duration of dependency calls (a streamed answer: to its last byte)',
    labelNames: ['dependency', 'operation'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  // The children of one label set, kept: prom-client hashes a labels object at every call. The
  // sets are bounded (route templates, not paths; see everyRequest).
  const requestSeries = new Map<string, { count: { inc(): void }; seconds: { observe(v: number): void } }>();
  return {
    request(method, route, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let series = requestSeries.get(key);
      if (!series) {
        const labels = { method, route, status: String(status) };
        series = { count: requests.labels(labels), seconds: requestSeconds.labels(labels) };
        requestSeries.set(key, series);
      }
      series.count.inc();
      series.seconds.observe(seconds);
    },
    dependencyCall(dependency, operation, seconds, failed) {
      const labels = { dependency, operation };
      calls.inc(labels);
      callSeconds.observe(labels, seconds);
      if (failed) errors.inc(labels);
    },
  };
}

/** Registers a global tracer provider exporting to `endpoint` (`/v1/traces` is appended). */
function startTracing(endpoint: string, serviceName: string): BasicTracerProvider {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(
        new OTLPTraceExporter({
          url: new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).href,
        }),
      ),
    ],
  });
  // Spans of dependency calls find their request's span through AsyncLocalStorage.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return provider;
}

export function createNodeTelemetry(
  config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>,
): NodeTelemetry {
  const registry = new Registry();
  // Process figures: CPU, memory, GC, and event-loop delay (nodejs_eventloop_lag_* seconds).
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const metrics = prometheusRecorder(registry);
  const provider = config.OTEL_EXPORTER_OTLP_ENDPOINT
    ? startTracing(config.OTEL_EXPORTER_OTLP_ENDPOINT, config.OTEL_SERVICE_NAME)
    : undefined;
  const base = createTelemetry({ metrics });
  return {
    ...base,
    tracing: provider !== undefined,
    exposition: {
      contentType: registry.contentType,
      render: () => registry.metrics(),
    },
    gauge(name, help, read) {
      new Gauge({
        name: `jobmate_${name}`,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    },
    async close() {
      if (!provider) return;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
