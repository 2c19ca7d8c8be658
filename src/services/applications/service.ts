import type { Clock } from '../../clock';
import type {
  Application,
  ApplicationChanges,
  ApplicationEventType,
  ApplicationFilters,
  ApplicationStore,
  ExportPosition,
  ListedApplication,
  TimelineEntry,
} from '../../db/applications';
import type { JobStore } from '../../db/jobs';
import type { ResumeStore } from '../../db/resumes';
import type { ApplicationMatch } from '../../db/schema/application-match';
import type { JobSkill, SkillStore } from '../../db/skills';
import { AppError, notFound } from '../../errors';
import { describeError, type Logger } from '../../logger';
import type { SkillsService } from '../skills/skills';
import { csvHeader, csvRow } from './csv';
import { matchSnapshot } from './snapshot';
import { type ApplicationStats, computeStats } from './stats';
import { type ApplicationStatus, appliedOrLater, moveStatus, responseStatuses } from './transitions';

/**
 * Application tracking: the rules between the routes and the store. Every read and write is the
 * caller's own: another user's application answers exactly as a missing one (404).
 */

export interface ApplicationServiceDeps {
  store: ApplicationStore;
  jobs: JobStore;
  resumes: ResumeStore;
  skillStore: SkillStore;
  /**
   * Reads an outside posting's skills and gives related-skill credit. Absent: no related credit,
   * and outside postings get no match snapshot.
   */
  skills: Pick<SkillsService, 'extractFromJobs' | 'relatedOf'> | undefined;
  clock: Clock;
  logger: Logger;
  newId?: () => string;
}

/** A posting that is not on the board, as the user describes it. */
export interface OutsidePosting {
  title: string;
  company: string;
  url: string;
  location: string | null;
  description: string | null;
}

export interface CreateApplication {
  /** Exactly one of `jobId` (a posting on the board) and `posting`. */
  jobId?: number;
  posting?: OutsidePosting;
  /** Undefined: the user's default resume (if any); null: none. */
  resumeId?: string | null;
  status: ApplicationStatus;
  /** Default: the moment of creation when `status` is applied or later. */
  appliedAt?: Date;
  nextActionAt?: Date | null;
  notes?: string | null;
}

export interface UpdateApplication {
  status?: ApplicationStatus;
  notes?: string | null;
  nextActionAt?: Date | null;
  resumeId?: string | null;
}

/** The posting's current state on the board, for an application made from one. */
export interface BoardPosting {
  id: number;
  title: string;
  company: string;
  isActive: boolean;
}

export interface ApplicationDetail {
  application: Application;
  timeline: TimelineEntry[];
  /** Null for an outside posting, or when the posting's row no longer exists. */
  job: BoardPosting | null;
}

/** Rows read per query of the export. */
const EXPORT_PAGE = 500;

export const conflict = (message: string) => new AppError('conflict', message);

