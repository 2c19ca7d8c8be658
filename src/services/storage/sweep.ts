import type { Clock } from '../../clock';
import type { ResumeStore } from '../../db/resumes';
import { describeError, type Logger } from '../../logger';
import type { ObjectStorage } from './storage';

/**
 * The storage sweep: removes resume objects that no resume row names (an upload whose process died
 * between writing the object and writing the row), and carries out the removals recorded in
 * pending_object_deletions that the upload retries gave up on. Web standards only: it runs from
 * the Node CLI (npm run storage:sweep), on a timer in the Node server, and could run on Workers.
 */

export interface SweepOptions {
  storage: ObjectStorage;
  resumes: ResumeStore;
  clock: Clock;
  logger: Logger;
  /**
   * Only objects last written longer ago than this are candidates. This is what keeps an upload in
   * flight safe without any locking: an upload writes its object and then its row within a second
   * or so (the request itself is bounded by HTTP_REQUEST_TIMEOUT_MS), so an object an hour old
   * with no row will never get one. It also absorbs clock differences between the storage server
   * (which sets the time) and this process. Default: one hour.
   */
  olderThanMs?: number;
  /** Stops the sweep between objects (rejects with the signal's reason). */
  signal?: AbortSignal;
}

export interface SweepResult {
  /** Objects listed under `resumes/`. */
  scanned: number;
  /** Listed objects removed: old enough, and no resume row names them. */
  removed: number;
  /** Listed objects left in place: too young, or named by a resume row. */
  kept: number;
  /** Recorded removals carried out (by either pass) and their rows deleted. */
  pendingResolved: number;
  /** Removals that failed (logged at warn; a recorded one stays recorded for the next sweep). */
  failed: number;
}

/** Every resume object's key starts with this (see the upload pipeline). */
const RESUME_PREFIX = 'resumes/';
/** Old objects checked against the database with one question (split further by `storedKeys`). */
const CHECK_BATCH = 500;
/** Recorded removals read at a time. */
const PENDING_PAGE = 100;

/** One sweep: the listing first, then every recorded removal once (whatever its attempts). */
export async function sweepOrphanObjects(options: SweepOptions): Promise<SweepResult> {
  const sweep = createSweep(options);
  await sweep.listingPass();
  await sweep.pendingPass();
  return sweep.result;
}

function createSweep(options: SweepOptions) {
  const { storage, resumes, clock, logger, signal } = options;
  const olderThanMs = options.olderThanMs ?? 3_600_000;
  const result: SweepResult = { scanned: 0, removed: 0, kept: 0, pendingResolved: 0, failed: 0 };
  // A removal that failed once in this sweep is not tried again in the same sweep.
  const failedKeys = new Set<string>();

  async function remove(key: string): Promise<boolean> {
    try {
      await storage.delete(key);
      return true;
    } catch (err) {
      result.failed++;
      failedKeys.add(key);
      logger.warn('storage sweep: object removal failed', { storage_key: key, ...describeError(err) });
      return false;
    }
  }

  /** Removes the keys no row names; `keys` were all listed long enough ago. */
  async function settle(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const inUse = await resumes.storedKeys(keys);
    for (const key of keys) {
      signal?.throwIfAborted();
      if (inUse.has(key)) {
        result.kept++;
      } else if (await remove(key)) {
        result.removed++;
        logger.info('storage sweep: orphan object removed', { storage_key: key });
        if (await resumes.resolvePendingDeletion(key)) result.pendingResolved++;
      }
    }
  }

  return {
    result,

    async listingPass(): Promise<void> {
      const cutoff = clock.now().getTime() - olderThanMs;
      let batch: string[] = [];
      for await (const object of storage.list(RESUME_PREFIX)) {
        signal?.throwIfAborted();
        result.scanned++;
        if (object.lastModified.getTime() > cutoff) {
          result.kept++;
          continue;
        }
        batch.push(object.key);
        if (batch.length >= CHECK_BATCH) {
          await settle(batch);
          batch = [];
        }
      }
      await settle(batch);
    },

    /** Recorded removals are of objects whose row was never written: no age is needed. */
    async pendingPass(): Promise<void> {
      let after: string | undefined;
      for (;;) {
        const page = await resumes.pendingDeletions(PENDING_PAGE, after === undefined ? {} : { after });
        const last = page.at(-1);
        if (!last) return;
        // A write whose answer was lost may have committed after all: an object with a row stays.
        const inUse = await resumes.storedKeys(page.map((p) => p.storageKey));
        for (const { storageKey } of page) {
          signal?.throwIfAborted();
          if (failedKeys.has(storageKey)) continue;
          if (inUse.has(storageKey)) {
            logger.warn('storage sweep: pending removal dropped, a resume row names the object', {
              storage_key: storageKey,
            });
            await resumes.resolvePendingDeletion(storageKey);
          } else if ((await remove(storageKey)) && (await resumes.resolvePendingDeletion(storageKey))) {
            result.pendingResolved++;
          }
        }
        after = last.storageKey;
      }
    },
  };
}
