/**
 * Long loops on a shared event loop (Node) or isolate (Workers) give way to other requests: the
 * returned function resolves at once, except every `everyItems` calls or `budgetMs` of work, when
 * it waits for a macrotask turn. (Workers' clock stands still while code runs, so the item count
 * is what bounds a slice there.)
 */
export function timeSlicer(options: { budgetMs?: number; everyItems?: number } = {}) {
  const budgetMs = options.budgetMs ?? 10;
  const everyItems = options.everyItems ?? 100;
  let sliceStart = performance.now();
  let items = 0;
  return async (): Promise<void> => {
    if (++items < everyItems && performance.now() - sliceStart < budgetMs) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    items = 0;
    sliceStart = performance.now();
  };
}
