import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { AppError } from '../../src/errors';
import { createDocumentPool, type DocumentPool } from '../../src/node/document-pool';
import { createLocalStorage } from '../../src/node/local-storage';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { makeDocx, makePdf, sampleResumeText } from '../support/fixtures';
import { densePdf } from '../support/hostile';

const encoder = new TextEncoder();

async function refusal(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('createDocumentPool (worker threads)', () => {
  let pool: DocumentPool;
  beforeAll(async () => {
    pool = await createDocumentPool(
      parseConfig({ DOCUMENT_WORKERS: '1', DOCUMENT_QUEUE: '1', DOCUMENT_TIMEOUT_MS: '300' }),
    );
  });
  afterAll(() => pool.close());

  it('reads text, PDF and DOCX off the event loop, as the in-request reader does', async () => {
    const text = await pool.read('txt', encoder.encode(sampleResumeText));
    expect(text.text).toContain('Senior backend engineer');
    expect(text.chunks.map((c) => c.section)).toContain('Experience');
    const pdf = await pool.read('pdf', await makePdf(['Ana Lima\nExperience\nNurse at Saint Mary']));
    expect(pdf.text).toContain('Nurse at Saint Mary');
    expect((await pool.read('docx', await makeDocx())).text.length).toBeGreaterThan(20);
  });

  it('hands a big file’s bytes back unchanged (they travel by transfer, not copy)', async () => {
    const big = encoder.encode(`${sampleResumeText}\n${'Led the night shift. '.repeat(4_000)}`);
    const original = big.slice();
    const read = await pool.read('txt', big);
    expect(read.bytes).toEqual(original);
    expect(read.text).toContain('Led the night shift.');
  });

  it('keeps the reader’s own refusals: a damaged PDF is a 422 with its message', async () => {
    const err = await refusal(() => pool.read('pdf', encoder.encode('%PDF-1.7\nnot really')));
    expect([err.status, err.code, err.message]).toEqual([422, 'unreadable_document', 'the PDF is damaged']);
  });

  it('answers 422 when a document takes longer than DOCUMENT_TIMEOUT_MS, then reads the next', async () => {
    const err = await refusal(async () => pool.read('pdf', await densePdf(8)));
    expect([err.status, err.code]).toEqual([422, 'unreadable_document']);
    expect((await pool.read('txt', encoder.encode('Ana Lima\nSkills: Python'))).text).toContain('Python');
  });

  it('answers 422 when the thread dies mid-document, and the pool recovers', async () => {
    // A pool with time to spare, so that the thread's death is what ends the read.
    const patient = await createDocumentPool(
      parseConfig({ DOCUMENT_WORKERS: '1', DOCUMENT_TIMEOUT_MS: '60000' }),
    );
    try {
      const reading = patient.read('pdf', await densePdf(8));
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const thread of patient.threads) await thread.terminate();
      const err = await refusal(() => reading);
      expect([err.status, err.message]).toEqual([422, 'the document could not be read']);
      expect((await patient.read('txt', encoder.encode('Ana Lima\nSkills: Go'))).text).toContain('Go');
    } finally {
      await patient.close();
    }
  });

  it('answers 429 with Retry-After when every thread is busy and the queue is full', async () => {
    const running = pool.read('pdf', await densePdf(8)).catch(() => undefined);
    const queued = pool.read('pdf', await densePdf(8)).catch(() => undefined);
    const err = await refusal(() => pool.read('txt', encoder.encode('Ana Lima')));
    expect([err.status, err.code, err.options.headers?.['Retry-After']]).toEqual([429, 'rate_limited', '5']);
    await Promise.all([running, queued]);
  });
});

describe('uploads read on the pool', () => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let pool: DocumentPool;
  let app: ReturnType<typeof createTestApp>;
  const files = mkdtempSync(path.join(tmpdir(), 'jobmate-pool-files-'));

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase('libsql');
    pool = await createDocumentPool(parseConfig({ DOCUMENT_WORKERS: '1', DOCUMENT_TIMEOUT_MS: '60000' }));
    app = createTestApp({
      database: db.database,
      auth0,
      deps: { storage: createLocalStorage(files), documents: pool },
    });
  });
  afterAll(async () => {
    await pool.close();
    await db.dispose();
    await auth0.close();
    rmSync(files, { recursive: true, force: true });
  });

  const uploadPdf = (headers: Record<string, string>, bytes: Uint8Array) => {
    const form = new FormData();
    form.append('resume_file', new File([bytes as Uint8Array<ArrayBuffer>], 'cv.pdf'));
    return app.request('/api/resume/upload', { method: 'POST', headers, body: form });
  };

  it('answers 422 when the thread is killed mid-parse, stores nothing, and the next upload lands', async () => {
    const user = bearer(await auth0.sign({ sub: 'auth0|pool-killed', email: 'k@example.com' }));
    const uploading = uploadPdf(user, await densePdf(8));
    // Once the thread has the document, it dies (as an out-of-memory kill would end it).
    while (pool.stats.running === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const thread of pool.threads) await thread.terminate();
    const res = await uploading;
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: 'unreadable_document' });
    const list = (await (await app.request('/api/resumes', { headers: user })).json()) as {
      resumes: unknown[];
    };
    expect(list.resumes).toEqual([]);
    expect(readdirSync(files, { recursive: true })).toEqual([]);
    expect((await uploadPdf(user, await makePdf(['Ana Lima\nSkills: Python']))).status).toBe(201);
    expect(readdirSync(files, { recursive: true }).length).toBeGreaterThan(0);
  });
});
