import { promisify } from 'node:util';
import { brotliDecompress, gunzip } from 'node:zlib';
import { getRequestListener } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, withCompression } from '../../src/node/compression';

const json = JSON.stringify({
  jobs: Array.from({ length: 60 }, (_, i) => ({ id: i, title: `Job number ${i}` })),
});

const served = withCompression(async (request: Request) => {
  const { pathname } = new URL(request.url);
  if (pathname === '/small') return Response.json({ ok: true });
  if (pathname === '/events') {
    return new Response('data: {"type":"delta"}\n\n'.repeat(100), {
      headers: { 'Content-Type': 'text/event-stream' },
    });
  }
  if (pathname === '/pdf')
    return new Response(new Uint8Array(4096), { headers: { 'Content-Type': 'application/pdf' } });
  return new Response(json, { headers: { 'Content-Type': 'application/json', ETag: 'W/"x"' } });
});

const get = (path: string, acceptEncoding?: string) =>
  served(
    new Request(`http://app${path}`, {
      headers: acceptEncoding ? { 'Accept-Encoding': acceptEncoding } : {},
    }),
  );

describe('response compression on Node', () => {
  it('sends br when the client accepts it, smaller, and the same JSON once decoded', async () => {
    const res = await get('/list', 'gzip, deflate, br');
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('vary')).toMatch(/Accept-Encoding/);
    expect(res.headers.get('etag')).toBe('W/"x"');
    const body = Buffer.from(await res.arrayBuffer());
    expect(Number(res.headers.get('content-length'))).toBe(body.byteLength);
    expect(body.byteLength).toBeLessThan(json.length / 3);
    expect((await promisify(brotliDecompress)(body)).toString()).toBe(json);
  });

  it('sends gzip to a client that accepts only gzip', async () => {
    const res = await get('/list', 'gzip');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect((await promisify(gunzip)(Buffer.from(await res.arrayBuffer()))).toString()).toBe(json);
  });

  it('sends the body as it is without Accept-Encoding, below 1 KiB, for streams and for binary types', async () => {
    expect((await get('/list')).headers.get('content-encoding')).toBeNull();
    expect((await get('/small', 'br')).headers.get('content-encoding')).toBeNull();
    expect((await get('/events', 'br')).headers.get('content-encoding')).toBeNull();
    expect((await get('/pdf', 'br')).headers.get('content-encoding')).toBeNull();
  });

  it('reads the client’s preferences, q=0 included', () => {
    expect(chooseEncoding('gzip;q=1, br;q=0.5')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('identity')).toBeUndefined();
    expect(chooseEncoding('gzip;q=0')).toBeUndefined();
    expect(chooseEncoding(null)).toBeUndefined();
  });
});

describe('compression with @hono/node-server’s own Response (as the server runs)', () => {
  /** The Response class the adapter puts in place of the global one when it serves. */
  function adapterResponse(): typeof Response {
    getRequestListener(() => new Response(null));
    return globalThis.Response;
  }

  it('sends a small answer as the very object the app made, without reading it', async () => {
    const AdapterResponse = adapterResponse();
    const made = new AdapterResponse(JSON.stringify({ message: 'pong' }), {
      headers: { 'Content-Type': 'application/json' },
    });
    const res = await withCompression(() => made)(
      new Request('http://app/api/ping', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } }),
    );
    expect(res).toBe(made);
    // Unread: the adapter still holds the body as text, which it writes without a stream.
    expect(Object.getOwnPropertySymbols(made).some((symbol) => symbol.description === 'cache')).toBe(true);
    expect(await res.json()).toEqual({ message: 'pong' });
  });

  it('still compresses a large answer of the same kind', async () => {
    const AdapterResponse = adapterResponse();
    const made = new AdapterResponse(json, { headers: { 'Content-Type': 'application/json' } });
    const res = await withCompression(() => made)(
      new Request('http://app/api/jobs', { headers: { 'Accept-Encoding': 'gzip' } }),
    );
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect((await promisify(gunzip)(Buffer.from(await res.arrayBuffer()))).toString()).toBe(json);
  });

  it('sends a small answer with multi-byte text over the threshold compressed', async () => {
    const AdapterResponse = adapterResponse();
    // 400 characters, 1,200 bytes in UTF-8.
    const text = JSON.stringify({ name: '€'.repeat(400) });
    const made = new AdapterResponse(text, { headers: { 'Content-Type': 'application/json' } });
    const res = await withCompression(() => made)(
      new Request('http://app/api/me', { headers: { 'Accept-Encoding': 'gzip' } }),
    );
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect((await promisify(gunzip)(Buffer.from(await res.arrayBuffer()))).toString()).toBe(text);
  });
});
