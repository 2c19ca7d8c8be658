import { type Clock, systemClock } from '../clock';
import type { ResumeStore } from '../db/resumes';
import { describeError, type Logger } from '../logger';
import type { ObjectStorage } from '../services/storage/storage';
import { sweepOrphanObjects } from '../services/storage/sweep';

/** The first pass waits this long: start-up has enough to do, and a restart loop should not sweep. */
const FIRST_PASS_DELAY_MS = 60_000;

/**
 * The storage sweep (src/services/storage/sweep.ts) on a timer in the Node server: the first pass
 * a minute after start, then `intervalMs` after each pass ends, so one pass runs at a time however
 * long it takes. The timer does not keep the process alive. A failed pass is logged at warn and the
 * next one runs as planned. `intervalMs` 0 (or less) turns it off.
 */
export function startPeriodicSweep(options: {
  storage: ObjectStorage;
  resumes: ResumeStore;
  clock?: Clock;
  logger: Logger;
  intervalMs: number;
}): { stop(): void } {
  const { storage, resumes, logger, intervalMs } = options;
  const clock = options.clock ?? systemClock;
  if (intervalMs <= 0) return { stop() {} };
  const stopping = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function pass(): Promise<void> {
    try {
      const result = await sweepOrphanObjects({ storage, resumes, clock, logger, signal: stopping.signal });
      if (result.removed + result.pendingResolved + result.failed > 0)
        logger.info('storage sweep', { ...result });
    } catch (err) {
      if (!stopping.signal.aborted) logger.warn('storage sweep failed', describeError(err));
    }
  }

  function schedule(delayMs: number): void {
    timer = setTimeout(async () => {
      await pass();
      if (!stopping.signal.aborted) schedule(intervalMs);
    }, delayMs);
    timer.unref();
  }

  schedule(FIRST_PASS_DELAY_MS);
  return {
    /** No new pass starts; one under way stops at its next object. */
    stop() {
      stopping.abort();
      clearTimeout(timer);
    },
  };
}
