/**
 * Rejects with a clear message when `promise` takes longer than `ms`: a hang fails the test, it
 * does not stall it. (Not a timing assertion: `ms` is far above what an answer needs.)
 */
export async function within<T>(promise: T | Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s (hung)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
