import { and, asc, eq, gt, inArray, ne } from 'drizzle-orm';
import { type Database, runs } from './database';

/** How far a record's skills have been read: see `skills_status` in the schema. */
export type SkillsStatus = 'pending' | 'partial' | 'complete';

/** A skill found in a resume, with the text that evidences it. */
export interface ResumeSkill {
  skillId: string;
  name: string;
  type: string;
  score: number;
  method: string;
  evidence: string;
}

/** An ESCO occupation detected in a resume or a job posting, with the detection's confidence. */
export interface StoredOccupation {
  occupationId: string;
  title: string;
  score: number;
}

/** A skill a job asks for; `weight` is how much it counts in a match score. */
export interface JobSkill {
  skillId: string;
  name: string;
  type: string;
  weight: number;
}

export interface SkillStore {
  /** Best first. */
  resumeSkills(resumeId: string): Promise<ResumeSkill[]>;
  /** Skills, occupations and status replaced in one atomic write. */
  replaceResumeSkills(
    resumeId: string,
    skills: ResumeSkill[],
    status: SkillsStatus,
    occupations?: StoredOccupation[],
  ): Promise<void>;
  /** Most likely first. */
  resumeOccupations(resumeId: string): Promise<StoredOccupation[]>;
  /** Most likely first. */
  jobOccupations(jobId: number): Promise<StoredOccupation[]>;
  jobOccupationsMany(jobIds: number[]): Promise<Map<number, StoredOccupation[]>>;
  /** Jobs detected as any of these occupations (active or not), at most `limit`. */
  jobsOfOccupations(occupationIds: string[], limit: number): Promise<number[]>;
  /** Heaviest first. */
  jobSkills(jobId: number): Promise<JobSkill[]>;
  jobSkillsMany(jobIds: number[]): Promise<Map<number, JobSkill[]>>;
  /** Each job's skills (and occupations, when given) replaced and its status set, all in one atomic write. */
  replaceJobSkills(
    entries: { jobId: number; skills: JobSkill[]; status: SkillsStatus; occupations?: StoredOccupation[] }[],
  ): Promise<void>;
  /** Resumes whose skills are not complete yet, in id order after `afterId`. */
  pendingResumes(
    limit: number,
    afterId?: string,
  ): Promise<{ id: string; text: string; status: SkillsStatus }[]>;
  /**
   * Jobs whose skills are not complete yet, in id order after `afterId`, inactive ones included
   * (flagged): filtering them in SQL would make SQLite walk the is_active index instead.
   */
  pendingJobs(
    limit: number,
    afterId?: number,
  ): Promise<{ id: number; title: string; description: string; status: SkillsStatus; isActive: boolean }[]>;
}

/**
 * Best first, then by name: the one order of skill lists, applied in code so that every dialect
 * and the upload's own answer agree (databases collate names differently).
 */
export const bestFirst = (a: { name: string }, b: { name: string }, scoreA: number, scoreB: number) =>
  scoreB - scoreA || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Rows per insert at most; fewer where the driver's parameter limit asks (D1). */
const BATCH = 150;

