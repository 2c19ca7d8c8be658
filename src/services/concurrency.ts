/**
 * A first-come-first-served gate over a capacity: tasks run while the weights of those running
 * fit in it (a task heavier than the whole capacity runs alone), at most `maxWaiting` wait for a
 * turn, and a waiter whose request is aborted (the client went away) leaves the queue.
 *
 * Used where each task holds memory in proportion to its weight for a while: resume uploads
 * reserve their size, so the upload bodies held at once stay within a byte budget, and a slow
 * client holds only its own share of it.
 */
export function createGate(options: { capacity: number; maxWaiting: number }) {
  let used = 0;
  let running = 0;
  const waiting: Array<{ weight: number; start: () => void }> = [];

  const fits = (weight: number) => running === 0 || used + weight <= options.capacity;

  const admit = (weight: number) => {
    used += weight;
    running++;
  };

  const release = (weight: number) => {
    used -= weight;
    running--;
    // First come, first served: only the head may start, so a heavy waiter is not overtaken forever.
    while (waiting.length > 0 && fits(waiting[0]!.weight)) {
      const next = waiting.shift()!;
      admit(next.weight);
      next.start();
    }
  };

  async function enter(
    weight: number,
    signal: AbortSignal | undefined,
    whenFull: () => Error,
    whenAborted: () => Error,
  ): Promise<void> {
    if (waiting.length === 0 && fits(weight)) {
      admit(weight);
      return;
    }
    if (waiting.length >= options.maxWaiting) throw whenFull();
    if (signal?.aborted) throw whenAborted();
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        weight,
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
     * Runs `task` when its `weight` (default 1) fits; throws `whenFull()` at once when the queue
     * is full too, and `whenAborted()` when `signal` aborts while the task still waits.
     */
    async run<T>(
      task: () => Promise<T>,
      opts: { weight?: number; signal?: AbortSignal; whenFull: () => Error; whenAborted: () => Error },
    ): Promise<T> {
      const weight = Math.min(opts.weight ?? 1, options.capacity);
      await enter(weight, opts.signal, opts.whenFull, opts.whenAborted);
      try {
        return await task();
      } finally {
        release(weight);
      }
    },
    get running() {
      return running;
    },
    /** The sum of the running tasks' weights. */
    get used() {
      return used;
    },
    get waiting() {
      return waiting.length;
    },
  };
}

export type Gate = ReturnType<typeof createGate>;
