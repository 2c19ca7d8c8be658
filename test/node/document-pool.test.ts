import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { ApiError } from '../../src/errors';
import { createDocumentPool } from '../../src/node/document-pool';
import { makeDocx, makePdf, sampleResumeText } from '../support/fixtures';
import { densePdf } from '../support/hostile';

const encoder = new TextEncoder();

async function refusal(run: () => Promise<unknown>): Promise<ApiError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('createDocumentPool (worker threads)', () => {
  const pool = createDocumentPool(
    parseConfig({ DOCUMENT_WORKERS: '1', DOCUMENT_QUEUE: '1', DOCUMENT_TIMEOUT_MS: '300' }),
  );
  afterAll(() => pool.close());

  it('reads text, PDF and DOCX off the event loop, as the in-request reader does', async () => {
    const text = await pool.read('txt', encoder.encode(sampleResumeText));
    expect(text.text).toContain('Senior backend engineer');
    expect(text.chunks.map((c) => c.section)).toContain('Experience');
    const pdf = await pool.read('pdf', await makePdf(['Ana Lima\nExperience\nNurse at Saint Mary']));
    expect(pdf.text).toContain('Nurse at Saint Mary');
    expect((await pool.read('docx', await makeDocx())).text.length).toBeGreaterThan(20);
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
    const patient = createDocumentPool(parseConfig({ DOCUMENT_WORKERS: '1', DOCUMENT_TIMEOUT_MS: '60000' }));
    try {
      const dense = await densePdf(8);
      const reading = patient.read('pdf', dense);
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
    const dense = await densePdf(8);
    const running = pool.read('pdf', dense).catch(() => undefined);
    const queued = pool.read('pdf', dense).catch(() => undefined);
    const err = await refusal(() => pool.read('txt', encoder.encode('Ana Lima')));
    expect([err.status, err.code, err.options.headers?.['Retry-After']]).toEqual([429, 'rate_limited', '5']);
    await Promise.all([running, queued]);
  });
});
