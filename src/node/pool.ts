import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';

const bootstrap = fileURLToPath(new URL('./workers/bootstrap.mjs', import.meta.url));

/** Why a task on a pool thread did not return a value. */
export class PoolTaskError extends Error {
  constructor(
    readonly reason: 'busy' | 'timeout' | 'memory' | 'crashed' | 'closed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PoolTaskError';
  }
}

export interface TaskPoolOptions {
  /** The task module (a file URL); its default export runs each task. */
  module: URL;
  threads: number;
  /** Tasks that may wait for a thread; one more is refused at once (`busy`). */
  maxQueue: number;
  /** A task running longer has its thread stopped (`timeout`). */
  timeoutMs: number;
  /** Heap limit of each thread; a task that needs more ends its thread (`memory`). */
  maxHeapMb?: number;
  /** Threads kept alive while idle (start-up costs ~300 ms: tsx and the task's modules). */
  minThreads?: number;
  /** How long an idle thread beyond `minThreads` lives. */
  idleTimeoutMs?: number;
}

/**
 * A pool of worker threads (piscina) for CPU-bound work that must not run on the event loop. A
 * task that overruns is stopped by terminating its thread (piscina stops the thread of an aborted
 * task), so no input can hold a thread for longer than `timeoutMs`; the pool starts a fresh one.
 */
export function createTaskPool<Task, Result>(options: TaskPoolOptions) {
  const pool = new Piscina({
    filename: bootstrap,
    workerData: { module: options.module.href },
    minThreads: options.minThreads ?? 1,
    maxThreads: options.threads,
    idleTimeout: options.idleTimeoutMs ?? 60_000,
    resourceLimits: options.maxHeapMb ? { maxOldGenerationSizeMb: options.maxHeapMb } : undefined,
  });
  let closed = false;
  // Tasks running or waiting. Counted here: piscina's own maxQueue let a burst past it (5.3).
  let inFlight = 0;

  return {
    async run(task: Task, transferList?: Transferable[]): Promise<Result> {
      if (closed) throw new PoolTaskError('closed', 'the pool is closed');
      if (inFlight >= options.threads + options.maxQueue) {
        throw new PoolTaskError('busy', 'every worker thread is busy and the queue is full');
      }
      inFlight++;
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), options.timeoutMs);
      try {
        return (await pool.run(task, {
          signal: abort.signal,
          transferList: transferList as never,
        })) as Result;
      } catch (err) {
        if (abort.signal.aborted) {
          throw new PoolTaskError('timeout', `the task ran over ${options.timeoutMs} ms`, { cause: err });
        }
        throw classify(err);
      } finally {
        clearTimeout(timer);
        inFlight--;
      }
    },
    /** For metrics and tests: threads started and tasks waiting. */
    get stats() {
      return { threads: pool.threads.length, inFlight, queued: pool.queueSize };
    },
    /** The threads themselves (tests stop one mid-task, as a crash would). */
    get threads(): readonly Worker[] {
      return pool.threads;
    },
    async close(): Promise<void> {
      closed = true;
      await pool.destroy();
    },
  };
}

export type TaskPool<Task, Result> = ReturnType<typeof createTaskPool<Task, Result>>;

function classify(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new PoolTaskError('memory', 'the task needed more memory than a worker thread has', {
      cause: err,
    });
  }
  if (message.includes('Terminating worker thread') || message.startsWith('worker exited with code')) {
    return new PoolTaskError('crashed', 'the worker thread stopped during the task', { cause: err });
  }
  return err instanceof Error ? err : new Error(message);
}
