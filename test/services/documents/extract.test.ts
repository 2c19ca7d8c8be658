import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors';
import { detectDocumentKind } from '../../../src/services/documents/detect';
import { extractText } from '../../../src/services/documents/extract';
import {
  defaultDocxSpec,
  makeDocx,
  makeDocxZipBomb,
  makeEncryptedPdf,
  makeImageOnlyPdf,
  makePdf,
  sampleResumeText,
  utf8,
  utf16Bom,
} from '../../support/fixtures';

async function refusal(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('not refused');
}

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  await run(); // warm-up: the first call loads pdf.js
  const start = performance.now();
  const result = await run();
  console.info(`[timing] ${label}: ${(performance.now() - start).toFixed(1)} ms`);
  return result;
}

const pageText = (n: number) =>
  `Page ${n} heading\nThis is the text of page number ${n}, long enough to wrap across the width of the page ` +
  `because resumes have long lines about experience, skills and achievements in many companies. Marker-${n}.`;

describe('extractText: PDF', () => {
  it('reads every page, in order, and normalises the text', async () => {
    const pdf = await makePdf([sampleResumeText, pageText(2), pageText(3)]);
    const text = await extractText('pdf', pdf);
    expect(text).toContain('CLAIRE DUBOIS-MARTÍN');
    expect(text).toContain('Société Générale des Données');
    expect(text).toContain('- Designed a multi-tenant ingestion service');
    const positions = ['Certified Kubernetes', 'Marker-2.', 'Marker-3.'].map((m) => text.indexOf(m));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(pdf.length).toBeGreaterThan(0); // the caller's buffer is not detached
    expect(detectDocumentKind('cv.pdf', pdf)).toBe('pdf');
  });

  it('stops after maxPages pages', async () => {
    const pdf = await makePdf([1, 2, 3, 4].map(pageText));
    const text = await extractText('pdf', pdf, { maxPages: 2 });
    expect(text).toContain('Marker-2.');
    expect(text).not.toContain('Marker-3.');
  });

  it('refuses corrupt and truncated PDFs as damaged', async () => {
    const pdf = await makePdf([pageText(1)]);
    const corrupt = utf8('%PDF-1.7\nthis is not a pdf at all\n%%EOF');
    for (const bytes of [corrupt, pdf.subarray(0, 200), pdf.subarray(0, Math.floor(pdf.length / 3))]) {
      const err = await refusal(() => extractText('pdf', bytes));
      expect([err.status, err.code]).toEqual([422, 'unreadable_document']);
      expect(['the PDF is damaged', 'the document has no text (is it a scan?)']).toContain(err.message);
    }
    expect((await refusal(() => extractText('pdf', corrupt))).message).toBe('the PDF is damaged');
  });

  it('refuses a password-protected PDF', async () => {
    const err = await refusal(() => extractText('pdf', makeEncryptedPdf()));
    expect([err.status, err.code, err.message]).toEqual([
      422,
      'unreadable_document',
      'the PDF is password-protected',
    ]);
  });

  it('refuses an image-only PDF as having no text', async () => {
    const err = await refusal(async () => extractText('pdf', await makeImageOnlyPdf()));
    expect([err.status, err.message]).toEqual([422, 'the document has no text (is it a scan?)']);
  });

  it('gives up after timeoutMs', async () => {
    const pages = Array.from({ length: 40 }, (_, i) => pageText(i + 1));
    const err = await refusal(async () => extractText('pdf', await makePdf(pages), { timeoutMs: 1 }));
    expect([err.status, err.message]).toEqual([422, 'the PDF took too long to read']);
  });

  it('is fast enough (timings reported)', async () => {
    const one = await makePdf([sampleResumeText]);
    const ten = await makePdf(Array.from({ length: 10 }, (_, i) => pageText(i + 1)));
    const docx = await makeDocx();
    await timed('1-page PDF', () => extractText('pdf', one));
    const text = await timed('10-page PDF', () => extractText('pdf', ten));
    expect(text).toContain('Marker-10.');
    await timed('2-page DOCX', () => extractText('docx', docx));
  });
});

