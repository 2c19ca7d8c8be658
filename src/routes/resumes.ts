import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../clock';
import type { Resume, ResumeStore } from '../db/resumes';
import type { ResumeSkill, SkillStore } from '../db/skills';
import type { AppEnv } from '../env';
import { AppError, notFound, stalledBody, validationError } from '../errors';
import { describeError, type Logger, silentLogger } from '../logger';
import type { AuthGuard } from '../middleware/auth';
import {
  DelimiterScanner,
  findFilePart,
  MultipartError,
  type MultipartFile,
  multipartBoundary,
} from '../multipart';
import {
  authErrorResponses,
  bearerSecurity,
  createRouter,
  errorResponse,
  jsonBody,
  jsonResponse,
  uuidIdParam,
} from '../openapi';
import type { Gate } from '../services/concurrency';
import type { UserLimits } from '../services/limits';
import { maxResumeBytes, type ResumePipeline } from '../services/resumes/pipeline';
import { contentDisposition, type ObjectStorage } from '../services/storage/storage';
import { declaredTooLarge, idleLimit, limitBytes, readAll } from '../streams';
import { OccupationSchema, toOccupation } from './skills';

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
export const busyUploads = () =>
  new AppError('rate_limited', 'The server is busy reading other uploads; try again shortly', {
    headers: { 'Retry-After': '5' },
  });

/** The client went away while its upload waited: nobody reads this, but it is not a server fault. */
const cancelledUpload = () =>
  validationError({ body: ['the client closed the request'] }, 'The upload was cancelled');

/** Uploads up to this size (declared by Content-Length) skip the memory budget: they cost little. */
const ungatedUploadBytes = 1024 * 1024;

/** Room for the multipart envelope around a file of the maximum size. */
const maxUploadBody = maxResumeBytes + 64 * 1024;

const ResumeSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    content_type: z.string(),
    size_bytes: z.number().int(),
    text_length: z.number().int(),
    chunks_created: z.number().int(),
    is_default: z.boolean(),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Resume');

const SkillSchema = z.object({
  id: z.string(),
  name: z.string(),
  score: z.number(),
  evidence: z.string().openapi({ description: 'the text the skill was read from (at most 200 characters)' }),
});

const ResumeDetailSchema = ResumeSchema.extend({
  text: z.string(),
  skills: z.array(SkillSchema),
  occupations: z.array(OccupationSchema),
}).openapi('ResumeDetail');

const UploadResultSchema = z
  .object({
    resume_id: z.string(),
    message: z.string(),
    chunks_created: z.number().int(),
    text_length: z.number().int(),
    s3_key: z.string(),
    bucket: z.string(),
    skills: z.array(SkillSchema),
    occupations: z.array(OccupationSchema),
  })
  .openapi('ResumeUpload');

const ResumeIdParams = z.object({ id: uuidIdParam('id') });

const toResume = (r: Resume): z.infer<typeof ResumeSchema> => ({
  id: r.id,
  filename: r.filename,
  content_type: r.contentType,
  size_bytes: r.sizeBytes,
  text_length: r.textLength,
  chunks_created: r.chunksCreated,
  is_default: r.isDefault,
  created_at: r.createdAt.toISOString(),
});

const toSkill = (s: ResumeSkill): z.infer<typeof SkillSchema> => ({
  id: s.skillId,
  name: s.name,
  score: s.score,
  evidence: s.evidence,
});

const fileTooLarge = () => new AppError('file_too_large', 'A resume is limited to 10 MiB');

/**
 * Reads the resume_file part of a multipart body, with the size limit enforced while it streams
 * in, a body that stalls answered 408, and the file's bytes held once (see src/multipart.ts).
 */
async function readUpload(request: Request, idleTimeoutMs: number): Promise<MultipartFile> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(contentType) || !request.body) {
    throw new AppError('file_required', 'Send multipart/form-data with the file in a part named resume_file');
  }
  const boundary = multipartBoundary(contentType);
  if (!boundary) {
    throw validationError({ body: ['has no multipart boundary'] }, 'The upload could not be read');
  }
  const contentLength = request.headers.get('content-length') ?? undefined;
  if (declaredTooLarge(contentLength, maxUploadBody)) throw fileTooLarge();
  const sizeHint =
    contentLength !== undefined && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
  const stream = limitBytes(
    idleLimit(request.body, idleTimeoutMs, stalledBody(idleTimeoutMs)),
    maxUploadBody,
    fileTooLarge,
  );
  let file: MultipartFile | undefined;
  try {
    // The delimiters are found while the body arrives, a chunk at a time.
    const scanner = new DelimiterScanner(boundary);
    const body = await readAll(stream, sizeHint, (chunk, offset) => scanner.feed(chunk, offset));
    file = findFilePart(body, boundary, 'resume_file', scanner.delimiters);
  } catch (err) {
    if (err instanceof MultipartError) {
      throw validationError(
        { body: [`is not valid multipart/form-data: ${err.message}`] },
        'The upload could not be read',
      );
    }
    throw err;
  }
  if (!file) throw new AppError('file_required', 'Send the file in a multipart part named resume_file');
  return file;
}

