import { AppError, type ErrorCode } from '../../errors';
import { chunkText, type ResumeChunk } from './chunk';
import type { DocumentKind } from './detect';
import { type ExtractionLimits, extractText } from './extract';

/** A document's normalised text and its chunks. */
export interface ReadDocument {
  text: string;
  chunks: ResumeChunk[];
}

/**
 * Reads a resume file: where the work runs is the runtime's choice. On Workers it runs in the
 * request (`inlineDocumentReader`); on Node, on a worker thread (src/node/document-pool.ts), so a
 * slow or hostile file never holds the event loop that every other request shares.
 *
 * `bytes` may be handed over rather than copied (a thread takes the buffer and sends it back):
 * use the `bytes` of the answer afterwards, not the ones given.
 */
export interface DocumentReader {
  read(kind: DocumentKind, bytes: Uint8Array): Promise<ReadDocument & { bytes: Uint8Array }>;
}

/** Extraction, normalising and chunking: the whole job, wherever it runs. */
export async function readDocument(
  kind: DocumentKind,
  bytes: Uint8Array,
  limits?: ExtractionLimits,
): Promise<ReadDocument> {
  const text = await extractText(kind, bytes, limits);
  return { text, chunks: chunkText(text) };
}

export const inlineDocumentReader = (limits?: ExtractionLimits): DocumentReader => ({
  read: async (kind, bytes) => ({ ...(await readDocument(kind, bytes, limits)), bytes }),
});

/**
 * What crosses a thread boundary: structured clone keeps an Error's message but not its class, so
 * a reader on another thread sends the outcome as data and the caller rebuilds the AppError.
 */
/** The refusals a document reader gives: too big, not a document, unreadable. */
type DocumentRefusal = 'file_too_large' | 'unsupported_file_type' | 'unreadable_document';
const isDocumentRefusal = (code: ErrorCode): code is DocumentRefusal =>
  code === 'file_too_large' || code === 'unsupported_file_type' || code === 'unreadable_document';

export type ReadOutcome =
  | { ok: true; document: ReadDocument }
  | { ok: false; code: DocumentRefusal; message: string };

export async function readDocumentOutcome(
  kind: DocumentKind,
  bytes: Uint8Array,
  limits?: ExtractionLimits,
): Promise<ReadOutcome> {
  try {
    return { ok: true, document: await readDocument(kind, bytes, limits) };
  } catch (err) {
    if (err instanceof AppError && isDocumentRefusal(err.code)) {
      return { ok: false, code: err.code, message: err.message };
    }
    throw err;
  }
}

export function fromOutcome(outcome: ReadOutcome): ReadDocument {
  if (outcome.ok) return outcome.document;
  throw new AppError(outcome.code, outcome.message);
}
