/** A pool task for tests: spins for `ms` (a stuck parser), or answers at once. */
export default function busyTask(task: { ms: number }): string {
  const until = Date.now() + task.ms;
  while (Date.now() < until) {
    // Holding the thread, as a parser caught in a loop would.
  }
  return `done after ${task.ms} ms`;
}
