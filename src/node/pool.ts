import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { createGate } from '../services/concurrency';
import { bundleWorker } from './worker-bundle';

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
  /** The task module (a TypeScript file URL); its default export runs each task. */
  module: URL;
  threads: number;
  /** Tasks that may wait for a thread, first come first served; one more is refused at once (`busy`). */
  maxQueue: number;
  /** A task running longer has its thread stopped (`timeout`). */
  timeoutMs: number;
  /** Heap limit of each thread; a task that needs more ends its thread (`memory`). */
  maxHeapMb?: number;
  /** Threads kept alive while idle (start-up costs ~300 ms: tsx and the task's modules). */
  minThreads?: number;
  /** How long an idle thread beyond `minThreads` lives. */
  idleTimeoutMs?: number;
  /** Given to every thread (piscina's `workerData`): what the task module cannot compute itself. */
  workerData?: unknown;
}

/**
 * A pool of worker threads (piscina) for CPU-bound work that must not run on the event loop. A
 * task that overruns is stopped by terminating its thread (piscina stops the thread of an aborted
 * task), so no input can hold a thread for longer than `timeoutMs`; the pool starts a fresh one.
 */
export async function createTaskPool<Task, Result>(options: TaskPoolOptions) {
  const pool = new Piscina({
    filename: (await bundleWorker(options.module)).href,
    workerData: options.workerData,
    minThreads: options.minThreads ?? 1,
    maxThreads: options.threads,
    idleTimeout: options.idleTimeoutMs ?? 60_000,
    resourceLimits: options.maxHeapMb ? { maxOldGenerationSizeMb: options.maxHeapMb } : undefined,
  });
  let closed = false;
  // The queue is ours: piscina's own let a burst past maxQueue, and under sustained load it served
  // some tasks 10 s late, behind newer ones (5.3). Piscina only ever gets a task a thread can take.
  const turns = createGate({ capacity: options.threads, maxWaiting: options.maxQueue });
  const busy = () => new PoolTaskError('busy', 'every worker thread is busy and the queue is full');
  const never = () => new PoolTaskError('closed', 'the task was not started');

  return {
    async run(task: Task, transferList?: Transferable[]): Promise<Result> {
      if (closed) throw new PoolTaskError('closed', 'the pool is closed');
      return turns.run(() => runOnThread(task, transferList), { whenFull: busy, whenAborted: never });
    },
    /** For metrics and tests: threads started, tasks running and waiting. */
    get stats() {
      return { threads: pool.threads.length, running: turns.running, queued: turns.waiting };
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

  async function runOnThread(task: Task, transferList?: Transferable[]): Promise<Result> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.timeoutMs);
    try {
      return (await pool.run(task, { signal: abort.signal, transferList: transferList as never })) as Result;
    } catch (err) {
      if (abort.signal.aborted) {
        throw new PoolTaskError('timeout', `the task ran over ${options.timeoutMs} ms`, { cause: err });
      }
      throw classify(err);
    } finally {
      clearTimeout(timer);
    }
  }
}

export type TaskPool<Task, Result> = Awaited<ReturnType<typeof createTaskPool<Task, Result>>>;

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
