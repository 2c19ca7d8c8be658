import type { JobSkill, SkillStore, SkillsStatus } from '../../db/skills';
import { DependencyUnavailableError } from '../../errors';
import { describeError, type Logger } from '../../logger';
import type { SkillsService } from './skills';

export interface BackfillResult {
  jobs: number;
  resumes: number;
  /** Of those, how many are still incomplete (Chroma was down). */
  partial: number;
}

/**
 * Reads skills for what is not complete yet: jobs and resumes written before the skills existed,
 * imported jobs, and records written while Chroma was down (`partial`). Each record is visited
 * at most once per run (cursors on id), so a Chroma outage cannot make a run loop.
 */
export function createSkillsBackfill(deps: {
  skills: SkillsService;
  store: SkillStore;
  logger: Logger;
  batchSize?: number;
}) {
  const { skills, store, logger } = deps;
  const batchSize = deps.batchSize ?? 200;
  let running: Promise<BackfillResult> | undefined;
  let again = false;

  /** Extracts, indexes for recommendations, and stores one batch of jobs. */
  async function processJobs(
    batch: ReadonlyArray<{ id: number; title: string; description: string }>,
  ): Promise<SkillsStatus[]> {
    const extracted = await skills.extractFromJobs(batch);
    const entries = batch.map((job, i) => ({
      jobId: job.id,
      title: job.title,
      skills: extracted[i]?.skills ?? ([] as JobSkill[]),
      status: extracted[i]?.status ?? ('partial' as SkillsStatus),
      occupations: extracted[i]?.occupations ?? [],
    }));
    try {
      await skills.indexJobs(entries);
    } catch (err) {
      if (!(err instanceof DependencyUnavailableError)) throw err;
      logger.warn('job skill bags not indexed: Chroma is unavailable', describeError(err));
      for (const entry of entries) entry.status = 'partial';
    }
    await store.replaceJobSkills(entries);
    return entries.map((e) => e.status);
  }

  async function runOnce(signal?: AbortSignal): Promise<BackfillResult> {
    const result: BackfillResult = { jobs: 0, resumes: 0, partial: 0 };
    let afterResume: string | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const batch = await store.pendingResumes(batchSize, afterResume);
      if (batch.length === 0) break;
      for (const resume of batch) {
        const { skills: found, status, occupations } = await skills.extractFromResume(resume.text);
        await store.replaceResumeSkills(resume.id, found, status, occupations);
        result.resumes++;
        if (status !== 'complete') result.partial++;
      }
      afterResume = batch[batch.length - 1]?.id;
    }
    let afterJob = 0;
    for (;;) {
      signal?.throwIfAborted();
      const batch = await store.pendingJobs(batchSize, afterJob);
      if (batch.length === 0) break;
      // Inactive jobs wait: reactivating one (an import) marks it pending again anyway.
      const active = batch.filter((job) => job.isActive);
      const statuses = await processJobs(active);
      result.jobs += active.length;
      result.partial += statuses.filter((s) => s !== 'complete').length;
      afterJob = batch[batch.length - 1]?.id ?? afterJob;
    }
    return result;
  }

  return {
    processJobs,

    /**
     * One pass over everything incomplete. Calls while a pass runs share it, and one more pass
     * follows, so rows written meanwhile are not missed. `signal` stops it between batches.
     */
    run(signal?: AbortSignal): Promise<BackfillResult> {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          let total: BackfillResult = { jobs: 0, resumes: 0, partial: 0 };
          do {
            again = false;
            const pass = await runOnce(signal);
            total = {
              jobs: total.jobs + pass.jobs,
              resumes: total.resumes + pass.resumes,
              partial: total.partial + pass.partial,
            };
          } while (again);
          return total;
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
  };
}

export type SkillsBackfill = ReturnType<typeof createSkillsBackfill>;
