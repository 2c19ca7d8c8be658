import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { createResumeStore } from '../../src/db/resumes';
import { createS3Storage } from '../../src/services/storage/s3';
import type { ObjectStorage } from '../../src/services/storage/storage';
import { bearer, createTestApp, localTestStorage } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import type { UploadBody } from '../support/contract';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';
import {
  makeDocx,
  makeDocxZipBomb,
  makeEncryptedPdf,
  makeImageOnlyPdf,
  makePdf,
  sampleResumeText,
  utf16Bom,
} from '../support/fixtures';

const encoder = new TextEncoder();

function s3Storage(bucket: string): ObjectStorage & { ensureBucket(): Promise<void> } {
  const s3 = inject('s3');
  return createS3Storage({
    bucket,
    region: s3.region,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    endpoint: s3.endpoint,
  }) as ObjectStorage & { ensureBucket(): Promise<void> };
}

describe.each(databaseKinds)('resumes on %s with S3 (radosgw)', (kind) => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let storage: ObjectStorage & { ensureBucket(): Promise<void> };
  let app: ReturnType<typeof createTestApp>;
  let n = 0;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase(kind);
    storage = s3Storage(`resumes-${kind}-${process.pid}`);
    await storage.ensureBucket();
    app = createTestApp({ database: db.database, auth0, deps: { storage } });
  });
  afterAll(async () => {
    await db.dispose();
    await auth0.close();
  });

  const newUser = async () =>
    bearer(await auth0.sign({ sub: `auth0|r-${kind}-${n++}`, email: 'r@example.com' }));

  function upload(
    headers: Record<string, string>,
    name: string,
    bytes: Uint8Array,
    part = 'resume_file',
    target = app,
  ) {
    const form = new FormData();
    form.append(part, new File([bytes as Uint8Array<ArrayBuffer>], name));
    return target.request('/api/resume/upload', { method: 'POST', headers, body: form });
  }
  async function uploadOk(headers: Record<string, string>, name: string, bytes: Uint8Array) {
    const res = await upload(headers, name, bytes);
    const body = (await res.json()) as UploadBody;
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body;
  }
  const listOf = async (headers: Record<string, string>) =>
    (
      (await (await app.request('/api/resumes', { headers })).json()) as {
        resumes: { id: string; is_default: boolean }[];
      }
    ).resumes;

  it('round-trips a multi-page PDF: upload, list, text, download through the presigned URL, delete', async () => {
    const user = await newUser();
    const pdf = await makePdf([
      'Ana Lima\nExperience\nSenior nurse at Saint Mary',
      'Education\nBSc Nursing, Lisbon',
    ]);
    const uploaded = await uploadOk(user, 'Ana Lima CV.pdf', pdf);
    expect(uploaded).toMatchObject({ bucket: expect.any(String), skills: [] });
    expect(uploaded.s3_key).toMatch(new RegExp(`^resumes/\\d+/${uploaded.resume_id}\\.pdf$`));
    expect(uploaded.chunks_created).toBeGreaterThan(0);

    const list = await listOf(user);
    expect(list).toEqual([
      expect.objectContaining({ id: uploaded.resume_id, is_default: true, filename: 'Ana Lima CV.pdf' }),
    ]);

    const detail = (await (
      await app.request(`/api/resumes/${uploaded.resume_id}`, { headers: user })
    ).json()) as {
      text: string;
      text_length: number;
    };
    expect(detail.text).toContain('Senior nurse');
    expect(detail.text).toContain('BSc Nursing');
    expect(detail.text_length).toBe(uploaded.text_length);

    const download = await app.request(`/api/resumes/${uploaded.resume_id}/download`, { headers: user });
    expect(download.status).toBe(302);
    const presigned = download.headers.get('location') ?? '';
    expect(Number(new URL(presigned).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
    const file = await fetch(presigned);
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(pdf);
    expect(file.headers.get('content-disposition')).toContain('attachment');

    expect(
      (await app.request(`/api/resumes/${uploaded.resume_id}`, { method: 'DELETE', headers: user })).status,
    ).toBe(204);
    expect(await storage.get(uploaded.s3_key)).toBeUndefined();
    expect(await listOf(user)).toEqual([]);
  });

  it('reads a DOCX with tabs, breaks and a table', async () => {
    const user = await newUser();
    const uploaded = await uploadOk(user, 'cv.docx', await makeDocx());
    const detail = (await (
      await app.request(`/api/resumes/${uploaded.resume_id}`, { headers: user })
    ).json()) as { text: string };
    expect(detail.text.length).toBeGreaterThan(20);
  });

  it('reads UTF-8 text with accents and UTF-16 with a BOM', async () => {
    const user = await newUser();
    const utf8 = await uploadOk(user, 'cv.txt', encoder.encode(sampleResumeText));
    const utf16 = await uploadOk(user, 'cv16.txt', utf16Bom(sampleResumeText));
    for (const id of [utf8.resume_id, utf16.resume_id]) {
      const detail = (await (await app.request(`/api/resumes/${id}`, { headers: user })).json()) as {
        text: string;
      };
      expect(detail.text).toMatch(/[À-ÿ]/);
    }
    expect(utf16.text_length).toBe(utf8.text_length);
  });

  it('keeps exactly one default: the first upload, then the one chosen, then the newest after deleting it', async () => {
    const user = await newUser();
    const first = await uploadOk(user, 'a.txt', encoder.encode(sampleResumeText));
    const second = await uploadOk(user, 'b.txt', encoder.encode(sampleResumeText));
    const third = await uploadOk(user, 'c.txt', encoder.encode(sampleResumeText));
    expect((await listOf(user)).filter((r) => r.is_default).map((r) => r.id)).toEqual([first.resume_id]);

    const patched = await app.request(`/api/resumes/${second.resume_id}`, {
      method: 'PATCH',
      headers: { ...user, 'content-type': 'application/json' },
      body: JSON.stringify({ is_default: true }),
    });
    expect(await patched.json()).toMatchObject({ id: second.resume_id, is_default: true });
    expect((await listOf(user)).filter((r) => r.is_default).map((r) => r.id)).toEqual([second.resume_id]);

    await app.request(`/api/resumes/${second.resume_id}`, { method: 'DELETE', headers: user });
    expect((await listOf(user)).filter((r) => r.is_default).map((r) => r.id)).toEqual([third.resume_id]);
  });

  it('answers another user’s resume as not found, for every route', async () => {
    const owner = await newUser();
    const other = await newUser();
    const { resume_id } = await uploadOk(owner, 'mine.txt', encoder.encode(sampleResumeText));
    for (const [method, path] of [
      ['GET', `/api/resumes/${resume_id}`],
      ['GET', `/api/resumes/${resume_id}/download`],
      ['DELETE', `/api/resumes/${resume_id}`],
    ]) {
      const res = await app.request(path as string, { method, headers: other });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
    expect(await listOf(owner)).toHaveLength(1);
  });

  describe('bad uploads store nothing', () => {
    const cases: [string, () => Promise<[string, Uint8Array]>, number, string][] = [
      ['an empty file', async () => ['empty.pdf', new Uint8Array()], 422, 'unreadable_document'],
      [
        'an .exe renamed to .pdf',
        async () => ['setup.pdf', new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0])],
        415,
        'unsupported_file_type',
      ],
      [
        'PDF bytes named .docx',
        async () => ['cv.docx', await makePdf(['hello world'])],
        415,
        'unsupported_file_type',
      ],
      [
        'a .png',
        async () => ['me.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47])],
        415,
        'unsupported_file_type',
      ],
      [
        'a corrupt PDF',
        async () => ['bad.pdf', encoder.encode('%PDF-1.7\n garbage garbage')],
        422,
        'unreadable_document',
      ],
      [
        'a truncated PDF',
        async () => ['cut.pdf', (await makePdf(['Some text here'])).slice(0, 300)],
        422,
        'unreadable_document',
      ],
      ['an encrypted PDF', async () => ['locked.pdf', await makeEncryptedPdf()], 422, 'unreadable_document'],
      ['an image-only PDF', async () => ['scan.pdf', await makeImageOnlyPdf()], 422, 'unreadable_document'],
      ['a DOCX zip bomb', async () => ['bomb.docx', await makeDocxZipBomb()], 422, 'unreadable_document'],
      [
        'a text file with more text than a resume (100,001 characters)',
        async () => ['dump.txt', encoder.encode(`${'Experience and skills. '.repeat(4348)}abcdefghi`)],
        422,
        'unreadable_document',
      ],
    ];
    it.each(cases)('refuses %s', async (_name, make, status, code) => {
      const user = await newUser();
      const [name, bytes] = await make();
      const res = await upload(user, name, bytes);
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error: code });
      expect(await listOf(user)).toEqual([]);
    });

    it('answers 400 file_required without a resume_file part', async () => {
      const user = await newUser();
      const res = await upload(user, 'cv.txt', encoder.encode(sampleResumeText), 'other_part');
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'file_required' });
    });

    it('answers 400 file_required for a JSON body', async () => {
      const res = await app.request('/api/resume/upload', {
        method: 'POST',
        headers: { ...(await newUser()), 'content-type': 'application/json' },
        body: '{}',
      });
      expect(await res.json()).toMatchObject({ error: 'file_required' });
    });

    /** A multipart body of `total` bytes of file content, streamed in 64 KiB chunks without Content-Length. */
    function streamedUpload(total: number) {
      const boundary = 'jobmateboundary';
      const head = encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="resume_file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
      );
      const chunk = encoder.encode('a'.repeat(64 * 1024));
      const progress = { sent: 0 };
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(head);
        },
        pull(controller) {
          if (progress.sent >= total) {
            controller.enqueue(encoder.encode(`\r\n--${boundary}--\r\n`));
            return controller.close();
          }
          progress.sent += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      const request = new Request('http://localhost/api/resume/upload', {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
        duplex: 'half',
      } as RequestInit);
      return { request, progress };
    }

    it('answers 413 file_too_large for 11 MiB streamed without Content-Length, after reading and dropping the rest', async () => {
      const user = await newUser();
      const { request, progress } = streamedUpload(11 * 1024 * 1024);
      const res = await app.request(
        new Request(request, {
          headers: { ...user, 'content-type': request.headers.get('content-type') ?? '' },
        }),
      );
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: 'file_too_large' });
      // Drained, not answered mid-body: a half-read body leaves the connection stuck under wrangler dev.
      expect(progress.sent).toBe(11 * 1024 * 1024);
      expect(await listOf(user)).toEqual([]);
    });

    it('stops reading an over-limit body 16 MiB past the limit and answers 413', async () => {
      const user = await newUser();
      const { request, progress } = streamedUpload(40 * 1024 * 1024);
      const res = await app.request(
        new Request(request, {
          headers: { ...user, 'content-type': request.headers.get('content-type') ?? '' },
        }),
      );
      expect(res.status).toBe(413);
      expect(progress.sent).toBeLessThan(30 * 1024 * 1024);
    });
  });

  it('keeps only the base name of a path-traversal filename, and unicode names intact', async () => {
    const user = await newUser();
    const traversal = await uploadOk(user, '../../etc/passwd.txt', encoder.encode(sampleResumeText));
    const unicode = await uploadOk(user, 'Currículo – Zoë.txt', encoder.encode(sampleResumeText));
    const list = (await (await app.request('/api/resumes', { headers: user })).json()) as {
      resumes: { id: string; filename: string }[];
    };
    expect(list.resumes.find((r) => r.id === traversal.resume_id)?.filename).toBe('passwd.txt');
    expect(list.resumes.find((r) => r.id === unicode.resume_id)?.filename).toBe('Currículo – Zoë.txt');
    expect(traversal.s3_key).not.toContain('..');
    const download = await app.request(`/api/resumes/${unicode.resume_id}/download`, { headers: user });
    const file = await fetch(download.headers.get('location') ?? '');
    expect(file.headers.get('content-disposition')).toContain("filename*=UTF-8''Curr%C3%ADculo");
  });

  it('reads big uploads one at a time with UPLOAD_MEMORY_MB=11, and every one lands', async () => {
    const serial = createTestApp({
      database: db.database,
      auth0,
      env: { UPLOAD_MEMORY_MB: '11' },
      deps: { storage },
    });
    const user = await newUser();
    const results = await Promise.all(
      [1, 2, 3].map((i) =>
        upload(user, `cv-${i}.txt`, encoder.encode(sampleResumeText), 'resume_file', serial),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(await listOf(user)).toHaveLength(3);
  });

  /** A multipart upload whose body sends `sent` bytes of a `declared`-byte body, then stops. */
  function stalledUpload(headers: Record<string, string>, declared: number, sent: number, target = app) {
    const boundary = 'stalled-boundary';
    const head = encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="resume_file"; filename="cv.txt"\r\n\r\n`,
    );
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
        controller.enqueue(new Uint8Array(sent - head.length).fill(0x61));
        // ... and nothing more: the client has stopped sending.
      },
      cancel() {
        cancelled = true;
      },
    });
    const response = target.request('/api/resume/upload', {
      method: 'POST',
      headers: {
        ...headers,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(declared),
      },
      body,
      duplex: 'half',
    } as RequestInit);
    return { response, cancelled: () => cancelled };
  }

  it('answers 408 and closes the connection when an upload body stops arriving, and stores nothing', async () => {
    const impatient = createTestApp({
      database: db.database,
      auth0,
      env: { UPLOAD_IDLE_TIMEOUT_MS: '200' },
      deps: { storage },
    });
    const user = await newUser();
    const stalled = stalledUpload(user, 3 * 1024 * 1024, 64 * 1024, impatient);
    const res = await stalled.response;
    expect(res.status).toBe(408);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toMatchObject({ error: 'request_timeout' });
    expect(stalled.cancelled()).toBe(true);
    expect(await listOf(user)).toEqual([]);
  });

  it('a client that stops mid-upload holds one big-upload slot, not the others: another user’s upload lands', async () => {
    const slow = createTestApp({
      database: db.database,
      auth0,
      env: { UPLOAD_IDLE_TIMEOUT_MS: '1000' },
      deps: { storage },
    });
    const stalled = stalledUpload(await newUser(), 3 * 1024 * 1024, 1536 * 1024, slow);
    const other = await newUser();
    const form = new FormData();
    form.append('resume_file', new File([encoder.encode(sampleResumeText)], 'cv.txt'));
    const encoded = new Response(form);
    const contentType = encoded.headers.get('content-type') ?? '';
    const body = new Uint8Array(await encoded.arrayBuffer());
    // The file is small, but the request declares over 1 MiB: it needs a big-upload slot too.
    const res = await slow.request('/api/resume/upload', {
      method: 'POST',
      headers: { ...other, 'Content-Type': contentType, 'Content-Length': String(2 * 1024 * 1024) },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(body);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await stalled.response).status).toBe(408);
  });

  it('answers 429 with Retry-After past UPLOADS_PER_MINUTE for one user, not for another', async () => {
    const limited = createTestApp({
      database: db.database,
      auth0,
      env: { UPLOADS_PER_MINUTE: '2' },
      deps: { storage },
    });
    const user = await newUser();
    const file = encoder.encode(sampleResumeText);
    for (let i = 0; i < 2; i++)
      expect((await upload(user, `cv-${i}.txt`, file, 'resume_file', limited)).status).toBe(201);
    const third = await upload(user, 'cv-3.txt', file, 'resume_file', limited);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await third.json()).toMatchObject({ error: 'rate_limited' });
    expect(await listOf(user)).toHaveLength(2);
    expect((await upload(await newUser(), 'cv.txt', file, 'resume_file', limited)).status).toBe(201);
  });

  it('answers 503 storage_unavailable and stores no row when S3 is down', async () => {
    const s3 = inject('s3');
    const down = createS3Storage({
      bucket: 'nowhere',
      region: s3.region,
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      endpoint: 'http://127.0.0.1:9',
    });
    const local = createTestApp({ database: db.database, auth0, deps: { storage: down } });
    const user = await newUser();
    const res = await upload(user, 'cv.txt', encoder.encode(sampleResumeText), 'resume_file', local);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'storage_unavailable' });
    expect(await listOf(user)).toEqual([]);
  });

  it('removes the object when the database write fails after it was stored', async () => {
    // Every write of the stores goes through `atomic`: make it fail as a full disk would.
    const failing: Database = {
      ...db.database,
      atomic: () => Promise.reject(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })),
    };
    const written: string[] = [];
    const watching: ObjectStorage = {
      ...storage,
      kind: storage.kind,
      bucket: storage.bucket,
      put: async (key, body, options) => {
        written.push(key);
        return storage.put(key, body, options);
      },
      delete: (key) => storage.delete(key),
      get: (key) => storage.get(key),
      downloadUrl: (key, options) => storage.downloadUrl(key, options),
      probe: () => storage.probe(),
    };
    const local = createTestApp({ database: failing, auth0, deps: { storage: watching } });
    const user = await newUser();
    await app.request('/api/me', { headers: user }); // hydrate with the working database first
    const res = await upload(user, 'cv.txt', encoder.encode(sampleResumeText), 'resume_file', local);
    expect(res.status).toBe(503);
    expect(written).toHaveLength(1);
    expect(await storage.get(written[0] as string)).toBeUndefined();
  });
});

describe('resumes on local storage', () => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let app: ReturnType<typeof createTestApp>;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase('libsql');
    app = createTestApp({ database: db.database, auth0 });
  });
  afterAll(async () => {
    await db.dispose();
    await auth0.close();
  });

  it('serves the download itself as an attachment with the original name', async () => {
    const user = bearer(await auth0.sign({ sub: 'auth0|local', email: 'l@example.com' }));
    const form = new FormData();
    const bytes = encoder.encode(sampleResumeText);
    form.append('resume_file', new File([bytes], 'Zoë "CV".txt'));
    const uploaded = (await (
      await app.request('/api/resume/upload', { method: 'POST', headers: user, body: form })
    ).json()) as UploadBody;
    const res = await app.request(`/api/resumes/${uploaded.resume_id}/download`, { headers: user });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="Zo_ _CV_.txt"; filename\*=UTF-8''Zo%C3%AB%20%22CV%22.txt$/,
    );
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  it('PATCH accepts only is_default: true, and 404s for a missing resume', async () => {
    const user = bearer(await auth0.sign({ sub: 'auth0|local2', email: 'l2@example.com' }));
    const patch = (id: string, body: unknown) =>
      app.request(`/api/resumes/${id}`, {
        method: 'PATCH',
        headers: { ...user, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await patch('whatever', { is_default: false })).status).toBe(400);
    expect((await patch('whatever', { is_default: true, filename: 'x' })).status).toBe(400);
    expect((await patch('00000000-0000-0000-0000-000000000000', { is_default: true })).status).toBe(404);
  });
});

describe('resumes: earlier failed removals are retried after the answer', () => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase('libsql');
  });
  afterAll(async () => {
    await db.dispose();
    await auth0.close();
  });

  it('answers the upload without waiting for a slow removal of an earlier object', async () => {
    const stuckKey = 'resumes/0/stuck.txt';
    let removalStarted = () => {};
    const started = new Promise<void>((resolve) => {
      removalStarted = resolve;
    });
    const local = localTestStorage();
    // Storage whose removal of that one object never answers.
    const stuck: ObjectStorage = {
      ...local,
      delete: (key) => {
        if (key !== stuckKey) return local.delete(key);
        removalStarted();
        return new Promise<void>(() => {});
      },
    };
    await createResumeStore(db.database).recordPendingDeletion(
      { bucket: stuck.bucket, storageKey: stuckKey, error: 'timeout' },
      new Date(),
    );
    const app = createTestApp({ database: db.database, auth0, deps: { storage: stuck } });
    const user = bearer(await auth0.sign({ sub: 'auth0|pending', email: 'p@example.com' }));
    const form = new FormData();
    form.append('resume_file', new File([encoder.encode(sampleResumeText)], 'cv.txt'));
    const res = await app.request('/api/resume/upload', { method: 'POST', headers: user, body: form });
    expect(res.status).toBe(201);
    await started;
  }, 10_000);
});