export function createApplicationService(deps: ApplicationServiceDeps) {
  const { store, jobs, resumes, skillStore, clock, logger } = deps;
  const newId = deps.newId ?? (() => crypto.randomUUID());

  /** The user's resume: the one named (404 when it is not theirs), the default one, or none. */
  async function resumeFor(userId: number, resumeId: string | null | undefined) {
    if (resumeId === null) return undefined;
    if (resumeId !== undefined) {
      const resume = await resumes.get(userId, resumeId);
      if (!resume) throw notFound('Resume');
      return resume;
    }
    // The resume store's notion of the default, as the job match and chat read it.
    return resumes.getDefault(userId);
  }

  /** The skills of the posting an application is for: the board's, or read from an outside description. */
  async function postingSkills(
    jobId: number | null,
    posting: { title: string; description: string | null },
  ): Promise<JobSkill[]> {
    if (jobId !== null) return skillStore.jobSkills(jobId);
    if (!deps.skills || !posting.description) return [];
    const [read] = await deps.skills.extractFromJobs([
      { title: posting.title, description: posting.description },
    ]);
    return read?.skills ?? [];
  }

  /**
   * The match snapshot for a posting and a resume. A failure here (the ontology or Chroma away)
   * never fails the write: the application is kept without a snapshot, and the failure logged.
   */
  async function snapshot(
    jobId: number | null,
    posting: { title: string; description: string | null },
    resumeId: string | undefined,
  ): Promise<ApplicationMatch | null> {
    if (resumeId === undefined) return null;
    try {
      const [jobSkills, resumeSkills, relatedOf] = await Promise.all([
        postingSkills(jobId, posting),
        skillStore.resumeSkills(resumeId),
        deps.skills ? deps.skills.relatedOf() : (_: string): readonly string[] => [],
      ]);
      return matchSnapshot(jobSkills, resumeSkills, relatedOf);
    } catch (err) {
      logger.warn('application match snapshot skipped', describeError(err));
      return null;
    }
  }

  async function owned(userId: number, id: string): Promise<Application> {
    const application = await store.get(userId, id);
    if (!application) throw notFound('Application');
    return application;
  }

  return {
    async create(userId: number, input: CreateApplication): Promise<Application> {
      let jobId: number | null = null;
      let posting: Omit<OutsidePosting, 'url'> & { url: string | null };
      if (input.jobId !== undefined) {
        const job = await jobs.get(input.jobId);
        if (!job) throw notFound('Job');
        jobId = job.id;
        posting = {
          title: job.title,
          company: job.company,
          url: job.url,
          location: job.location,
          description: job.description,
        };
      } else if (input.posting) {
        posting = input.posting;
      } else {
        // The request schema requires one of them; this is its guard for other callers.
        throw new Error('an application needs a job id or a posting');
      }
      const resume = await resumeFor(userId, input.resumeId);
      const now = clock.now();
      return store.create(
        {
          id: newId(),
          userId,
          jobId,
          title: posting.title,
          company: posting.company,
          url: posting.url,
          location: posting.location,
          description: posting.description,
          resumeId: resume?.id ?? null,
          status: input.status,
          match: await snapshot(jobId, posting, resume?.id),
          notes: input.notes ?? null,
          appliedAt: input.appliedAt ?? (appliedOrLater.has(input.status) ? now : null),
          nextActionAt: input.nextActionAt ?? null,
        },
        now,
      );
    },

    async get(userId: number, id: string): Promise<ApplicationDetail> {
      const application = await owned(userId, id);
      const [timeline, job] = await Promise.all([
        store.timeline(application.id),
        application.jobId === null ? undefined : jobs.get(application.jobId, { includeInactive: true }),
      ]);
      return {
        application,
        timeline,
        job: job ? { id: job.id, title: job.title, company: job.company, isActive: job.isActive } : null,
      };
    },

    async list(
      userId: number,
      filters: ApplicationFilters,
      page: { offset: number; limit: number },
    ): Promise<{ applications: ListedApplication[]; total: number }> {
      // The store compares with search_text, which is folded the same way.
      const q = filters.q?.toLowerCase();
      return store.list(userId, { ...filters, q }, page);
    },

    async update(userId: number, id: string, input: UpdateApplication): Promise<Application> {
      const current = await owned(userId, id);
      const now = clock.now();
      const changes: ApplicationChanges = {};
      if (input.notes !== undefined) changes.notes = input.notes;
      if (input.nextActionAt !== undefined) changes.nextActionAt = input.nextActionAt;
      if (input.resumeId !== undefined && input.resumeId !== current.resumeId) {
        const resume = await resumeFor(userId, input.resumeId);
        changes.resumeId = resume?.id ?? null;
        // The snapshot is of the resume used: another resume, another snapshot (of the posting's
        // skills as they are now; an outside posting's are read again from its description).
        changes.match = await snapshot(current.jobId, current, resume?.id);
      }
      if (input.status !== undefined) {
        const move = moveStatus(current, input.status, now);
        if (move.kind === 'refused') throw conflict(move.message);
        if (move.kind === 'moved')
          changes.status = { from: move.from, to: move.to, appliedAt: move.appliedAt };
      }
      if (Object.keys(changes).length === 0) return current;
      const updated = await store.update(userId, id, changes, now);
      if (updated) return updated;
      // Nothing was written: the application went away, or its status changed meanwhile.
      await owned(userId, id);
      throw conflict('The application changed meanwhile; read it again and retry');
    },

    async remove(userId: number, id: string): Promise<void> {
      if (!(await store.delete(userId, id))) throw notFound('Application');
    },

    async addEvent(
      userId: number,
      id: string,
      event: { type: ApplicationEventType; at?: Date; text: string },
    ): Promise<TimelineEntry> {
      const now = clock.now();
      const added = await store.addEvent(userId, id, { ...event, at: event.at ?? now }, now);
      if (!added) throw notFound('Application');
      return added;
    },

    async stats(userId: number): Promise<ApplicationStats> {
      return computeStats(await store.statsRows(userId, [...responseStatuses]));
    },

    /**
     * The CSV export, read a page at a time while it is sent (memory stays bounded however many
     * applications and however long their notes). The first page is read before the stream is
     * returned, so that a database that is down is still a JSON 503, not a cut download.
     */
    async exportCsv(userId: number): Promise<ReadableStream<Uint8Array>> {
      const encoder = new TextEncoder();
      let page = await store.exportPage(userId, undefined, EXPORT_PAGE);
      let pending: string | undefined = csvHeader();
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (pending === undefined) {
            const last = page.at(-1);
            if (page.length < EXPORT_PAGE || !last) {
              controller.close();
              return;
            }
            const after: ExportPosition = { createdAt: last.createdAt, id: last.id };
            page = await store.exportPage(userId, after, EXPORT_PAGE);
            if (page.length === 0) {
              controller.close();
              return;
            }
          }
          controller.enqueue(encoder.encode((pending ?? '') + page.map(csvRow).join('')));
          pending = undefined;
        },
      });
    },
  };
}

export type ApplicationService = ReturnType<typeof createApplicationService>;