describe('extractText: DOCX', () => {
  it('reads paragraphs, tabs, breaks and tables', async () => {
    const text = await extractText('docx', await makeDocx());
    expect(text).toBe(
      [
        'Jean-Luc Pérez',
        'Experience',
        'Acme Corp\tSenior Developer\t2019–2024',
        'Built the billing service.',
        'Led a team of 5 engineers & 2 designers.',
        '',
        'Education',
        'École Polytechnique, M.Sc. <Computer Science>',
        'Skill\tLevel',
        'TypeScript\tExpert',
      ].join('\n'),
    );
  });

  it('refuses a document without letters', async () => {
    const err = await refusal(async () =>
      extractText('docx', await makeDocx({ paragraphs: ['2019 – 2024', '\f'] })),
    );
    expect([err.status, err.message]).toEqual([422, 'the document has no text']);
    expect(defaultDocxSpec.paragraphs.length).toBeGreaterThan(0);
  });

  it('refuses decompression bombs quickly, with bounded memory, whatever the headers say', async () => {
    for (const headerSizes of ['lie', 'honest', 'absent'] as const) {
      const bomb = await makeDocxZipBomb({ headerSizes }); // 256 MiB of XML
      expect(bomb.length).toBeLessThan(1024 * 1024);
      expect(detectDocumentKind('cv.docx', bomb)).toBe('docx');
      const rssBefore = process.resourceUsage().maxRSS * 1024;
      const heapBefore = process.memoryUsage().heapUsed;
      const start = performance.now();
      const err = await refusal(() => extractText('docx', bomb));
      const elapsed = performance.now() - start;
      const rssGrowth = process.resourceUsage().maxRSS * 1024 - rssBefore;
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      console.info(
        `[timing] zip bomb (${headerSizes} sizes): refused in ${elapsed.toFixed(0)} ms, peak RSS +${(rssGrowth / 1e6).toFixed(0)} MB`,
      );
      expect([err.status, err.message]).toEqual([
        422,
        'the document expands too much: a decompression bomb?',
      ]);
      expect(elapsed).toBeLessThan(5000);
      // Inflating it all would take 256 MB for the bytes and as much again for the text.
      expect(rssGrowth).toBeLessThan(220 * 1e6);
      expect(heapGrowth).toBeLessThan(100 * 1e6);
    }
  });
});

describe('extractText: TXT', () => {
  it('reads UTF-8 with accents (and a BOM)', async () => {
    const text = await extractText('txt', utf8(`\ufeff${sampleResumeText.replace(/\n/g, '\r\n')}`));
    expect(text.startsWith('CLAIRE DUBOIS-MARTÍN\n')).toBe(true);
    expect(text).toContain('Université Claude Bernard');
    expect(text).toContain('- Built ETL jobs');
    expect(text).not.toContain('\r');
  });

  it('reads UTF-16 LE and BE with a BOM', async () => {
    for (const endian of ['le', 'be'] as const) {
      expect(await extractText('txt', utf16Bom('Zoë Ångström\r\nIngénieure 🚀', endian))).toBe(
        'Zoë Ångström\nIngénieure 🚀',
      );
    }
  });

  it('refuses text without letters', async () => {
    const err = await refusal(() => extractText('txt', utf8(' 12 -- 34 \n\n')));
    expect([err.status, err.message]).toEqual([422, 'the document has no text']);
  });

  it('refuses more text than a resume holds (maxChars), also when spacing would shrink it', async () => {
    const words = utf8('word '.repeat(30));
    const err = await refusal(() => extractText('txt', words, { maxChars: 100 }));
    expect([err.status, err.message]).toEqual([
      422,
      'the document holds 149 characters of text; a resume has at most 100',
    ]);
    const spaced = utf8(`a${' '.repeat(300)}b`);
    const early = await refusal(() => extractText('txt', spaced, { maxChars: 100 }));
    expect(early.message).toBe('the document holds 302 characters of text; a resume has at most 100');
    expect(await extractText('txt', utf8('word '.repeat(20)), { maxChars: 100 })).toHaveLength(99);
    const huge = await refusal(() => extractText('txt', utf8('a'.repeat(801)), { maxChars: 100 }));
    expect(huge.message).toBe('the text file has 801 bytes; a resume has at most 100 characters of text');
  });

  it('refuses a text file whose bytes stop being text after the start', async () => {
    const bytes = new Uint8Array(400 * 1024).fill(0x61);
    bytes.set([0xff, 0xfe], 300 * 1024);
    const err = await refusal(() => extractText('txt', bytes, { maxChars: 1_000_000 }));
    expect([err.status, err.message]).toEqual([422, 'the text file is not valid UTF-8 or UTF-16 text']);
  });
});
