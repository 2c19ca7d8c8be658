import { getResolvedPDFJS } from 'unpdf';
import { AppError } from '../../errors';
import type { DocumentKind } from './detect';
import { decodeText } from './detect';
import { extractDocxText } from './docx';
import { normaliseText } from './normalise';

export interface ExtractionLimits {
  /** PDF pages read; later pages are ignored (a resume longer than this is not a resume). Default 50. */
  maxPages?: number;
  /** Time allowed for a PDF, loading included. Default 10 s. */
  timeoutMs?: number;
  /** Bytes a .docx's main part may inflate to. Default 16 MiB. */
  maxInflatedBytes?: number;
  /**
   * Characters of (normalised) text a resume may have: about 50 dense pages. Beyond it the file
   * is something else (a book, a log, a data dump). Default 100,000.
   */
  maxChars?: number;
}

export const DEFAULT_EXTRACTION_LIMITS: Required<ExtractionLimits> = {
  maxPages: 50,
  timeoutMs: 10_000,
  maxInflatedBytes: 16 * 1024 * 1024,
  maxChars: 100_000,
};

const NO_TEXT = 'the document has no text';
const NO_PDF_TEXT = 'the document has no text (is it a scan?)';

/**
 * The normalised text of a document whose kind `detectDocumentKind` established. Every failure
 * the client can act on is a 422 `unreadable_document` (damaged, password-protected, too slow,
 * a decompression bomb, no text); `bytes` is never modified.
 */
export async function extractText(
  kind: DocumentKind,
  bytes: Uint8Array,
  limits: ExtractionLimits = {},
): Promise<string> {
  const { maxPages, timeoutMs, maxInflatedBytes, maxChars } = { ...DEFAULT_EXTRACTION_LIMITS, ...limits };
  const raw =
    kind === 'pdf'
      ? await extractPdfText(bytes, maxPages, timeoutMs)
      : kind === 'docx'
        ? extractDocxText(bytes, maxInflatedBytes)
        : extractPlainText(bytes, maxChars);
  // Normalising only shrinks spacing: text twice over the cap is refused before that work.
  if (raw.length > 2 * maxChars) throw tooMuchText(raw.length, maxChars);
  const text = normaliseText(raw);
  if (text.length > maxChars) throw tooMuchText(text.length, maxChars);
  if (!/\p{L}/u.test(text)) throw unreadable(kind === 'pdf' ? NO_PDF_TEXT : NO_TEXT);
  return text;
}

const tooMuchText = (chars: number, maxChars: number) =>
  unreadable(
    `the document holds ${chars.toLocaleString('en-US')} characters of text; a resume has at most ${maxChars.toLocaleString('en-US')}`,
  );

function unreadable(message: string, cause?: unknown): AppError {
  return new AppError('unreadable_document', message, { cause });
}

function extractPlainText(bytes: Uint8Array, maxChars: number): string {
  // At most 4 bytes a character: a file this big has more than twice the allowed text.
  if (bytes.byteLength > 8 * maxChars) {
    throw unreadable(
      `the text file has ${bytes.byteLength.toLocaleString('en-US')} bytes; a resume has at most ${maxChars.toLocaleString('en-US')} characters of text`,
    );
  }
  const text = decodeText(bytes);
  if (text === undefined) throw unreadable('the text file is not valid UTF-8 or UTF-16 text');
  return text;
}

/** What pdf.js needs from a document: typed by hand to keep this file independent of its internals. */
interface PdfDocument {
  numPages: number;
  getPage(n: number): Promise<{ getTextContent(): Promise<{ items: ReadonlyArray<object> }> }>;
}

/**
 * Pages' text, separated by blank lines, in page order. The loading task is created here (rather
 * than with unpdf's `getDocumentProxy`) so that a timeout can destroy a document that is still
 * loading; `destroy()` runs on every path.
 */
async function extractPdfText(bytes: Uint8Array, maxPages: number, timeoutMs: number): Promise<string> {
  const { getDocument } = await getResolvedPDFJS();
  // pdf.js takes ownership of (detaches) the buffer it is given: it gets a copy.
  const task = getDocument({
    data: bytes.slice(),
    verbosity: 0,
    isEvalSupported: false,
    useSystemFonts: true,
    disableFontFace: true,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unreadable('the PDF took too long to read')), timeoutMs);
  });
  try {
    return await Promise.race([readPages(task.promise, maxPages), timeout]);
  } catch (err) {
    throw err instanceof AppError ? err : pdfError(err);
  } finally {
    clearTimeout(timer);
    await task.destroy().catch(() => {});
  }
}

async function readPages(loading: Promise<PdfDocument>, maxPages: number): Promise<string> {
  const pdf = await loading;
  const pages: string[] = [];
  const last = Math.min(pdf.numPages, maxPages);
  for (let n = 1; n <= last; n++) {
    const content = await (await pdf.getPage(n)).getTextContent();
    pages.push(pageText(content.items));
  }
  return pages.join('\n\n');
}

/** Text items in content order; pdf.js marks the item that ends a line with `hasEOL`. */
function pageText(items: ReadonlyArray<object>): string {
  let text = '';
  for (const item of items) {
    if ('str' in item && typeof item.str === 'string') text += item.str;
    if ('hasEOL' in item && item.hasEOL) text += '\n';
  }
  return text;
}

/** pdf.js reports failures as exceptions named by kind; a password is the one the user can fix. */
function pdfError(err: unknown): AppError {
  const name = err instanceof Error ? err.name : '';
  if (name === 'PasswordException') return unreadable('the PDF is password-protected', err);
  return unreadable('the PDF is damaged', err);
}
