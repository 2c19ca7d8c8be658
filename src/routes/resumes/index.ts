import type { z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../../clock';
import type { ResumeStore } from '../../db/resumes';
import type { SkillStore } from '../../db/skills';
import type { AppEnv } from '../../env';
import { notFound } from '../../errors';
import { describeError, type Logger, silentLogger } from '../../logger';
import type { AuthGuard } from '../../middleware/auth';
import { createRouter } from '../../openapi';
import type { Gate } from '../../services/concurrency';
import type { UserLimits } from '../../services/limits';
import type { ResumePipeline } from '../../services/resumes/pipeline';
import { contentDisposition, type ObjectStorage } from '../../services/storage/storage';
import { toOccupation } from '../skills';
import { resumeRouteDefinitions } from './routes';
import { toResume, toSkill, type UploadResultSchema } from './schemas';
import { busyUploads, cancelledUpload, maxUploadBody, readUpload, ungatedUploadBytes } from './upload';

export interface ResumeRoutesDeps {
  /** The JSON body limit (413 payload_too_large), on the routes that take a JSON body. */
  jsonBodyLimit: MiddlewareHandler<AppEnv>;
  guard: AuthGuard;
  clock: Clock;
  resumes: ResumeStore;
  pipeline: ResumePipeline;
  storage: ObjectStorage;
  /** Bounds the bytes of upload bodies held at once (weights in bytes); see UPLOAD_MEMORY_MB. */
  uploadGate: Gate;
  /** Per user: uploads at once and per minute. */
  uploadLimits: UserLimits;
  /** An upload body that stops arriving for this long is answered 408. */
  idleTimeoutMs: number;
  skillStore: SkillStore;
  /**
   * Work that goes on after the answer (retries of earlier failed object removals). Default: the
   * promise just runs and a failure is logged; app.ts passes its own (`waitUntil` on Workers).
   */
  background?: (work: Promise<unknown>, c: Context) => void;
  /** For the default `background`'s failures. */
  logger?: Logger;
}

/** Waiting uploads beyond this are turned away rather than queued for minutes. */

export function resumeRoutes(deps: ResumeRoutesDeps) {
  const { resumes, pipeline, storage, uploadGate } = deps;
  const routes = resumeRouteDefinitions(deps.guard({ hydrate: true }), deps.jsonBodyLimit);
  const logger = deps.logger ?? silentLogger;
  const background =
    deps.background ??
    ((work: Promise<unknown>) => {
      work.catch((err: unknown) => logger.error('background work failed', describeError(err)));
    });

  async function upload(request: Request, userId: number): Promise<z.infer<typeof UploadResultSchema>> {
    const file = await readUpload(request, deps.idleTimeoutMs);
    const { resume, chunks, skills, occupations } = await pipeline.upload(userId, {
      name: file.filename,
      bytes: file.bytes,
    });
    return {
      resume_id: resume.id,
      message: 'Resume uploaded and processed',
      chunks_created: chunks,
      text_length: resume.textLength,
      s3_key: resume.storageKey,
      bucket: resume.bucket,
      skills: skills.map(toSkill),
      occupations: occupations.map(toOccupation),
    };
  }

  return createRouter()
    .openapi(routes.upload, async (c) => {
      const release = deps.uploadLimits.acquire(c.var.user.id);
      try {
        // A big upload holds its body until it is stored: it reserves its size in a byte budget
        // (the rest wait, held back by TCP), so a slow client holds its own share and no more.
        // Documents are parsed by their own bounded pool (DocumentReader), not under this gate.
        const length = Number(c.req.header('content-length'));
        const declared = Number.isInteger(length) && length >= 0 ? length : undefined;
        const work = () => upload(c.req.raw, c.var.user.id);
        const result =
          declared !== undefined && declared <= ungatedUploadBytes
            ? await work()
            : await uploadGate.run(work, {
                weight: Math.min(declared ?? maxUploadBody, maxUploadBody),
                signal: c.req.raw.signal,
                whenFull: busyUploads,
                whenAborted: cancelledUpload,
              });
        c.header('Location', `/api/resumes/${result.resume_id}`);
        // Earlier failed removals are retried once the user's own work is done, never on its path.
        background(pipeline.retryPendingDeletions(), c);
        return c.json(result, 201);
      } finally {
        release();
      }
    })
    .openapi(routes.list, async (c) =>
      c.json({ resumes: (await resumes.listForUser(c.var.user.id)).map(toResume) }, 200),
    )
    .openapi(routes.get, async (c) => {
      const resume = await resumes.get(c.var.user.id, c.req.valid('param').id);
      if (!resume) throw notFound('Resume');
      const [skills, occupations] = await Promise.all([
        deps.skillStore.resumeSkills(resume.id),
        deps.skillStore.resumeOccupations(resume.id),
      ]);
      return c.json(
        {
          ...toResume(resume),
          text: resume.text,
          skills: skills.map(toSkill),
          occupations: occupations.map(toOccupation),
        },
        200,
      );
    })
    .openapi(routes.download, async (c) => {
      const resume = await resumes.get(c.var.user.id, c.req.valid('param').id);
      if (!resume) throw notFound('Resume');
      const options = { filename: resume.filename, contentType: resume.contentType, expiresInSec: 900 };
      const url = await storage.downloadUrl(resume.storageKey, options);
      if (url) {
        c.header('Cache-Control', 'no-store');
        return c.redirect(url, 302);
      }
      const bytes = await storage.get(resume.storageKey);
      if (!bytes) throw notFound('Resume file');
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type': resume.contentType,
        'Content-Disposition': contentDisposition(resume.filename),
        'Cache-Control': 'private, no-store',
      });
    })
    .openapi(routes.makeDefault, async (c) => {
      const resume = await resumes.makeDefault(c.var.user.id, c.req.valid('param').id, deps.clock.now());
      if (!resume) throw notFound('Resume');
      return c.json(toResume(resume), 200);
    })
    .openapi(routes.remove, async (c) => {
      if (!(await pipeline.remove(c.var.user.id, c.req.valid('param').id))) throw notFound('Resume');
      return c.body(null, 204);
    });
}