export function resumeRoutes(deps: ResumeRoutesDeps) {
  const { resumes, pipeline, storage, uploadGate } = deps;
  const guard = deps.guard({ hydrate: true });
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
    .openapi(
      createRoute({
        method: 'post',
        path: '/api/resume/upload',
        tags: ['Resumes'],
        summary: 'Uploads a resume (PDF, DOCX or TXT, at most 10 MiB) as the multipart part resume_file',
        description:
          'The file is checked by extension and content, its text extracted and split into chunks, then ' +
          'stored. Nothing is left behind when a step fails. The first resume becomes the default.',
        security: bearerSecurity,
        middleware: [guard] as const,
        // A plain schema object: a zod body would make the validator buffer the upload without a limit.
        request: {
          body: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  properties: { resume_file: { type: 'string', format: 'binary' } },
                  required: ['resume_file'],
                },
              },
            },
          },
        },
        responses: {
          201: jsonResponse(UploadResultSchema, 'Stored and read'),
          400: errorResponse('file_required'),
          ...authErrorResponses,
          408: errorResponse('request_timeout: the body stopped arriving for UPLOAD_IDLE_TIMEOUT_MS'),
          413: errorResponse('file_too_large'),
          415: errorResponse('unsupported_file_type'),
          422: errorResponse('unreadable_document'),
          429: errorResponse(
            'rate_limited: too many uploads by this user, or the server is busy (Retry-After)',
          ),
          503: errorResponse('storage_unavailable / database_unavailable'),
        },
      }),
      async (c) => {
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
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/resumes',
        tags: ['Resumes'],
        summary: 'The caller’s resumes, newest first',
        security: bearerSecurity,
        middleware: [guard] as const,
        responses: {
          200: jsonResponse(z.object({ resumes: z.array(ResumeSchema) }), 'The resumes'),
          ...authErrorResponses,
        },
      }),
      async (c) => c.json({ resumes: (await resumes.listForUser(c.var.user.id)).map(toResume) }, 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/resumes/{id}',
        tags: ['Resumes'],
        summary: 'One resume with its text and skills',
        security: bearerSecurity,
        middleware: [guard] as const,
        request: { params: ResumeIdParams },
        responses: {
          200: jsonResponse(ResumeDetailSchema, 'The resume'),
          ...authErrorResponses,
          404: errorResponse('not_found (also for another user’s resume)'),
        },
      }),
      async (c) => {
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
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/resumes/{id}/download',
        tags: ['Resumes'],
        summary:
          'The file: a redirect to a presigned URL (S3, at most 15 minutes) or the bytes (local storage)',
        security: bearerSecurity,
        middleware: [guard] as const,
        request: { params: ResumeIdParams },
        responses: {
          200: { description: 'The file, as an attachment (local storage)' },
          302: { description: 'Redirect to a presigned URL valid for at most 15 minutes' },
          ...authErrorResponses,
          404: errorResponse('not_found'),
          503: errorResponse('storage_unavailable'),
        },
      }),
      async (c) => {
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
      },
    )
    .openapi(
      createRoute({
        method: 'patch',
        path: '/api/resumes/{id}',
        tags: ['Resumes'],
        summary: 'Makes a resume the default (exactly one per user)',
        security: bearerSecurity,
        middleware: [deps.jsonBodyLimit, guard] as const,
        request: {
          params: ResumeIdParams,
          body: jsonBody(
            z.strictObject({
              is_default: z.literal(true, { error: 'only true: make another resume the default instead' }),
            }),
          ),
        },
        responses: {
          200: jsonResponse(ResumeSchema, 'The resume, now the default'),
          400: errorResponse('validation_error'),
          ...authErrorResponses,
          404: errorResponse('not_found'),
        },
      }),
      async (c) => {
        const resume = await resumes.makeDefault(c.var.user.id, c.req.valid('param').id, deps.clock.now());
        if (!resume) throw notFound('Resume');
        return c.json(toResume(resume), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/api/resumes/{id}',
        tags: ['Resumes'],
        summary: 'Deletes a resume: object, chunks, skills and row',
        security: bearerSecurity,
        middleware: [guard] as const,
        request: { params: ResumeIdParams },
        responses: {
          204: {
            description:
              'Deleted; the newest remaining resume becomes the default if this was it. The object is ' +
              'removed now, or, while storage is failing, recorded and removed by the retries and the sweep',
          },
          ...authErrorResponses,
          404: errorResponse('not_found'),
          503: errorResponse('database_unavailable: nothing was deleted'),
        },
      }),
      async (c) => {
        if (!(await pipeline.remove(c.var.user.id, c.req.valid('param').id))) throw notFound('Resume');
        return c.body(null, 204);
      },
    );
}
