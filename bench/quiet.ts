import { readFileSync } from 'node:fs';

/** CPU time the whole machine spent busy (all cores, /proc/stat, steal excluded), µs; undefined off Linux. */
export function machineBusy(): number | undefined {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields.map(Number);
    return ((user + nice + system + irq + softirq) * 1e6) / 100;
  } catch {
    return undefined;
  }
}

/**
 * On a shared machine other work skews a run: waits until processes other than this one used less
 * than a quarter of a core over one second (the server and Postgres are idle between targets), for
 * at most `maxSeconds` (0: not at all). Returns a note for the report when it waited or gave up.
 */
export async function waitForQuiet(maxSeconds: number): Promise<string> {
  if (maxSeconds === 0) return '';
  const started = performance.now();
  for (;;) {
    const before = machineBusy();
    const self = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1_000));
    const after = machineBusy();
    const own = process.cpuUsage(self);
    if (before === undefined || after === undefined) return '';
    const others = (after - before - own.user - own.system) / 1e6;
    const waited = (performance.now() - started) / 1_000;
    if (others < 0.25) return waited > 1.5 ? ` (waited ${Math.round(waited)} s for other work)` : '';
    if (waited >= maxSeconds) {
      return ` (machine busy: ${Math.round(others * 100)}% of a core in other processes)`;
    }
  }
}
