import { promisify } from 'node:util';
import { brotliDecompress, gunzip } from 'node:zlib';
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
