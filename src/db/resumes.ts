import { and, asc, desc, eq, exists, gt, inArray, lt, ne, notExists, sql } from 'drizzle-orm';
import { type Database, type Db, runs } from './database';
import type { ResumeSkill, SkillsStatus, StoredOccupation } from './skills';

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
  occupations?: StoredOccupation[];
}

export interface PendingDeletion {
  bucket: string;
  storageKey: string;
  attempts: number;
}

export interface ResumeStore {
  /** Newest first. */
  listForUser(userId: number): Promise<Resume[]>;
  get(userId: number, id: string): Promise<ResumeWithText | undefined>;
  /** The user's default resume (at most one: a unique index says so), or undefined. */
  getDefault(userId: number): Promise<ResumeWithText | undefined>;
  /** Row, chunks and skills in one atomic write; the user's first resume becomes the default. */
  create(resume: NewResume, now: Date): Promise<Resume>;
  /** Makes this one the default and no other. Undefined when the user has no such resume. */
  makeDefault(userId: number, id: string, now: Date): Promise<Resume | undefined>;
  /**
   * Deletes row and chunks; when it was the default, the newest remaining one becomes the default.
   * The row's `object` is recorded for removal in the same write, so that a removal that fails
   * after it is retried (by the upload retries and the storage sweep), never forgotten; a record
   * left by a delete that found no row only costs a removal of a missing object later. Returns the
   * deleted row.
   */
  delete(
    userId: number,
    id: string,
    now: Date,
    object: { bucket: string; storageKey: string },
  ): Promise<Resume | undefined>;
  chunks(resumeId: string): Promise<{ index: number; section: string | null; content: string }[]>;

  /** Which of these object keys a resume row names (the storage sweep keeps those objects). */
  storedKeys(keys: string[]): Promise<Set<string>>;

  /** Objects whose removal must be retried (see the upload pipeline); a repeat counts one more attempt. */
  recordPendingDeletion(
    object: { bucket: string; storageKey: string; error: string },
    now: Date,
  ): Promise<void>;
  /**
   * Recorded removals in key order: those with fewer than `belowAttempts` attempts (default: all),
   * after the key `after` (to read them page by page).
   */
  pendingDeletions(
    limit: number,
    options?: { belowAttempts?: number; after?: string },
  ): Promise<PendingDeletion[]>;
  /** True when there was such a row. */
  resolvePendingDeletion(storageKey: string): Promise<boolean>;
}

