import { describe, expect, it } from 'vitest';
import { statementOperation } from '../../src/db/drivers/observe';
import { createTelemetry, type Dependency, type MetricsRecorder } from '../../src/services/telemetry';

function recorder() {
  const calls: { dependency: Dependency; operation: string; failed: boolean }[] = [];
  const metrics: MetricsRecorder = {
    request() {},
    dependencyCall(dependency, operation, _seconds, failed) {
      calls.push({ dependency, operation, failed });
    },
  };
  return { metrics, calls };
}

describe('telemetry of dependency calls', () => {
  it('counts a call that resolves, and passes its value through', async () => {
    const { metrics, calls } = recorder();
    const telemetry = createTelemetry({ metrics });
    expect(await telemetry.call('database', 'select', async () => 42)).toBe(42);
    expect(calls).toEqual([{ dependency: 'database', operation: 'select', failed: false }]);
  });

  it('counts a call that rejects as failed, and rethrows the same error', async () => {
    const { metrics, calls } = recorder();
    const telemetry = createTelemetry({ metrics });
    const failure = new Error('down');
    await expect(telemetry.call('storage', 'PUT', () => Promise.reject(failure))).rejects.toBe(failure);
    expect(calls).toEqual([{ dependency: 'storage', operation: 'PUT', failed: true }]);
  });

  it('counts a streamed answer once its body ends, not when its headers arrive', async () => {
    const { metrics, calls } = recorder();
    const telemetry = createTelemetry({ metrics });
    let push!: ReadableStreamDefaultController<Uint8Array>;
    const upstream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = controller;
      },
    });
    const fetchLlm = telemetry.fetch('llm', async () => new Response(upstream, { status: 200 }));
    const response = await fetchLlm('http://llm.test/chat', { method: 'post' });
    expect(calls).toEqual([]);
    push.enqueue(new TextEncoder().encode('data: hi\n\n'));
    push.close();
    expect(await response.text()).toBe('data: hi\n\n');
    expect(calls).toEqual([{ dependency: 'llm', operation: 'POST', failed: false }]);
  });

  it('counts a 5xx answer as failed, and a body the reader cancels as done', async () => {
    const { metrics, calls } = recorder();
    const telemetry = createTelemetry({ metrics });
    const failing = telemetry.fetch('auth0_jwks', async () => new Response('no', { status: 503 }));
    expect((await failing('http://auth.test/jwks')).status).toBe(503);
    const endless = telemetry.fetch('llm', async () => new Response(new ReadableStream({ pull() {} })));
    await (await endless('http://llm.test/chat', { method: 'POST' })).body?.cancel();
    expect(calls).toEqual([
      { dependency: 'auth0_jwks', operation: 'GET', failed: true },
      { dependency: 'llm', operation: 'POST', failed: false },
    ]);
  });

  it('counts a fetch that rejects as failed', async () => {
    const { metrics, calls } = recorder();
    const telemetry = createTelemetry({ metrics });
    const refused = telemetry.fetch('storage', () => Promise.reject(new TypeError('fetch failed')));
    await expect(refused('http://s3.test/bucket', { method: 'DELETE' })).rejects.toThrow('fetch failed');
    expect(calls).toEqual([{ dependency: 'storage', operation: 'DELETE', failed: true }]);
  });
});

describe('database operations', () => {
  it.each([
    ['select "id" from "jobs"', 'select'],
    ['  INSERT INTO jobs VALUES (1)', 'insert'],
    [{ text: 'update "jobs" set ...' }, 'update'],
    [{ sql: 'delete from x', args: [] }, 'delete'],
    ['with t as (select 1) select * from t', 'with'],
    ['begin', 'begin'],
    ['CREATE TABLE secret_name (id int)', 'other'],
    [undefined, 'other'],
  ])('%j is %s', (statement, operation) => {
    expect(statementOperation(statement)).toBe(operation);
  });
});
