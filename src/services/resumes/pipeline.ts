import type { Clock } from '../../clock';
import type { PendingDeletion, Resume, ResumeStore } from '../../db/resumes';
import type { ResumeSkill, StoredOccupation } from '../../db/skills';
import { AppError, DependencyUnavailableError } from '../../errors';
import { describeError, type Logger } from '../../logger';
import { type DocumentKind, detectDocumentKind } from '../documents/detect';
import { type DocumentReader, inlineDocumentReader } from '../documents/reader';
import type { ReadSkills, SkillsService } from '../skills/skills';
import type { ObjectStorage } from '../storage/storage';

export const maxResumeBytes = 10 * 1024 * 1024;

/**
 * Recorded attempts at removing an object (the upload's own three tries count as one) before the retries on uploads
 * give up on it: an object that still cannot be removed after that is no passing failure, and
 * retrying it on every upload would only add load. The storage sweep (npm run storage:sweep, and
 * periodically on Node) still tries it on each pass.
 */
export const MAX_REMOVAL_ATTEMPTS = 8;
/** Retries of recorded removals run at most this often per process, however many uploads arrive. */
const RETRY_INTERVAL_MS = 60_000;
/** Recorded removals retried per pass. */
const RETRY_BATCH = 10;

const contentTypes: Record<DocumentKind, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  txt: 'text/plain; charset=utf-8',
};

/**
 * The client's file name is metadata only: path parts, control characters and over-long names
 * are dropped; what remains is shown back to the user and used in the download's file name.
 */
export function cleanFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const printable = Array.from(base)
    .filter((ch) => ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) !== 0x7f)
    .join('');
  const cleaned = printable.trim().slice(0, 255);
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'resume' : cleaned;
}

export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

export interface ResumePipelineDeps {
  store: ResumeStore;
  storage: ObjectStorage;
  clock: Clock;
  logger: Logger;
  /** Absent: resumes are stored with no skills, marked pending for a later backfill. */
  skills?: SkillsService;
  /** Where documents are read (Node: worker threads). Default: in the request. */
  reader?: DocumentReader;
  newId?: () => string;
}

/**
 * Upload and removal of resumes, all-or-nothing from the user's view: the file is checked and read
 * before anything is stored; if the object write or the database write fails, whatever was stored
 * is removed again, and an object that cannot be removed is recorded and retried (a few times on
 * later uploads, then by the storage sweep, src/services/storage/sweep.ts), never left.
 */
