import { request as httpRequest, type Server } from 'node:http';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import type { AppEnv } from '../../src/env';
import { silentLogger } from '../../src/logger';
import { everyRequest } from '../../src/middleware/every-request';
import { addResponseHeader, securityHeaders } from '../../src/middleware/response-headers';
import { listen, nodeServerHeaders } from '../../src/node/server';
import { localTestStorage } from '../support/app';

const lower = (record: Readonly<Record<string, string>>) =>
  Object.fromEntries(Object.entries(record).map(([name, value]) => [name.toLowerCase(), value]));

/** A small app: the middleware, a default added before the handler and one after it. */
function smallApp() {
  const app = new Hono<AppEnv>();
  app.use('*', everyRequest({ logger: silentLogger }));
  app.use('*', async (c, next) => {
    addResponseHeader(c, 'Cache-Control', 'private, no-cache');
    await next();
    addResponseHeader(c, 'X-Custom-After', 'after');
  });
  app.get('/plain', (c) => c.json({ ok: true }));
  app.get('/own-cache-control', (c) => c.json({ ok: true }, 200, { 'Cache-Control': 'no-store' }));
  app.get('/passed-through', () => Response.redirect('https://example.com/', 302));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.onError((_err, c) => c.json({ error: 'server_error' }, 500));
  return app;
}

describe('the security headers', () => {
  it('are those of Hono’s secureHeaders() with a cross-origin resource policy', async () => {
    const hono = new Hono();
    hono.use('*', secureHeaders({ crossOriginResourcePolicy: 'cross-origin' }));
    hono.get('/', (c) => c.text('ok'));
    const res = await hono.request('/');
    const set = Object.fromEntries(
      [...res.headers].filter(([name]) => name !== 'content-type' && name !== 'content-length'),
    );
    expect(set).toEqual(lower(securityHeaders));
  });
});

describe('response headers set on the finished response (Workers, Bun, Deno, app.request)', () => {
  const app = smallApp();

  it('adds the security headers and the defaults to a JSON answer', async () => {
    const res = await app.request('/plain');
    for (const [name, value] of Object.entries(securityHeaders)) expect(res.headers.get(name)).toBe(value);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('x-custom-after')).toBe('after');
    expect(res.headers.get('x-response-time')).toMatch(/^\d+\.\dms$/);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a header the handler set itself', async () => {
    const res = await app.request('/own-cache-control');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('adds them to a response whose headers are immutable', async () => {
    const res = await app.request('/passed-through');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://example.com/');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-custom-after')).toBe('after');
  });

  it('adds them to an error answer', async () => {
    const res = await app.request('/boom');
    expect(res.status).toBe(500);
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });
});

/** A GET to the server; the raw header lines, so that a header sent twice shows. */
function rawGet(port: number, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; raw: string[]; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, raw: res.rawHeaders, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Header name (lower case) -> every value sent under it. */
function valuesOf(raw: string[]): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    values.set(name, [...(values.get(name) ?? []), raw[i + 1] ?? '']);
  }
  return values;
}

describe('response headers handed to the Node server (ServerResponse)', () => {
  const config = parseConfig({
    NODE_ENV: 'test',
    AUTH0_DOMAIN: 'tenant.example.com',
    AUTH0_AUDIENCE: 'https://api.example.com',
  });
  const database = createLibsqlDatabase(':memory:');
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const app = createApp({
      config,
      database,
      storage: localTestStorage(),
      serverHeaders: nodeServerHeaders,
    });
    server = await new Promise<Server>((resolve) => {
      const started = listen(app, config, {
        port: 0,
        hostname: '127.0.0.1',
        onListening: () => resolve(started as Server),
      });
    });
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await database.close();
  });

  it('sends each security header once, with the request id, response time and Cache-Control', async () => {
    const res = await rawGet(port, '/api/ping', { 'X-Request-Id': 'node-1' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ message: 'pong' });
    const values = valuesOf(res.raw);
    for (const [name, value] of Object.entries(lower(securityHeaders)))
      expect(values.get(name)).toEqual([value]);
    expect(values.get('x-request-id')).toEqual(['node-1']);
    expect(values.get('x-response-time')?.[0]).toMatch(/^\d+\.\dms$/);
    expect(values.get('cache-control')).toEqual(['private, no-cache']);
    expect(values.get('content-type')).toEqual(['application/json']);
  });

  it('sends the handler’s own Cache-Control instead of the default', async () => {
    const values = valuesOf((await rawGet(port, '/api/health')).raw);
    expect(values.get('cache-control')).toEqual(['no-store']);
  });

  it('sends them with an error answer', async () => {
    const res = await rawGet(port, '/api/nope');
    expect(res.status).toBe(404);
    const values = valuesOf(res.raw);
    expect(values.get('x-content-type-options')).toEqual(['nosniff']);
    expect(values.get('x-request-id')?.[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives the same headers as the same app answering in process', async () => {
    const inProcess = createApp({ config, database, storage: localTestStorage() });
    const local = await inProcess.request('/api/ping', { headers: { 'X-Request-Id': 'same-1' } });
    const wire = valuesOf((await rawGet(port, '/api/ping', { 'X-Request-Id': 'same-1' })).raw);
    const names = (list: Iterable<string>) =>
      [...list]
        .filter(
          (name) => !['x-response-time', 'date', 'connection', 'keep-alive', 'content-length'].includes(name),
        )
        .sort();
    expect(names(wire.keys())).toEqual(names(local.headers.keys()));
  });
});
