/**
 * A first-come-first-served gate: at most `maxRunning` tasks run at once, at most `maxWaiting`
 * wait for a turn, and a waiter whose request is aborted (the client went away) leaves the queue.
 *
 * Used where each task holds a lot of memory for a short time (a resume upload holds its body,
 * its copies in the multipart parser and the PDF reader): running them a few at a time keeps
 * the peak bounded, and costs no throughput when the work is CPU-bound anyway.
 */
export function createGate(options: { maxRunning: number; maxWaiting: number }) {
  let running = 0;
  const waiting: Array<{ start: () => void }> = [];

  const release = () => {
    const next = waiting.shift();
    if (next) next.start();
    else running--;
  };

  async function enter(
    signal: AbortSignal | undefined,
    whenFull: () => Error,
    whenAborted: () => Error,
  ): Promise<void> {
    if (running < options.maxRunning) {
      running++;
      return;
    }
    if (waiting.length >= options.maxWaiting) throw whenFull();
    if (signal?.aborted) throw whenAborted();
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const index = waiting.indexOf(waiter);
        if (index >= 0) waiting.splice(index, 1);
        reject(whenAborted());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting.push(waiter);
    });
  }

  return {
    /**
     * Runs `task` when a slot is free; throws `whenFull()` at once when the queue is full too, and
     * `whenAborted()` when `signal` aborts while the task still waits.
     */
    async run<T>(
      task: () => Promise<T>,
      opts: { signal?: AbortSignal; whenFull: () => Error; whenAborted: () => Error },
    ): Promise<T> {
      await enter(opts.signal, opts.whenFull, opts.whenAborted);
      try {
        return await task();
      } finally {
        release();
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return waiting.length;
    },
  };
}

export type Gate = ReturnType<typeof createGate>;
