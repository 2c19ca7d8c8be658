import { AppError } from '../errors';
import { type MatchingTask, matchingVia, type SkillMatching } from '../services/skills/matching';
import { createTaskPool, PoolTaskError } from './pool';
import { DEFAULT_ONTOLOGY_FILE } from './skills-ontology';

/**
 * Skill matching on a worker thread of its own: the label dictionary (~80 MB, ~1.5 s to build)
 * exists once, on that thread, and matching a long resume or a batch of imported jobs never holds
 * the event loop. One thread is enough: matching a 2-page resume takes a few milliseconds.
 */
export async function createWorkerMatching(
  ontologyFile: string = DEFAULT_ONTOLOGY_FILE,
): Promise<SkillMatching & { close(): Promise<void> }> {
  const pool = await createTaskPool<MatchingTask, unknown>({
    workerData: { ontologyFile },
    module: new URL('./workers/skills-worker.ts', import.meta.url),
    threads: 1,
    minThreads: 1,
    idleTimeoutMs: Number.POSITIVE_INFINITY,
    maxQueue: 1_000,
    // A batch of 500 job descriptions takes about a second; the first task also builds the dictionary.
    timeoutMs: 60_000,
    maxHeapMb: 1_024,
  });
  const matching = matchingVia(async (task) => {
    try {
      return await pool.run(task);
    } catch (err) {
      throw matchingError(err);
    }
  });
  return { ...matching, close: () => pool.close() };
}

function matchingError(err: unknown): unknown {
  if (!(err instanceof PoolTaskError)) return err;
  if (err.reason === 'busy') {
    return new AppError('rate_limited', 'The server is reading many documents; try again shortly', {
      headers: { 'Retry-After': '5' },
      cause: err,
    });
  }
  if (err.reason === 'closed') return err;
  // Linear-time matching makes this unreachable for any text the server accepts; if it happens,
  // the text is what the client can change.
  return new AppError('unreadable_document', 'the skills in this text could not be read in time', {
    cause: err,
  });
}
