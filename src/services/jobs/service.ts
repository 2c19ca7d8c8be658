import type { Clock } from '../../clock';
import type { Job, JobChanges, JobFilters, JobStore, ListedJob, NewJob } from '../../db/jobs';
import type { ResumeStore, ResumeWithText } from '../../db/resumes';
import type { JobSkill, SkillStore, StoredOccupation } from '../../db/skills';
import { AppError, notFound, validationError } from '../../errors';
import { describeError, type Logger } from '../../logger';
import type { ListPosition } from '../../pagination';
import type { SkillsBackfill } from '../skills/backfill';
import { type MatchResult, scoreMatch } from '../skills/match';
import { recommendJobs } from '../skills/recommend';
import type { SkillsService } from '../skills/skills';
import type { ImportItem } from './import-parser';
import { type ImportSummary, importJobs } from './importer';

/** A job with its skills and occupations as stored. */
export interface JobWithSkills {
  job: Job;
  skills: readonly JobSkill[];
  occupations: readonly StoredOccupation[];
}

/** Work that goes on after the answer (skills of imported jobs, the recommendations index). */
export type AfterResponse = (work: Promise<unknown>) => void;

export interface JobServiceDeps {
  jobs: JobStore;
  resumes: ResumeStore;
  skillStore: SkillStore;
  /** Absent: jobs keep no skills (pending), recommendations answer 503. */
  skills: SkillsService | undefined;
  backfill: SkillsBackfill | undefined;
  clock: Clock;
  logger: Logger;
}

/**
 * The job board's rules, behind the routes of src/routes/jobs/: a job's skills read before it is
 * answered, the default source of an external id, salary order across a partial change, matches
 * and recommendations against the caller's resume, imports.
 */
export function createJobService(deps: JobServiceDeps) {
  const { jobs, skillStore, clock, logger } = deps;

  /** A job as stored with its skills and occupations. */
  async function withSkills(job: Job): Promise<JobWithSkills> {
    const [skills, occupations] = await Promise.all([
      skillStore.jobSkills(job.id),
      skillStore.jobOccupations(job.id),
    ]);
    return { job, skills, occupations };
  }

  /**
   * Reads a written job's skills before answering. A failure here never fails the write: the job
   * stays marked pending (or partial, when Chroma is down) and the backfill completes it.
   */
  async function readSkills(job: Job): Promise<JobWithSkills> {
    if (deps.backfill) {
      try {
        await deps.backfill.processJobs([job]);
      } catch (err) {
        logger.error('reading a job’s skills failed; left for the backfill', {
          job_id: job.id,
          ...describeError(err),
        });
      }
    }
    return withSkills(job);
  }

  /** The caller's resume for matching: the one asked for, else the default one. */
  async function resumeFor(userId: number, resumeId: string | undefined): Promise<ResumeWithText> {
    const resume = resumeId
      ? await deps.resumes.get(userId, resumeId)
      : await deps.resumes.getDefault(userId);
    if (!resume) throw notFound(resumeId ? 'Resume' : 'Default resume (upload one first)');
    return resume;
  }

  return {
    list: (
      filters: JobFilters,
      page: { offset: number; limit: number; after?: ListPosition },
      options: { description: boolean },
    ): Promise<{ jobs: ListedJob[]; total: number }> => jobs.list(filters, page, options),

    /** An active job with its skills; 404 otherwise. */
    async get(id: number): Promise<JobWithSkills> {
      const job = await jobs.get(id);
      if (!job) throw notFound('Job');
      return withSkills(job);
    },

    async create(input: NewJob): Promise<JobWithSkills> {
      // An external id means nothing without its source; manual entries share one.
      const job = await jobs.create(
        input.externalId && !input.source ? { ...input, source: 'manual' } : input,
        clock.now(),
      );
      return readSkills(job);
    },

    /** Changes some fields; the salaries must stay in order with the stored ones. 404 when inactive. */
    async update(id: number, changes: JobChanges): Promise<JobWithSkills> {
      const current = await jobs.get(id);
      if (!current) throw notFound('Job');
      const salaryMin = changes.salaryMin !== undefined ? changes.salaryMin : current.salaryMin;
      const salaryMax = changes.salaryMax !== undefined ? changes.salaryMax : current.salaryMax;
      if (salaryMin !== null && salaryMax !== null && salaryMin > salaryMax) {
        throw validationError({ salary_max: ['must not be below salary_min'] });
      }
      const job = await jobs.update(id, changes, clock.now());
      if (!job) throw notFound('Job');
      // Skills are read again only when the words they are read from changed.
      return changes.title === undefined && changes.description === undefined
        ? withSkills(job)
        : readSkills(job);
    },

    /** Soft delete, and out of the recommendations index (which skips inactive jobs anyway). */
    async deactivate(id: number, after: AfterResponse): Promise<void> {
      if (!(await jobs.deactivate(id, clock.now()))) throw notFound('Job');
      if (deps.skills) after(deps.skills.unindexJobs([id]));
    },

    /** Upserts the feed's rows; their skills are read in batches after the answer. */
    async import(items: AsyncIterable<ImportItem>, after: AfterResponse): Promise<ImportSummary> {
      const summary = await importJobs(items, jobs, { now: clock.now() });
      if (deps.backfill && summary.created + summary.updated > 0) after(deps.backfill.run());
      return summary;
    },

    /** How well a resume (default: the caller's default one) covers an active job's skills. */
    async match(
      userId: number,
      jobId: number,
      resumeId: string | undefined,
    ): Promise<{ job: Job; resumeId: string; result: MatchResult }> {
      const job = await jobs.get(jobId);
      if (!job) throw notFound('Job');
      const resume = await resumeFor(userId, resumeId);
      const [jobSkills, resumeSkills, related] = await Promise.all([
        skillStore.jobSkills(job.id),
        skillStore.resumeSkills(resume.id),
        deps.skills ? deps.skills.relatedOf() : (_: string): readonly string[] => [],
      ]);
      return { job, resumeId: resume.id, result: scoreMatch(jobSkills, resumeSkills, related) };
    },

    /** Active jobs ranked for the caller's default resume. */
    async recommend(userId: number, limit: number): Promise<{ job: Job; score: number }[]> {
      if (!deps.skills)
        throw new AppError('vector_store_unavailable', 'Recommendations need the vector store');
      const resume = await resumeFor(userId, undefined);
      const [skills, occupations] = await Promise.all([
        skillStore.resumeSkills(resume.id),
        skillStore.resumeOccupations(resume.id),
      ]);
      return recommendJobs(
        { skills: deps.skills, skillStore, jobs },
        { text: resume.text, skills, occupations },
        limit,
      );
    },
  };
}

export type JobService = ReturnType<typeof createJobService>;