export function createSkillStore(database: Database): SkillStore {
  const { db, tables } = database;
  const { resumes, resumeSkills, resumeOccupations, jobs, jobSkills, jobOccupations } = tables;
  const occupationColumns = {
    occupationId: jobOccupations.occupationId,
    title: jobOccupations.title,
    score: jobOccupations.score,
  };
  const mostLikelyFirst = (a: StoredOccupation, b: StoredOccupation) =>
    b.score - a.score || (a.occupationId < b.occupationId ? -1 : 1);
  const limits = { maxParameters: database.maxParameters };
  const jobSkillColumns = {
    skillId: jobSkills.skillId,
    name: jobSkills.name,
    type: jobSkills.type,
    weight: jobSkills.weight,
  };

  return {
    async resumeSkills(resumeId) {
      const rows = await db
        .select({
          skillId: resumeSkills.skillId,
          name: resumeSkills.name,
          type: resumeSkills.type,
          score: resumeSkills.score,
          method: resumeSkills.method,
          evidence: resumeSkills.evidence,
        })
        .from(resumeSkills)
        .where(eq(resumeSkills.resumeId, resumeId));
      return rows.sort((a, b) => bestFirst(a, b, a.score, b.score));
    },

    async replaceResumeSkills(resumeId, skills, status, occupations) {
      const rows = skills.map((s) => ({ resumeId, ...s }));
      const occupationRows = (occupations ?? []).map((o) => ({ resumeId, ...o }));
      await database.atomic((db) => [
        // The status first: its row lock (Postgres) queues a concurrent replace of the same
        // resume's skills until this one commits, so the two do not mix.
        db.update(resumes).set({ skillsStatus: status }).where(eq(resumes.id, resumeId)),
        db.delete(resumeSkills).where(eq(resumeSkills.resumeId, resumeId)),
        ...runs(rows, { ...limits, perItem: 7, preferred: BATCH }).map((part) =>
          db.insert(resumeSkills).values(part),
        ),
        ...(occupations
          ? [
              db.delete(resumeOccupations).where(eq(resumeOccupations.resumeId, resumeId)),
              ...(occupationRows.length > 0 ? [db.insert(resumeOccupations).values(occupationRows)] : []),
            ]
          : []),
      ]);
    },

    async resumeOccupations(resumeId) {
      const rows = await db
        .select({
          occupationId: resumeOccupations.occupationId,
          title: resumeOccupations.title,
          score: resumeOccupations.score,
        })
        .from(resumeOccupations)
        .where(eq(resumeOccupations.resumeId, resumeId));
      return rows.sort(mostLikelyFirst);
    },

    async jobOccupations(jobId) {
      const rows = await db
        .select(occupationColumns)
        .from(jobOccupations)
        .where(eq(jobOccupations.jobId, jobId));
      return rows.sort(mostLikelyFirst);
    },

    async jobOccupationsMany(jobIds) {
      const byJob = new Map<number, StoredOccupation[]>(jobIds.map((id) => [id, []]));
      for (let i = 0; i < jobIds.length; i += 500) {
        const rows = await db
          .select({ jobId: jobOccupations.jobId, ...occupationColumns })
          .from(jobOccupations)
          .where(inArray(jobOccupations.jobId, jobIds.slice(i, i + 500)));
        for (const { jobId, ...occupation } of rows) byJob.get(jobId)?.push(occupation);
      }
      for (const list of byJob.values()) list.sort(mostLikelyFirst);
      return byJob;
    },

    async jobsOfOccupations(occupationIds, limit) {
      if (occupationIds.length === 0) return [];
      const rows = await db
        .selectDistinct({ jobId: jobOccupations.jobId })
        .from(jobOccupations)
        .where(inArray(jobOccupations.occupationId, occupationIds))
        .limit(limit);
      return rows.map((r) => r.jobId);
    },

    async jobSkills(jobId) {
      const rows = await db.select(jobSkillColumns).from(jobSkills).where(eq(jobSkills.jobId, jobId));
      return rows.sort((a, b) => bestFirst(a, b, a.weight, b.weight));
    },

    async jobSkillsMany(jobIds) {
      const byJob = new Map<number, JobSkill[]>(jobIds.map((id) => [id, []]));
      for (let i = 0; i < jobIds.length; i += 500) {
        const rows = await db
          .select({ jobId: jobSkills.jobId, ...jobSkillColumns })
          .from(jobSkills)
          .where(inArray(jobSkills.jobId, jobIds.slice(i, i + 500)));
        for (const { jobId, ...skill } of rows) byJob.get(jobId)?.push(skill);
      }
      // Sorted here: an ORDER BY makes the database sort every row of every job at once.
      for (const list of byJob.values()) list.sort((a, b) => bestFirst(a, b, a.weight, b.weight));
      return byJob;
    },

    async replaceJobSkills(entries) {
      if (entries.length === 0) return;
      const ids = entries.map((e) => e.jobId);
      const rows = entries.flatMap((e) => e.skills.map((s) => ({ jobId: e.jobId, ...s })));
      const withOccupations = entries.filter((e) => e.occupations !== undefined);
      const occupationRows = withOccupations.flatMap((e) =>
        (e.occupations ?? []).map((o) => ({ jobId: e.jobId, ...o })),
      );
      const idRuns = (jobIds: number[]) => runs(jobIds, { ...limits, perItem: 1, fixed: 1, preferred: 500 });
      await database.atomic((db) => [
        // Statuses first, as for a resume: the jobs' row locks queue concurrent replaces.
        ...(['pending', 'partial', 'complete'] as const).flatMap((status) =>
          idRuns(entries.filter((e) => e.status === status).map((e) => e.jobId)).map((part) =>
            db.update(jobs).set({ skillsStatus: status }).where(inArray(jobs.id, part)),
          ),
        ),
        ...idRuns(ids).map((part) => db.delete(jobSkills).where(inArray(jobSkills.jobId, part))),
        ...runs(rows, { ...limits, perItem: 5, preferred: BATCH }).map((part) =>
          db.insert(jobSkills).values(part),
        ),
        ...idRuns(withOccupations.map((e) => e.jobId)).map((part) =>
          db.delete(jobOccupations).where(inArray(jobOccupations.jobId, part)),
        ),
        ...runs(occupationRows, { ...limits, perItem: 4, preferred: BATCH }).map((part) =>
          db.insert(jobOccupations).values(part),
        ),
      ]);
    },

    async pendingResumes(limit, afterId = '') {
      const rows = await db
        .select({ id: resumes.id, text: resumes.text, status: resumes.skillsStatus })
        .from(resumes)
        .where(and(ne(resumes.skillsStatus, 'complete'), gt(resumes.id, afterId)))
        .orderBy(asc(resumes.id))
        .limit(limit);
      return rows.map((r) => ({ ...r, status: r.status as SkillsStatus }));
    },

    async pendingJobs(limit, afterId = 0) {
      const rows = await db
        .select({
          id: jobs.id,
          title: jobs.title,
          description: jobs.description,
          status: jobs.skillsStatus,
          isActive: jobs.isActive,
        })
        .from(jobs)
        .where(and(inArray(jobs.skillsStatus, ['pending', 'partial']), gt(jobs.id, afterId)))
        .orderBy(asc(jobs.id))
        .limit(limit);
      return rows.map((r) => ({ ...r, status: r.status as SkillsStatus }));
    },
  };
}
