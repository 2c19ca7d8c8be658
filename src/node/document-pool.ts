import type { Config } from '../config';
import { AppError } from '../errors';
import { type DocumentReader, fromOutcome } from '../services/documents/reader';
import { createTaskPool, PoolTaskError } from './pool';
import type { ReadAnswer, ReadTask } from './workers/document-worker';

/**
 * The Node DocumentReader: PDF, DOCX and text are read on worker threads, at most
 * DOCUMENT_WORKERS at once and DOCUMENT_QUEUE waiting (beyond: 429), each within
 * DOCUMENT_TIMEOUT_MS (the thread is stopped past it: 422) and DOCUMENT_WORKER_MEMORY_MB of heap
 * (422). A file that hangs or bloats the reader costs one thread for a bounded time; the event
 * loop and every other request go on.
 */
export async function createDocumentPool(config: Config) {
  const pool = await createTaskPool<ReadTask, ReadAnswer>({
    module: new URL('./workers/document-worker.ts', import.meta.url),
    threads: config.DOCUMENT_WORKERS,
    maxQueue: config.DOCUMENT_QUEUE,
    // The reader's own PDF timeout ends a slow document cleanly; this one ends a stuck thread.
    timeoutMs: config.DOCUMENT_TIMEOUT_MS + 1_000,
    maxHeapMb: config.DOCUMENT_WORKER_MEMORY_MB,
  });
  const limits = { timeoutMs: config.DOCUMENT_TIMEOUT_MS };

  const reader: DocumentReader & {
    close(): Promise<void>;
    readonly stats: typeof pool.stats;
    readonly threads: typeof pool.threads;
  } = {
    async read(kind, bytes) {
      // A big file's buffer is handed over and back, not copied (small ones are not worth it, and
      // may share a buffer with other data).
      const own = bytes.byteLength >= transferFrom ? bytes : bytes.slice();
      const task: ReadTask = {
        kind,
        buffer: own.buffer as ArrayBuffer,
        byteOffset: own.byteOffset,
        byteLength: own.byteLength,
        limits,
      };
      let answer: ReadAnswer;
      try {
        answer = await pool.run(task, [task.buffer]);
      } catch (err) {
        throw documentError(err);
      }
      const document = fromOutcome(answer.outcome);
      return { ...document, bytes: new Uint8Array(answer.buffer, task.byteOffset, task.byteLength) };
    },
    get stats() {
      return pool.stats;
    },
    get threads() {
      return pool.threads;
    },
    close: () => pool.close(),
  };
  return reader;
}

/** Files from this size on are handed to the thread by transfer; smaller ones are copied. */
const transferFrom = 64 * 1024;

export type DocumentPool = Awaited<ReturnType<typeof createDocumentPool>>;

function documentError(err: unknown): unknown {
  if (!(err instanceof PoolTaskError)) return err;
  switch (err.reason) {
    case 'busy':
      return new AppError('rate_limited', 'The server is reading many documents; try again shortly', {
        headers: { 'Retry-After': '5' },
        cause: err,
      });
    case 'timeout':
      return new AppError('unreadable_document', 'the document took too long to read', { cause: err });
    case 'memory':
      return new AppError('unreadable_document', 'the document needs too much memory to read', {
        cause: err,
      });
    case 'crashed':
      return new AppError('unreadable_document', 'the document could not be read', { cause: err });
    default:
      return err;
  }
}
