import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AwsClient } from 'aws4fetch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DependencyUnavailableError } from '../../src/errors';
import type { LogFields, Logger } from '../../src/logger';
import { createLocalStorage } from '../../src/node/local-storage';
import { createS3Storage, type S3Storage } from '../../src/services/storage/s3';
import { contentDisposition } from '../../src/services/storage/storage';

const BUCKET = 'jobmate-test';
const bytes = (text: string) => new TextEncoder().encode(text);

function recordingLogger() {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields: LogFields = {}) =>
      void lines.push({ level, message, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 1));
    });
  });
}

async function expectUnavailable(promise: Promise<unknown>, message?: RegExp) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DependencyUnavailableError);
  expect((err as DependencyUnavailableError).dependency).toBe('storage');
  if (message) expect((err as Error).message).toMatch(message);
}

describe('S3 storage against a real radosgw', () => {
  // The run's radosgw, started once by test/support/global-setup.ts.
  const gw = inject('s3');
  let storage: S3Storage;

  beforeAll(async () => {
    storage = createS3Storage({
      bucket: BUCKET,
      region: gw.region,
      accessKeyId: gw.accessKeyId,
      secretAccessKey: gw.secretAccessKey,
      endpoint: gw.endpoint,
    });
    await storage.ensureBucket();
  });

  const withCredentials = (overrides: Partial<Parameters<typeof createS3Storage>[0]>) =>
    createS3Storage({
      bucket: BUCKET,
      region: gw.region,
      accessKeyId: gw.accessKeyId,
      secretAccessKey: gw.secretAccessKey,
      endpoint: gw.endpoint,
      ...overrides,
    });

  it('creates the bucket idempotently and probes ok', async () => {
    await storage.ensureBucket();
    expect(storage.kind).toBe('s3');
    expect(storage.bucket).toBe(BUCKET);
    expect(await storage.probe()).toBe('ok');
  });

  it('round-trips bytes with content type and (percent-encoded) metadata', async () => {
    const key = 'resumes/user-1/round-trip.pdf';
    const body = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    await storage.put(key, body, {
      contentType: 'application/pdf',
      metadata: { 'original-filename': 'Currículo – Zoë.pdf', user: 'auth0|abc' },
    });
    expect(await storage.get(key)).toEqual(body);

    const client = new AwsClient({
      accessKeyId: gw.accessKeyId,
      secretAccessKey: gw.secretAccessKey,
      region: gw.region,
      service: 's3',
    });
    const head = await client.fetch(`${gw.endpoint}/${BUCKET}/${key}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/pdf');
    expect(head.headers.get('content-length')).toBe('70000');
    expect(decodeURIComponent(head.headers.get('x-amz-meta-original-filename')!)).toBe('Currículo – Zoë.pdf');
    expect(decodeURIComponent(head.headers.get('x-amz-meta-user')!)).toBe('auth0|abc');
  });

  it('overwrites an object on a second put', async () => {
    const key = 'resumes/user-1/overwrite.txt';
    await storage.put(key, bytes('first'), { contentType: 'text/plain' });
    await storage.put(key, bytes('second'), { contentType: 'text/plain' });
    expect(new TextDecoder().decode(await storage.get(key))).toBe('second');
  });

  it('keeps keys with spaces, +, and unicode apart and intact', async () => {
    const keys = [
      'odd/a b.txt',
      'odd/a+b.txt',
      'odd/a%20b.txt',
      'odd/Zoë – résumé ✓.txt',
      'odd/日本語/履歴書.txt',
    ];
    for (const key of keys) await storage.put(key, bytes(key), { contentType: 'text/plain' });
    for (const key of keys) expect(new TextDecoder().decode(await storage.get(key))).toBe(key);
  });

  it('deletes: a deleted object reads as undefined, deleting a missing one succeeds', async () => {
    const key = 'resumes/user-1/gone.txt';
    await storage.put(key, bytes('bye'), { contentType: 'text/plain' });
    await storage.delete(key);
    expect(await storage.get(key)).toBeUndefined();
    await storage.delete(key);
    await storage.delete('resumes/nobody/never-existed.pdf');
    expect(await storage.get('resumes/nobody/never-existed.pdf')).toBeUndefined();
  });

  it('refuses invalid metadata names', async () => {
    await expect(
      storage.put('x/meta.txt', bytes('x'), { contentType: 'text/plain', metadata: { 'bad name': 'v' } }),
    ).rejects.toThrow(/metadata/);
  });

  it('presigned URL: fetched without credentials, with the unicode filename as attachment', async () => {
    const key = 'resumes/user-1/presigned.pdf';
    const body = bytes('%PDF-1.4 fake');
    await storage.put(key, body, { contentType: 'application/pdf' });
    const url = await storage.downloadUrl(key, {
      filename: 'Currículo – Zoë.pdf',
      contentType: 'application/pdf',
    });
    expect(url).toBeDefined();
    expect(new URL(url!).searchParams.get('X-Amz-Expires')).toBe('900');

    const response = await fetch(url!);
    expect(response.status).toBe(200);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(body);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const disposition = response.headers.get('content-disposition');
    expect(disposition).toBe(contentDisposition('Currículo – Zoë.pdf'));
    expect(disposition).toBe(
      `attachment; filename="Curr_culo _ Zo_.pdf"; filename*=UTF-8''Curr%C3%ADculo%20%E2%80%93%20Zo%C3%AB.pdf`,
    );
  });

  it('presigned URL: a hostile filename cannot inject headers or paths', async () => {
    const key = 'resumes/user-1/hostile.pdf';
    await storage.put(key, bytes('x'), { contentType: 'application/pdf' });
    const filename = 'evil"\\name\r\nSet-Cookie: owned=1\r\n../../etc/passwd.pdf';
    const url = await storage.downloadUrl(key, { filename, contentType: 'application/pdf' });
    const response = await fetch(url!);
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toBeNull();
    const disposition = response.headers.get('content-disposition')!;
    expect(disposition).toBe(contentDisposition(filename));
    expect(disposition).not.toMatch(/[\r\n]/);
    const fallback = /filename="([^"]*)"/.exec(disposition)![1]!;
    expect(fallback).not.toMatch(/[/\\"]/);
    expect(disposition).not.toContain('../');
  });

  it('presigned URL: never valid longer than 15 minutes', async () => {
    const url = await storage.downloadUrl('a/b.pdf', {
      filename: 'b.pdf',
      contentType: 'application/pdf',
      expiresInSec: 86_400,
    });
    expect(new URL(url!).searchParams.get('X-Amz-Expires')).toBe('900');
  });

  it('presigned URL: expired -> 403', async () => {
    const key = 'resumes/user-1/expiring.pdf';
    await storage.put(key, bytes('x'), { contentType: 'application/pdf' });
    const url = await storage.downloadUrl(key, {
      filename: 'x.pdf',
      contentType: 'application/pdf',
      expiresInSec: 1,
    });
    // X-Amz-Date has whole seconds: after 2.2 s the 1 s lifetime is over whatever the sub-second phase.
    await new Promise((resolve) => setTimeout(resolve, 2200));
    const response = await fetch(url!);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('AccessDenied');
  });

  it('presigned URL: tampered signature, key or disposition -> 403', async () => {
    const key = 'resumes/user-1/tamper.pdf';
    await storage.put(key, bytes('secret'), { contentType: 'application/pdf' });
    await storage.put('resumes/user-2/other.pdf', bytes('other'), { contentType: 'application/pdf' });
    const url = new URL(
      (await storage.downloadUrl(key, { filename: 'a.pdf', contentType: 'application/pdf' }))!,
    );

    const badSignature = new URL(url);
    const signature = badSignature.searchParams.get('X-Amz-Signature')!;
    badSignature.searchParams.set(
      'X-Amz-Signature',
      `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`,
    );
    const otherKey = new URL(url);
    otherKey.pathname = `/${BUCKET}/resumes/user-2/other.pdf`;
    const otherDisposition = new URL(url);
    otherDisposition.searchParams.set('response-content-disposition', 'inline');
    const unsigned = new URL(url);
    unsigned.search = '';

    for (const tampered of [badSignature, otherKey, otherDisposition, unsigned]) {
      const response = await fetch(tampered);
      expect(response.status, tampered.toString()).toBe(403);
      await response.arrayBuffer();
    }
  });

  describe('list', () => {
    // Characters that URL-encoding (encoding-type=url) and XML escaping must both get right.
    const odd = [
      'a b.txt',
      'a+b.txt',
      'a%20b.txt',
      'a&b<c>.txt',
      'Zoë – résumé ✓.txt',
      '日本語/履歴書.txt',
      'z.txt',
    ];
    const prefix = `list-${process.pid}/`;
    const keys = odd.map((name) => `${prefix}${name}`);
    let started: number;

    beforeAll(async () => {
      started = Date.now();
      for (const key of keys) await storage.put(key, bytes(key), { contentType: 'text/plain' });
      await storage.put(`list-${process.pid}x/outside.txt`, bytes('x'), { contentType: 'text/plain' });
    });

    it('lists every key under a prefix, page by page, decoded', async () => {
      const requests: string[] = [];
      const counting = withCredentials({
        fetch: (input, init) => {
          requests.push(input instanceof Request ? input.url : String(input));
          return fetch(input, init);
        },
      });
      const listed = await collect(counting.list(prefix, { maxKeys: 2 }));
      expect(listed.map((o) => o.key).sort()).toEqual([...keys].sort());
      expect(requests.filter((url) => url.includes('list-type=2'))).toHaveLength(Math.ceil(keys.length / 2));
    });

    it('gives each object its last-modified time', async () => {
      const listed = await collect(storage.list(prefix));
      for (const object of listed) {
        expect(object.lastModified).toBeInstanceOf(Date);
        // S3 times have whole seconds; allow for a small clock difference with the server.
        expect(object.lastModified.getTime()).toBeGreaterThan(started - 60_000);
        expect(object.lastModified.getTime()).toBeLessThan(Date.now() + 60_000);
      }
    });

    it('lists a prefix with unicode in it', async () => {
      const listed = await collect(storage.list(`${prefix}日本語/`));
      expect(listed.map((o) => o.key)).toEqual([`${prefix}日本語/履歴書.txt`]);
    });

    it('lists nothing under a prefix with no objects', async () => {
      expect(await collect(storage.list('no-such-prefix/'))).toEqual([]);
    });
  });

  it('wrong secret -> DependencyUnavailableError (logged as a configuration error), probe down', async () => {
    const { logger, lines } = recordingLogger();
    const wrong = withCredentials({ secretAccessKey: `${gw.secretAccessKey}x`, logger });
    await expectUnavailable(
      wrong.put('x/y.txt', bytes('x'), { contentType: 'text/plain' }),
      /S3 rejected the credentials \(SignatureDoesNotMatch\): check AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY/,
    );
    await expectUnavailable(wrong.get('x/y.txt'), /SignatureDoesNotMatch/);
    expect(await wrong.probe()).toBe('down');
    const configError = lines.find((l) => l.level === 'error' && /configuration error/.test(l.message));
    expect(configError?.fields).toMatchObject({ status: 403, s3_code: 'SignatureDoesNotMatch' });
    expect(configError?.fields.s3_request_id).toEqual(expect.any(String));
    expect(JSON.stringify(lines)).not.toContain(gw.secretAccessKey);
  });

  it('unknown access key -> DependencyUnavailableError (InvalidAccessKeyId)', async () => {
    const wrong = withCredentials({ accessKeyId: 'AKIANOSUCHKEY0000000' });
    await expectUnavailable(wrong.delete('x/y.txt'), /InvalidAccessKeyId/);
  });

  it('other 4xx -> a plain Error carrying the S3 code', async () => {
    const noBucket = withCredentials({ bucket: 'no-such-bucket-here' });
    const err = await noBucket.get('x/y.txt').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(DependencyUnavailableError);
    expect((err as Error).message).toContain('NoSuchBucket');
    expect(await noBucket.probe()).toBe('down');
  });

  it('server unreachable -> DependencyUnavailableError, probe down (logged at most once a minute)', async () => {
    const { logger, lines } = recordingLogger();
    const port = await closedPort();
    const down = withCredentials({ endpoint: `http://127.0.0.1:${port}`, logger });
    await expectUnavailable(down.put('x/y.txt', bytes('x'), { contentType: 'text/plain' }), /PutObject/);
    await expectUnavailable(down.get('x/y.txt'));
    await expectUnavailable(down.delete('x/y.txt'));
    await expectUnavailable(collect(down.list('resumes/')), /ListObjectsV2/);
    lines.length = 0;
    expect(await down.probe()).toBe('down');
    expect(await down.probe()).toBe('down');
    expect(lines.filter((l) => l.message === 'storage probe failed')).toHaveLength(1);
  });
});

describe('S3 storage failure mapping (injected fetch)', () => {
  const base = {
    bucket: 'b',
    region: 'us-east-1',
    accessKeyId: 'AK',
    secretAccessKey: 'SK',
    endpoint: 'http://s3.test',
  };

  it('sends the session token of temporary credentials, in requests and in presigned URLs', async () => {
    const seen: Request[] = [];
    const storage = createS3Storage({
      ...base,
      sessionToken: 'IQoJb3JpZ2luX2Vj',
      fetch: async (input, init) => {
        seen.push(new Request(input, init));
        return new Response(null, { status: 200 });
      },
    });
    await storage.put('a/b', bytes('x'), { contentType: 'text/plain' });
    expect(seen[0]?.headers.get('x-amz-security-token')).toBe('IQoJb3JpZ2luX2Vj');
    const url = new URL(
      (await storage.downloadUrl('a/b', { filename: 'b.txt', contentType: 'text/plain' }))!,
    );
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe('IQoJb3JpZ2luX2Vj');
  });

  it('5xx -> DependencyUnavailableError, logs the S3 request id', async () => {
    const { logger, lines } = recordingLogger();
    const storage = createS3Storage({
      ...base,
      logger,
      fetch: async () =>
        new Response('<Error><Code>ServiceUnavailable</Code></Error>', {
          status: 503,
          headers: { 'x-amz-request-id': 'req-123' },
        }),
    });
    await expectUnavailable(
      storage.put('a/b', bytes('x'), { contentType: 'text/plain' }),
      /503 ServiceUnavailable/,
    );
    expect(lines[0]?.fields).toMatchObject({ s3_request_id: 'req-123', status: 503, operation: 'PutObject' });
  });

  it('list: 5xx -> DependencyUnavailableError', async () => {
    const storage = createS3Storage({
      ...base,
      fetch: async () => new Response('<Error><Code>InternalError</Code></Error>', { status: 500 }),
    });
    await expectUnavailable(
      collect(storage.list('resumes/')),
      /ListObjectsV2 failed: HTTP 500 InternalError/,
    );
  });

  it('list: an answer that is not a listing -> DependencyUnavailableError', async () => {
    const storage = createS3Storage({
      ...base,
      fetch: async () => new Response('<html>captive portal</html>', { status: 200 }),
    });
    await expectUnavailable(collect(storage.list('resumes/')), /ListObjectsV2/);
  });

  it('list: follows NextContinuationToken and sends it encoded', async () => {
    const seen: URL[] = [];
    const page = (keys: string[], next?: string) =>
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><Prefix>resumes%2F</Prefix>` +
      keys
        .map(
          (k) => `<Contents><Key>${k}</Key><LastModified>2024-05-01T10:00:00.000Z</LastModified></Contents>`,
        )
        .join('') +
      `<IsTruncated>${next ? 'true' : 'false'}</IsTruncated>` +
      (next ? `<NextContinuationToken>${next}</NextContinuationToken>` : '') +
      '</ListBucketResult>';
    const storage = createS3Storage({
      ...base,
      fetch: async (input) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        seen.push(url);
        return new Response(
          url.searchParams.has('continuation-token')
            ? page(['resumes%2F2%2Fb+c.pdf'])
            : page(['resumes%2F1%2Fa%2Bb.pdf'], '1/abc+def=&amp;'),
        );
      },
    });
    const listed = await collect(storage.list('resumes/'));
    expect(listed).toEqual([
      { key: 'resumes/1/a+b.pdf', lastModified: new Date('2024-05-01T10:00:00.000Z') },
      { key: 'resumes/2/b c.pdf', lastModified: new Date('2024-05-01T10:00:00.000Z') },
    ]);
    expect(seen.map((u) => u.searchParams.get('continuation-token'))).toEqual([null, '1/abc+def=&']);
    expect(seen[0]?.searchParams.get('list-type')).toBe('2');
    expect(seen[0]?.searchParams.get('encoding-type')).toBe('url');
    expect(seen[0]?.searchParams.get('prefix')).toBe('resumes/');
    expect(seen[0]?.searchParams.get('max-keys')).toBe('1000');
  });

  it('a request with no answer times out -> DependencyUnavailableError', async () => {
    const storage = createS3Storage({
      ...base,
      timeoutMs: 100,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
        }),
    });
    await expectUnavailable(storage.get('a/b'), /no answer within 100 ms/);
  });

  it('signs path-style URLs with each key segment encoded', async () => {
    const seen: string[] = [];
    const storage = createS3Storage({
      ...base,
      fetch: async (input) => {
        seen.push(input instanceof Request ? input.url : String(input));
        return new Response(null, { status: 204 });
      },
    });
    await storage.delete('resumes/u 1/a+b ü.pdf');
    expect(seen).toEqual(['http://s3.test/b/resumes/u%201/a%2Bb%20%C3%BC.pdf']);
  });

  it('uses virtual-host URLs on AWS', async () => {
    const storage = createS3Storage({ ...base, endpoint: undefined, region: 'eu-west-1' });
    const url = new URL(
      (await storage.downloadUrl('resumes/u/x.pdf', { filename: 'x.pdf', contentType: 'application/pdf' }))!,
    );
    expect(url.origin).toBe('https://b.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/resumes/u/x.pdf');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AK\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
    expect(url.searchParams.get('response-content-type')).toBe('application/pdf');
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and an RFC 5987 filename*', () => {
    expect(contentDisposition('resume.pdf')).toBe(
      `attachment; filename="resume.pdf"; filename*=UTF-8''resume.pdf`,
    );
    expect(contentDisposition("O'Brien (final)*.pdf")).toBe(
      `attachment; filename="O'Brien (final)*.pdf"; filename*=UTF-8''O%27Brien%20%28final%29%2A.pdf`,
    );
  });

  it('neutralises quotes, backslashes, slashes, control characters and lone surrogates', () => {
    const value = contentDisposition('a"b\\c/d\r\ne\u0000f\ud800.pdf');
    expect(value).toBe(
      `attachment; filename="a_b_c_d__e_f_.pdf"; filename*=UTF-8''a%22b_c_d__e_f%EF%BF%BD.pdf`,
    );
    expect(contentDisposition('')).toBe(`attachment; filename="download"; filename*=UTF-8''download`);
  });
});

describe('local storage', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'jobmate-local-storage-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('round-trips, overwrites, deletes idempotently and leaves no temp files', async () => {
    const storage = createLocalStorage(root);
    expect(storage.kind).toBe('local');
    expect(storage.bucket).toBe('local');
    const key = 'resumes/user-1/Zoë résumé+1.pdf';
    await storage.put(key, bytes('one'), { contentType: 'application/pdf', metadata: { a: 'b' } });
    await storage.put(key, bytes('two'), { contentType: 'application/pdf' });
    expect(new TextDecoder().decode(await storage.get(key))).toBe('two');
    expect(await readdir(path.join(root, 'resumes/user-1'))).toEqual(['Zoë résumé+1.pdf']);
    expect(
      await storage.downloadUrl(key, { filename: 'x.pdf', contentType: 'application/pdf' }),
    ).toBeUndefined();
    expect(await storage.probe()).toBe('local');
    await storage.delete(key);
    expect(await storage.get(key)).toBeUndefined();
    await storage.delete(key);
    expect(await storage.get('resumes/nobody/missing.pdf')).toBeUndefined();
  });

  it('lists the files under a prefix with their modification times, in key order', async () => {
    const storage = createLocalStorage(path.join(root, 'listing'));
    const keys = ['resumes/12/b.pdf', 'resumes/1/Zoë résumé+1.pdf', 'resumes/1/a.txt', 'other/x.txt'];
    for (const key of keys) await storage.put(key, bytes(key), { contentType: 'text/plain' });
    const then = new Date('2024-05-01T10:00:00.000Z');
    await utimes(path.join(storage.root, 'resumes/1/a.txt'), then, then);

    const listed = await collect(storage.list('resumes/'));
    expect(listed.map((o) => o.key)).toEqual([
      'resumes/1/Zoë résumé+1.pdf',
      'resumes/1/a.txt',
      'resumes/12/b.pdf',
    ]);
    expect(listed[1]?.lastModified).toEqual(then);
    expect(listed[0]?.lastModified.getTime()).toBeGreaterThan(then.getTime());
  });

  it('lists by key prefix, not only by folder, as S3 does', async () => {
    const storage = createLocalStorage(path.join(root, 'partial'));
    for (const key of ['resumes/1/a.txt', 'resumes/12/b.txt', 'resumes/2/c.txt'])
      await storage.put(key, bytes(key), { contentType: 'text/plain' });
    const listed = await collect(storage.list('resumes/1'));
    expect(listed.map((o) => o.key)).toEqual(['resumes/1/a.txt', 'resumes/12/b.txt']);
  });

  it('lists nothing under a folder that does not exist', async () => {
    const storage = createLocalStorage(path.join(root, 'empty'));
    expect(await collect(storage.list('resumes/'))).toEqual([]);
  });

  it('refuses a list prefix that would escape the root', async () => {
    const storage = createLocalStorage(path.join(root, 'inner'));
    for (const prefix of ['../', 'a/../../', '/etc/', 'a\\..\\b'])
      await expect(collect(storage.list(prefix)), prefix).rejects.toThrow(/Invalid storage prefix/);
  });

  it('refuses keys that would escape the root', async () => {
    const storage = createLocalStorage(path.join(root, 'inner'));
    const hostile = [
      '../outside.txt',
      'a/../../outside.txt',
      '/etc/passwd',
      'a\0b',
      '',
      'a//b',
      './a',
      'a\\..\\b',
    ];
    for (const key of hostile) {
      await expect(storage.put(key, bytes('x'), { contentType: 'text/plain' }), key).rejects.toThrow(
        /Invalid storage key/,
      );
      await expect(storage.get(key), key).rejects.toThrow(/Invalid storage key/);
      await expect(storage.delete(key), key).rejects.toThrow(/Invalid storage key/);
    }
    expect(await readdir(root)).not.toContain('outside.txt');
  });
});