export function createResumePipeline(deps: ResumePipelineDeps) {
  const { store, storage, clock, logger } = deps;
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const reader = deps.reader ?? inlineDocumentReader();
  let lastRetry: number | undefined;

  /** Records an object for a later removal; a failure to record it is logged (the sweep finds it). */
  async function recordRemoval(storageKey: string, err: unknown): Promise<void> {
    await store
      .recordPendingDeletion(
        { bucket: storage.bucket, storageKey, error: err instanceof Error ? err.message : String(err) },
        clock.now(),
      )
      .catch((recordErr: unknown) =>
        logger.error('recording a pending object removal failed', {
          storage_key: storageKey,
          ...describeError(recordErr),
        }),
      );
  }

  async function removeObject(storageKey: string, reason: string): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await storage.delete(storageKey);
        return;
      } catch (err) {
        if (attempt === 3) {
          logger.error('object removal failed; recorded for retry', {
            storage_key: storageKey,
            reason,
            ...describeError(err),
          });
          await recordRemoval(storageKey, err);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }

  async function retryOne(pending: PendingDeletion, inUse: boolean): Promise<void> {
    const fields = { storage_key: pending.storageKey };
    if (inUse) {
      logger.warn('pending object removal dropped: a resume row names the object', fields);
      await store.resolvePendingDeletion(pending.storageKey);
      return;
    }
    try {
      await storage.delete(pending.storageKey);
      await store.resolvePendingDeletion(pending.storageKey);
      logger.info('pending object removal done', fields);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      await store.recordPendingDeletion(
        { bucket: pending.bucket, storageKey: pending.storageKey, error },
        clock.now(),
      );
      if (pending.attempts + 1 >= MAX_REMOVAL_ATTEMPTS) {
        logger.error('object removal failed too often; left to the storage sweep', {
          ...fields,
          attempts: pending.attempts + 1,
          ...describeError(err),
        });
      }
    }
  }

  return {
    async upload(
      userId: number,
      file: UploadedFile,
    ): Promise<{ resume: Resume; chunks: number; skills: ResumeSkill[]; occupations: StoredOccupation[] }> {
      if (file.bytes.byteLength > maxResumeBytes) {
        throw new AppError('file_too_large', 'A resume is limited to 10 MiB');
      }
      const filename = cleanFilename(file.name);
      const kind = detectDocumentKind(filename, file.bytes);
      // The reader may take the bytes to another thread and hand them back: `bytes` from here on.
      const { text, chunks, bytes } = await reader.read(kind, file.bytes);
      // Chroma down is not a failure here: exact-label skills, marked partial for completion later.
      const found: ReadSkills<ResumeSkill> = deps.skills
        ? await deps.skills.extractFromResume(text)
        : { skills: [], status: 'pending', occupations: [] };

      const id = newId();
      const storageKey = ['resumes', String(userId), `${id}.${kind}`].map(encodeURIComponent).join('/');
      try {
        await storage.put(storageKey, bytes, {
          contentType: contentTypes[kind],
          metadata: { 'original-filename': filename, 'user-id': String(userId) },
        });
      } catch (err) {
        // The write may have landed though its answer was lost (a gateway that died before
        // answering, a reset, a timeout). Storage is failing now, so the removal is not tried here
        // (that would hold the answer for its retries): it is recorded, for the retries and the sweep.
        if (err instanceof DependencyUnavailableError) await recordRemoval(storageKey, err);
        throw err;
      }
      try {
        const resume = await store.create(
          {
            id,
            userId,
            filename,
            contentType: contentTypes[kind],
            sizeBytes: bytes.byteLength,
            bucket: storage.bucket,
            storageKey,
            text,
            chunks,
            skills: found.skills,
            skillsStatus: found.status,
            occupations: found.occupations,
          },
          clock.now(),
        );
        return { resume, chunks: chunks.length, skills: found.skills, occupations: found.occupations };
      } catch (err) {
        await removeObject(storageKey, 'the database write failed');
        throw err;
      }
    },

    /**
     * Deletes the row and records its object for removal in one write, then removes the object.
     * The resume is gone for the user at once, even while storage is down; an object whose removal
     * fails (or whose answer is lost) stays recorded and is retried, never left behind.
     */
    async remove(userId: number, id: string): Promise<boolean> {
      const resume = await store.get(userId, id);
      if (!resume) return false;
      const object = { bucket: resume.bucket, storageKey: resume.storageKey };
      if (!(await store.delete(userId, id, clock.now(), object))) return false;
      try {
        await storage.delete(object.storageKey);
        await store.resolvePendingDeletion(object.storageKey);
      } catch (err) {
        logger.warn('object removal failed; recorded for retry', {
          storage_key: object.storageKey,
          ...describeError(err),
        });
      }
      return true;
    },

    /**
     * Retries recorded removals below the attempt cap, at most once a minute (cheap when there are
     * none). Uploads run it in the background, after their answer. Never rejects: failures are logged.
     */
    async retryPendingDeletions(): Promise<void> {
      const now = clock.now().getTime();
      if (lastRetry !== undefined && now - lastRetry < RETRY_INTERVAL_MS) return;
      lastRetry = now;
      try {
        const pending = await store.pendingDeletions(RETRY_BATCH, { belowAttempts: MAX_REMOVAL_ATTEMPTS });
        if (pending.length === 0) return;
        // A write whose answer was lost may have committed after all: an object with a row stays.
        const inUse = await store.storedKeys(pending.map((p) => p.storageKey));
        for (const row of pending) await retryOne(row, inUse.has(row.storageKey));
      } catch (err) {
        logger.warn('retrying pending object removals failed', describeError(err));
      }
    },
  };
}

export type ResumePipeline = ReturnType<typeof createResumePipeline>;
