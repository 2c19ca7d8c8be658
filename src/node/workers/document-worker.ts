import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { DocumentKind } from '../../services/documents/detect';
import type { ExtractionLimits } from '../../services/documents/extract';
import { type ReadOutcome, readDocumentOutcome } from '../../services/documents/reader';

export interface ReadTask {
  kind: DocumentKind;
  /** The file: a range of a buffer handed over (transferred) by the main thread. */
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
  limits?: ExtractionLimits;
}

/** What comes back: the outcome, and the buffer, handed back (the file is stored after this). */
export interface ReadAnswer {
  outcome: ReadOutcome;
  buffer: ArrayBuffer;
}

/**
 * One document, on a pool thread (src/node/document-pool.ts). The buffer arrives and leaves by
 * transfer, not copy: a 10 MiB upload is not duplicated to be read off the event loop.
 */
export default async function readTask(task: ReadTask): Promise<unknown> {
  const bytes = new Uint8Array(task.buffer, task.byteOffset, task.byteLength);
  const answer: ReadAnswer = {
    outcome: await readDocumentOutcome(task.kind, bytes, task.limits),
    buffer: task.buffer,
  };
  return move({
    get [transferableSymbol]() {
      return [answer.buffer];
    },
    get [valueSymbol]() {
      return answer;
    },
  });
}
