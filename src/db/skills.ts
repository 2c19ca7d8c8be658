import { and, asc, desc, eq, gt, inArray, ne } from 'drizzle-orm';
import type { Database } from './database';

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
  replaceResumeSkills(resumeId: string, skills: ResumeSkill[], status: SkillsStatus): Promise<void>;
  /** Heaviest first. */
  jobSkills(jobId: number): Promise<JobSkill[]>;
  jobSkillsMany(jobIds: number[]): Promise<Map<number, JobSkill[]>>;
  /** Each job's skills replaced and its status set, all in one transaction. */
  replaceJobSkills(entries: { jobId: number; skills: JobSkill[]; status: SkillsStatus }[]): Promise<void>;
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

/** Rows per insert: keeps each statement under the drivers' parameter limits. */
const BATCH = 150;

export function createSkillStore({ db, tables }: Database): SkillStore {
  const { resumes, resumeSkills, jobs, jobSkills } = tables;
  const jobSkillColumns = {
    skillId: jobSkills.skillId,
    name: jobSkills.name,
    type: jobSkills.type,
    weight: jobSkills.weight,
  };

  return {
    async resumeSkills(resumeId) {
      return db
        .select({
          skillId: resumeSkills.skillId,
          name: resumeSkills.name,
          type: resumeSkills.type,
          score: resumeSkills.score,
          method: resumeSkills.method,
          evidence: resumeSkills.evidence,
        })
        .from(resumeSkills)
        .where(eq(resumeSkills.resumeId, resumeId))
        .orderBy(desc(resumeSkills.score), asc(resumeSkills.name));
    },

    async replaceResumeSkills(resumeId, skills, status) {
      await db.transaction(async (tx) => {
        await tx.delete(resumeSkills).where(eq(resumeSkills.resumeId, resumeId));
        for (let i = 0; i < skills.length; i += BATCH) {
          await tx.insert(resumeSkills).values(skills.slice(i, i + BATCH).map((s) => ({ resumeId, ...s })));
        }
        await tx.update(resumes).set({ skillsStatus: status }).where(eq(resumes.id, resumeId));
      });
    },

    async jobSkills(jobId) {
      return db
        .select(jobSkillColumns)
        .from(jobSkills)
        .where(eq(jobSkills.jobId, jobId))
        .orderBy(desc(jobSkills.weight), asc(jobSkills.name));
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
      for (const list of byJob.values())
        list.sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name));
      return byJob;
    },

    async replaceJobSkills(entries) {
      if (entries.length === 0) return;
      await db.transaction(async (tx) => {
        const ids = entries.map((e) => e.jobId);
        for (let i = 0; i < ids.length; i += 500) {
          await tx.delete(jobSkills).where(inArray(jobSkills.jobId, ids.slice(i, i + 500)));
        }
        const rows = entries.flatMap((e) => e.skills.map((s) => ({ jobId: e.jobId, ...s })));
        for (let i = 0; i < rows.length; i += BATCH) {
          await tx.insert(jobSkills).values(rows.slice(i, i + BATCH));
        }
        for (const status of ['pending', 'partial', 'complete'] as const) {
          const withStatus = entries.filter((e) => e.status === status).map((e) => e.jobId);
          for (let i = 0; i < withStatus.length; i += 500) {
            await tx
              .update(jobs)
              .set({ skillsStatus: status })
              .where(inArray(jobs.id, withStatus.slice(i, i + 500)));
          }
        }
      });
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
