import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { Database } from './database';
import type { ResumeSkill, SkillsStatus } from './skills';

export interface Resume {
  id: string;
  userId: number;
  filename: string;
  contentType: string;
  sizeBytes: number;
  bucket: string;
  storageKey: string;
  textLength: number;
  chunksCreated: number;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type ResumeWithText = Resume & { text: string };

export interface NewResume {
  id: string;
  userId: number;
  filename: string;
  contentType: string;
  sizeBytes: number;
  bucket: string;
  storageKey: string;
  text: string;
  chunks: { index: number; section: string | null; content: string }[];
  /** Found at upload; stored with the row so a resume never exists half-read. */
  skills?: ResumeSkill[];
  skillsStatus?: SkillsStatus;
}

export interface ResumeStore {
  /** Newest first. */
  listForUser(userId: number): Promise<Resume[]>;
  get(userId: number, id: string): Promise<ResumeWithText | undefined>;
  /** Row, chunks and skills in one transaction; the user's first resume becomes the default. */
  create(resume: NewResume, now: Date): Promise<Resume>;
  /** Makes this one the default and no other. Undefined when the user has no such resume. */
  makeDefault(userId: number, id: string, now: Date): Promise<Resume | undefined>;
  /**
   * Deletes row and chunks; when it was the default, the newest remaining one becomes the default.
   * Returns the deleted row.
   */
  delete(userId: number, id: string, now: Date): Promise<Resume | undefined>;
  chunks(resumeId: string): Promise<{ index: number; section: string | null; content: string }[]>;

  /** Objects whose removal must be retried (see the upload pipeline). */
  recordPendingDeletion(
    object: { bucket: string; storageKey: string; error: string },
    now: Date,
  ): Promise<void>;
  pendingDeletions(limit: number): Promise<{ bucket: string; storageKey: string; attempts: number }[]>;
  resolvePendingDeletion(storageKey: string): Promise<void>;
}

export function createResumeStore({ db, tables }: Database): ResumeStore {
  const { resumes, resumeChunks, resumeSkills, pendingObjectDeletions } = tables;
  const columns = {
    id: resumes.id,
    userId: resumes.userId,
    filename: resumes.filename,
    contentType: resumes.contentType,
    sizeBytes: resumes.sizeBytes,
    bucket: resumes.bucket,
    storageKey: resumes.storageKey,
    textLength: resumes.textLength,
    chunksCreated: resumes.chunksCreated,
    isDefault: resumes.isDefault,
    createdAt: resumes.createdAt,
    updatedAt: resumes.updatedAt,
  };
  const owned = (userId: number, id: string) => and(eq(resumes.userId, userId), eq(resumes.id, id));

  return {
    async listForUser(userId) {
      return db
        .select(columns)
        .from(resumes)
        .where(eq(resumes.userId, userId))
        .orderBy(desc(resumes.createdAt), desc(resumes.id));
    },

    async get(userId, id) {
      const rows = await db
        .select({ ...columns, text: resumes.text })
        .from(resumes)
        .where(owned(userId, id))
        .limit(1);
      return rows[0];
    },

    async create(resume, now) {
      return db.transaction(async (tx) => {
        const existing = await tx
          .select({ id: resumes.id })
          .from(resumes)
          .where(eq(resumes.userId, resume.userId))
          .limit(1);
        const rows = await tx
          .insert(resumes)
          .values({
            id: resume.id,
            userId: resume.userId,
            filename: resume.filename,
            contentType: resume.contentType,
            sizeBytes: resume.sizeBytes,
            bucket: resume.bucket,
            storageKey: resume.storageKey,
            text: resume.text,
            textLength: resume.text.length,
            chunksCreated: resume.chunks.length,
            skillsStatus: resume.skillsStatus ?? 'pending',
            isDefault: existing.length === 0,
            createdAt: now,
            updatedAt: now,
          })
          .returning(columns);
        // Batches keep each statement under the drivers' parameter limits.
        for (let i = 0; i < resume.chunks.length; i += 200) {
          await tx.insert(resumeChunks).values(
            resume.chunks.slice(i, i + 200).map((chunk) => ({
              resumeId: resume.id,
              chunkIndex: chunk.index,
              section: chunk.section,
              content: chunk.content,
            })),
          );
        }
        const skills = resume.skills ?? [];
        for (let i = 0; i < skills.length; i += 150) {
          await tx
            .insert(resumeSkills)
            .values(skills.slice(i, i + 150).map((skill) => ({ resumeId: resume.id, ...skill })));
        }
        const row = rows[0];
        if (!row) throw new Error('insert into resumes returned no row');
        return row;
      });
    },

    async makeDefault(userId, id, now) {
      return db.transaction(async (tx) => {
        const target = await tx.select({ id: resumes.id }).from(resumes).where(owned(userId, id)).limit(1);
        if (target.length === 0) return undefined;
        // Unset first: the partial unique index allows one default per user at any moment.
        await tx
          .update(resumes)
          .set({ isDefault: false, updatedAt: now })
          .where(and(eq(resumes.userId, userId), eq(resumes.isDefault, true), ne(resumes.id, id)));
        const rows = await tx
          .update(resumes)
          .set({ isDefault: true, updatedAt: now })
          .where(owned(userId, id))
          .returning(columns);
        return rows[0];
      });
    },

    async delete(userId, id, now) {
      return db.transaction(async (tx) => {
        const rows = await tx.select(columns).from(resumes).where(owned(userId, id)).limit(1);
        const row = rows[0];
        if (!row) return undefined;
        await tx.delete(resumeChunks).where(eq(resumeChunks.resumeId, id));
        await tx.delete(resumes).where(owned(userId, id));
        if (row.isDefault) {
          const newest = await tx
            .select({ id: resumes.id })
            .from(resumes)
            .where(eq(resumes.userId, userId))
            .orderBy(desc(resumes.createdAt), desc(resumes.id))
            .limit(1);
          if (newest[0]) {
            await tx
              .update(resumes)
              .set({ isDefault: true, updatedAt: now })
              .where(eq(resumes.id, newest[0].id));
          }
        }
        return row;
      });
    },

    async chunks(resumeId) {
      const rows = await db
        .select({
          index: resumeChunks.chunkIndex,
          section: resumeChunks.section,
          content: resumeChunks.content,
        })
        .from(resumeChunks)
        .where(eq(resumeChunks.resumeId, resumeId))
        .orderBy(asc(resumeChunks.chunkIndex));
      return rows;
    },

    async recordPendingDeletion(object, now) {
      await db
        .insert(pendingObjectDeletions)
        .values({
          storageKey: object.storageKey,
          bucket: object.bucket,
          attempts: 1,
          lastError: object.error,
          createdAt: now,
        })
        .onConflictDoUpdate({
          target: pendingObjectDeletions.storageKey,
          set: { lastError: object.error, attempts: sql`${pendingObjectDeletions.attempts} + 1` },
        });
    },

    async pendingDeletions(limit) {
      return db
        .select({
          bucket: pendingObjectDeletions.bucket,
          storageKey: pendingObjectDeletions.storageKey,
          attempts: pendingObjectDeletions.attempts,
        })
        .from(pendingObjectDeletions)
        .orderBy(asc(pendingObjectDeletions.createdAt))
        .limit(limit);
    },

    async resolvePendingDeletion(storageKey) {
      await db.delete(pendingObjectDeletions).where(eq(pendingObjectDeletions.storageKey, storageKey));
    },
  };
}
