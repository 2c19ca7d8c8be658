import type { DocumentKind } from '../../services/documents/detect';
import type { ExtractionLimits } from '../../services/documents/extract';
import { type ReadOutcome, readDocumentOutcome } from '../../services/documents/reader';

export interface ReadTask {
  kind: DocumentKind;
  bytes: Uint8Array;
  limits?: ExtractionLimits;
}

/** One document, on a pool thread (src/node/document-pool.ts). */
export default function readTask(task: ReadTask): Promise<ReadOutcome> {
  return readDocumentOutcome(task.kind, task.bytes, task.limits);
}
