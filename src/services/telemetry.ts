import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * What the service does, seen from outside while it runs: a span per dependency call (OpenTelemetry
 * API, exported only where a tracer provider is registered: src/node/telemetry.ts) and counters and
 * durations (a `MetricsRecorder`: Prometheus on Node). Runtime-neutral; with neither, it costs a
 * function call.
 */
export type Dependency =
  | 'database'
  | 'storage'
  | 'vector_store'
  | 'embeddings'
  | 'llm'
  | 'auth0_jwks'
  | 'auth0_management';

export interface MetricsRecorder {
  /** One HTTP request answered: its route template (`/api/jobs/:id`), never the raw path. */
  request(method: string, route: string, status: number, seconds: number): void;
  /** One call to a dependency, and whether it failed. */
  dependencyCall(dependency: Dependency, operation: string, seconds: number, failed: boolean): void;
}

/** The metrics in a scraper's format (Prometheus text), for `/metrics`. */
export interface MetricsExposition {
  contentType: string;
  render(): Promise<string>;
}

export interface Telemetry {
  readonly metrics?: MetricsRecorder;
  /** Present where metrics can be scraped (Node): the app then serves `/metrics`. */
  readonly exposition?: MetricsExposition;
  /** A tracer provider is registered: the app then opens a span per request (@hono/otel). */
  readonly tracing: boolean;
  /** Runs one dependency call inside a span, counted and timed. Errors pass through unchanged. */
  call<T>(dependency: Dependency, operation: string, run: () => Promise<T>): Promise<T>;
  /**
   * `fetch` for one dependency: each request is a call named by its method (`GET`, `POST`); a
   * streamed answer counts until its body ends, not when its headers arrive.
   */
  fetch(dependency: Dependency, fetchImpl: typeof fetch): typeof fetch;
}

const tracer = () => trace.getTracer('jobmate');

function endSpan(span: Span, err?: unknown) {
  if (err !== undefined) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** The same bytes, with `finish` called once when they end, fail or are cancelled by the reader. */
function observedBody(
  body: ReadableStream<Uint8Array>,
  finish: (err?: unknown) => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          finish();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (err) {
        finish(err);
        controller.error(err);
      }
    },
    async cancel(reason) {
      // Our side stopped reading (the client left): not the dependency's failure.
      finish();
      await reader.cancel(reason);
    },
  });
}

export function createTelemetry(options: { metrics?: MetricsRecorder } = {}): Telemetry {
  const { metrics } = options;

  function start(dependency: Dependency, operation: string) {
    const span = tracer().startSpan(`${dependency} ${operation}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'jobmate.dependency': dependency, 'jobmate.operation': operation },
    });
    const started = performance.now();
    let done = false;
    return (err?: unknown) => {
      if (done) return;
      done = true;
      metrics?.dependencyCall(dependency, operation, (performance.now() - started) / 1000, err !== undefined);
      endSpan(span, err);
    };
  }

  return {
    metrics,
    tracing: false,
    async call(dependency, operation, run) {
      const finish = start(dependency, operation);
      try {
        const result = await run();
        finish();
        return result;
      } catch (err) {
        finish(err);
        throw err;
      }
    },
    fetch(dependency, fetchImpl) {
      return async (input, init) => {
        const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
        const finish = start(dependency, method);
        let response: Response;
        try {
          response = await fetchImpl(input, init);
        } catch (err) {
          finish(err);
          throw err;
        }
        if (response.status >= 500) {
          finish(new Error(`HTTP ${response.status}`));
          return response;
        }
        if (!response.body) {
          finish();
          return response;
        }
        // Ends with the body: a streamed answer (chat) is one call from request to last byte.
        return new Response(observedBody(response.body, finish), response);
      };
    },
  };
}

/** No spans exported, nothing counted: tests and runtimes with nothing set up. */
export const noTelemetry: Telemetry = createTelemetry();
