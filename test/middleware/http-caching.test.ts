import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/env';
import { lastingAnswer, readValidators } from '../../src/middleware/http-caching';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** A read behind the validators, with the headers a real answer carries. */
function appWith(options: Parameters<typeof readValidators>[0]) {
  let body = { jobs: [1, 2, 3] };
  const sent: { byHandler?: Response; outside?: Response } = {};
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    await next();
    sent.outside = c.res;
  });
  app.use('*', readValidators(options));
  app.get('/list', (c) => {
    c.header('Cache-Control', 'private, no-cache');
    c.header('X-Request-Id', 'r-1');
    sent.byHandler = c.json(body);
    return sent.byHandler;
  });
  app.get('/own', (c) => c.json({ a: 1 }, 200, { ETag: 'W/"mine"' }));
  let serialisations = 0;
  const lasting = lastingAnswer({
    jobs: [1, 2],
    toJSON: () => {
      serialisations++;
      return { jobs: [1, 2] };
    },
  });
  app.get('/lasting', (c) => c.json(lasting));
  app.get('/missing', () => {
    throw new Error('no such thing');
  });
  app.get('/file', (c) =>
    c.body(new TextEncoder().encode('%PDF-1.7'), 200, { 'Content-Type': 'application/pdf' }),
  );
  app.post('/list', (c) => c.json(body));
  app.onError((err, c) => c.json({ error: 'not_found', message: err.message }, 404));
  return {
    app,
    sent,
    serialisations: () => serialisations,
    change: () => {
      body = { jobs: [4] };
    },
  };
}

/** The tag of a text as the validators make it with `options`. */
async function tagOf(text: string, options: Parameters<typeof readValidators>[0]) {
  const hex = options?.hash
    ? options.hash(text)
    : Buffer.from(await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text))).toString('hex');
  return `W/"${hex.slice(0, 32)}"`;
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

  it('tags JSON with the digest of its text as sent', async () => {
    const res = await appWith(options).app.request('/list');
    expect(res.headers.get('etag')).toBe(await tagOf(await res.text(), options));
  });

  it('sends the response the handler built, not a copy of it', async () => {
    const { app, sent } = appWith(options);
    await app.request('/list');
    expect(sent.outside).toBe(sent.byHandler);
  });

  it('tags a HEAD like the GET, and answers it 304 to the same tag', async () => {
    const { app } = appWith(options);
    const tag = (await app.request('/list')).headers.get('etag')!;
    const head = await app.request('/list', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(tag);
    expect(await head.text()).toBe('');
    const again = await app.request('/list', { method: 'HEAD', headers: { 'If-None-Match': tag } });
    expect(again.status).toBe(304);
  });

  it('puts no tag on an error', async () => {
    const res = await appWith(options).app.request('/missing', { headers: { 'If-None-Match': '*' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('etag')).toBeNull();
    expect(await res.json()).toEqual({ error: 'not_found', message: 'no such thing' });
  });

  it('tags an answer that is not JSON from its bytes, and answers 304 to that tag', async () => {
    const { app } = appWith(options);
    const res = await app.request('/file');
    expect(await res.text()).toBe('%PDF-1.7');
    const tag = res.headers.get('etag');
    expect(tag).toBe(await tagOf('%PDF-1.7', options));
    const again = await app.request('/file', { headers: { 'If-None-Match': tag! } });
    expect(again.status).toBe(304);
  });

  it('serialises a lasting answer once, and tags it the same each time', async () => {
    const { app, serialisations } = appWith(options);
    const first = await app.request('/lasting');
    const second = await app.request('/lasting');
    expect(serialisations()).toBe(1);
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get('etag')).toBe(await tagOf('{"jobs":[1,2]}', options));
    expect(first.headers.get('etag')).toBe(second.headers.get('etag'));
  });

  it('answers 304 to the tag of a lasting answer', async () => {
    const { app } = appWith(options);
    const tag = (await app.request('/lasting')).headers.get('etag')!;
    expect((await app.request('/lasting', { headers: { 'If-None-Match': tag } })).status).toBe(304);
  });

  it('leaves writes alone', async () => {
    const res = await appWith(options).app.request('/list', { method: 'POST' });
    expect(res.headers.get('etag')).toBeNull();
  });
});

describe('lasting answers', () => {
  it('are frozen with everything in them', () => {
    const answer = lastingAnswer({ jobs: [{ id: 1 }], pagination: { total: 1 } });
    expect(Object.isFrozen(answer)).toBe(true);
    expect(Object.isFrozen(answer.jobs)).toBe(true);
    expect(Object.isFrozen(answer.jobs[0])).toBe(true);
    expect(Object.isFrozen(answer.pagination)).toBe(true);
  });
});
