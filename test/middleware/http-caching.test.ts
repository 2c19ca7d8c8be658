import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/env';
import { readValidators } from '../../src/middleware/http-caching';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** A read behind the validators, with the headers a real answer carries. */
function appWith(options: Parameters<typeof readValidators>[0]) {
  let body = { jobs: [1, 2, 3] };
  const app = new Hono<AppEnv>();
  app.use('*', readValidators(options));
  app.get('/list', (c) => {
    c.header('Cache-Control', 'private, no-cache');
    c.header('X-Request-Id', 'r-1');
    return c.json(body);
  });
  app.get('/own', (c) => c.json({ a: 1 }, 200, { ETag: 'W/"mine"' }));
  app.post('/list', (c) => c.json(body));
  return {
    app,
    change: () => {
      body = { jobs: [4] };
    },
  };
}

describe.each([
  ['a synchronous hash (Node, workerd)', { hash: sha256Hex }],
  ['WebCrypto (no hash given)', {}],
] as const)('read validators with %s', (_name, options) => {
  it('tags a read with a weak ETag and keeps its body, status and headers', async () => {
    const res = await appWith(options).app.request('/list');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^W\/"[0-9a-f]{32}"$/);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('private, no-cache');
    expect(res.headers.get('x-request-id')).toBe('r-1');
    expect(await res.json()).toEqual({ jobs: [1, 2, 3] });
  });

  it('answers 304 without a body to If-None-Match naming it (also in a list, or as a strong tag)', async () => {
    const { app } = appWith(options);
    const tag = (await app.request('/list')).headers.get('etag')!;
    for (const ifNoneMatch of [tag, `W/"other", ${tag}`, tag.replace(/^W\//, ''), '*']) {
      const res = await app.request('/list', { headers: { 'If-None-Match': ifNoneMatch } });
      expect(res.status, ifNoneMatch).toBe(304);
      expect(await res.text()).toBe('');
      expect(res.headers.get('etag')).toBe(tag);
      expect(res.headers.get('cache-control')).toBe('private, no-cache');
      expect(res.headers.get('content-type')).toBeNull();
      expect(res.headers.get('x-request-id')).toBeNull();
    }
  });

  it('answers 200 with a new tag once the read changed', async () => {
    const { app, change } = appWith(options);
    const tag = (await app.request('/list')).headers.get('etag')!;
    change();
    const res = await app.request('/list', { headers: { 'If-None-Match': tag } });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(tag);
  });

  it('keeps a tag the handler set itself', async () => {
    const { app } = appWith(options);
    expect((await app.request('/own')).headers.get('etag')).toBe('W/"mine"');
    expect((await app.request('/own', { headers: { 'If-None-Match': 'W/"mine"' } })).status).toBe(304);
  });

  it('leaves writes alone', async () => {
    const res = await appWith(options).app.request('/list', { method: 'POST' });
    expect(res.headers.get('etag')).toBeNull();
  });
});