export function createResumeStore(database: Database): ResumeStore {
  const { db, tables } = database;
  const { resumes, resumeChunks, resumeSkills, resumeOccupations, pendingObjectDeletions, userProfiles } =
    tables;
  const limits = { maxParameters: database.maxParameters };
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
  /**
   * The first statement of every write to a user's resumes: a no-op update of the user's row. On
   * Postgres its row lock queues concurrent writes for one user, so each decides the default on
   * what the previous one committed (without it, two first uploads at once would both try to be
   * the default and one would fail on `resumes_one_default_per_user`). SQLite writers are
   * serialised anyway.
   */
  const lockOwner = (db: Db, userId: number) =>
    db
      .update(userProfiles)
      .set({ updatedAt: sql`${userProfiles.updatedAt}` })
      .where(eq(userProfiles.id, userId));

  return {
    async listForUser(userId) {
      return db
        .select(columns)
        .from(resumes)
        .where(eq(resumes.userId, userId))
        .orderBy(desc(resumes.createdAt), desc(resumes.id));
    },

    async getDefault(userId) {
      const rows = await db
        .select({ ...columns, text: resumes.text })
        .from(resumes)
        .where(and(eq(resumes.userId, userId), eq(resumes.isDefault, true)))
        .limit(1);
      return rows[0];
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
      const chunkRows = resume.chunks.map((chunk) => ({
        resumeId: resume.id,
        chunkIndex: chunk.index,
        section: chunk.section,
        content: chunk.content,
      }));
      const skillRows = (resume.skills ?? []).map((skill) => ({ resumeId: resume.id, ...skill }));
      const occupationRows = (resume.occupations ?? []).map((o) => ({ resumeId: resume.id, ...o }));
      const results = await database.atomic((db) => [
        lockOwner(db, resume.userId),
        db
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
            // The user's first resume becomes the default: decided by the insert itself.
            isDefault: notExists(
              db.select({ id: resumes.id }).from(resumes).where(eq(resumes.userId, resume.userId)),
            ),
            createdAt: now,
            updatedAt: now,
          })
          .returning(columns),
        ...runs(chunkRows, { ...limits, perItem: 4, preferred: 200 }).map((rows) =>
          db.insert(resumeChunks).values(rows),
        ),
        ...runs(skillRows, { ...limits, perItem: 7, preferred: 150 }).map((rows) =>
          db.insert(resumeSkills).values(rows),
        ),
        ...(occupationRows.length > 0 ? [db.insert(resumeOccupations).values(occupationRows)] : []),
      ]);
      const row = results[1][0];
      if (!row) throw new Error('insert into resumes returned no row');
      return row;
    },

    async makeDefault(userId, id, now) {
      const results = await database.atomic((db) => [
        lockOwner(db, userId),
        // Unset first: the partial unique index allows one default per user at any moment. Only
        // when the target exists, so that an unknown id leaves the default alone.
        db
          .update(resumes)
          .set({ isDefault: false, updatedAt: now })
          .where(
            and(
              eq(resumes.userId, userId),
              eq(resumes.isDefault, true),
              ne(resumes.id, id),
              exists(db.select({ id: resumes.id }).from(resumes).where(owned(userId, id))),
            ),
          ),
        db
          .update(resumes)
          .set({ isDefault: true, updatedAt: now })
          .where(owned(userId, id))
          .returning(columns),
      ]);
      return results[2][0];
    },

    async delete(userId, id, now, object) {
      const results = await database.atomic((db) => [
        lockOwner(db, userId),
        // No attempt made yet (attempts 0): the caller removes the object once this has committed.
        db
          .insert(pendingObjectDeletions)
          .values({ ...object, attempts: 0, createdAt: now })
          .onConflictDoNothing(),
        db
          .delete(resumeChunks)
          .where(
            and(
              eq(resumeChunks.resumeId, id),
              exists(db.select({ id: resumes.id }).from(resumes).where(owned(userId, id))),
            ),
          ),
        db.delete(resumes).where(owned(userId, id)).returning(columns),
        // When the user is left without a default (it was the one deleted), the newest remaining
        // resume becomes it: one statement, so it is decided on what is there when it runs.
        db
          .update(resumes)
          .set({ isDefault: true, updatedAt: now })
          .where(
            and(
              inArray(
                resumes.id,
                db
                  .select({ id: resumes.id })
                  .from(resumes)
                  .where(eq(resumes.userId, userId))
                  .orderBy(desc(resumes.createdAt), desc(resumes.id))
                  .limit(1),
              ),
              notExists(
                db
                  .select({ id: resumes.id })
                  .from(resumes)
                  .where(and(eq(resumes.userId, userId), eq(resumes.isDefault, true))),
              ),
            ),
          ),
      ]);
      return results[3][0];
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

    async storedKeys(keys) {
      const found = new Set<string>();
      for (const run of runs(keys, { ...limits, perItem: 1, preferred: 500 })) {
        const rows = await db
          .select({ storageKey: resumes.storageKey })
          .from(resumes)
          .where(inArray(resumes.storageKey, run));
        for (const row of rows) found.add(row.storageKey);
      }
      return found;
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

    async pendingDeletions(limit, { belowAttempts, after } = {}) {
      return db
        .select({
          bucket: pendingObjectDeletions.bucket,
          storageKey: pendingObjectDeletions.storageKey,
          attempts: pendingObjectDeletions.attempts,
        })
        .from(pendingObjectDeletions)
        .where(
          and(
            belowAttempts === undefined ? undefined : lt(pendingObjectDeletions.attempts, belowAttempts),
            after === undefined ? undefined : gt(pendingObjectDeletions.storageKey, after),
          ),
        )
        .orderBy(asc(pendingObjectDeletions.storageKey))
        .limit(limit);
    },

    async resolvePendingDeletion(storageKey) {
      const deleted = await db
        .delete(pendingObjectDeletions)
        .where(eq(pendingObjectDeletions.storageKey, storageKey))
        .returning({ storageKey: pendingObjectDeletions.storageKey });
      return deleted.length > 0;
    },
  };
}
