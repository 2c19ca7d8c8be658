import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { Clock } from '../clock';
import type { Job, JobChanges, JobStore, ListedJob } from '../db/jobs';
import type { ResumeStore } from '../db/resumes';
import type { JobSkill, SkillStore, StoredOccupation } from '../db/skills';
import type { AppEnv } from '../env';
import { AppError, notFound, stalledBody, validationError } from '../errors';
import { describeError, type Logger } from '../logger';
import type { AuthGuard } from '../middleware/auth';
import {
  authErrorResponses,
  bearerSecurity,
  createRouter,
  errorResponse,
  integerIdParam,
  jsonBody,
  jsonResponse,
  uuidId,
} from '../openapi';
import {
  cursorQuery,
  decodeCursor,
  encodeCursor,
  offsetOf,
  PaginationSchema,
  pageQuery,
  paginationBlock,
} from '../pagination';
import { ImportFormatError, importFormatOf, parseImport } from '../services/jobs/import-parser';
import { importJobs, toNewJob } from '../services/jobs/importer';
import { JobInputSchema, type JobPatch, JobPatchSchema, jobTypes } from '../services/jobs/job-input';
import type { SkillsBackfill } from '../services/skills/backfill';
import { scoreMatch } from '../services/skills/match';
import { recommendJobs } from '../services/skills/recommend';
import type { SkillsService } from '../services/skills/skills';
import { declaredTooLarge, idleLimit, limitBytes } from '../streams';
import { OccupationSchema, toOccupation } from './skills';

export interface JobRoutesDeps {
  /** The JSON body limit (413 payload_too_large), on the routes that take a JSON body. */
  jsonBodyLimit: MiddlewareHandler<AppEnv>;
  guard: AuthGuard;
  jobs: JobStore;
  clock: Clock;
  logger: Logger;
  /** Largest import body, bytes. */
  importMaxBytes: number;
  /** An import body that stops arriving for this long is answered 408. */
  idleTimeoutMs: number;
  resumes: ResumeStore;
  skillStore: SkillStore;
  /** Absent: jobs keep no skills (pending), recommendations answer 503. */
  skills: SkillsService | undefined;
  backfill: SkillsBackfill | undefined;
  /** Work that goes on after the response (skills of imported jobs). */
  background: (work: Promise<unknown>, c: Context) => void;
}

const optionalFilter = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v === '' ? undefined : v));

const ListQuerySchema = z
  .object({
    ...pageQuery,
    ...cursorQuery,
    job_type: z.enum(jobTypes).optional(),
    location: optionalFilter(200).openapi({ description: 'Case-insensitive substring; % and _ are literal' }),
    company: optionalFilter(200).openapi({ description: 'Case-insensitive substring; % and _ are literal' }),
    q: optionalFilter(500).openapi({ description: 'Full-text search over title, company and description' }),
    sort: z.enum(['newest', 'relevance']).default('newest'),
    view: z.enum(['full', 'summary']).default('full').openapi({
      description:
        '`summary`: each job without `description`, about a tenth of the bytes (lists on small screens)',
    }),
  })
  .refine((query) => query.sort !== 'relevance' || query.q !== undefined, {
    message: 'sort=relevance needs q',
    path: ['sort'],
  })
  .refine((query) => query.cursor === undefined || query.sort === 'newest', {
    message: 'cursor continues a newest-first list (sort=newest)',
    path: ['cursor'],
  })
  .refine((query) => query.cursor === undefined || query.page === 1, {
    message: 'give cursor or page, not both',
    path: ['cursor'],
  });

const JobIdParams = z.object({ id: integerIdParam('id') });

const JobSummarySchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    company: z.string(),
    location: z.string(),
    job_type: z.enum(jobTypes),
    description: z.string(),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('JobSummary');

const JobSchema = JobSummarySchema.extend({
  updated_at: z.string().openapi({ format: 'date-time' }),
  source: z.string().nullable(),
  external_id: z.string().nullable(),
  url: z.string().nullable(),
  salary_min: z.number().int().nullable(),
  salary_max: z.number().int().nullable(),
  currency: z.string().nullable(),
  remote: z.boolean(),
  skills: z.array(z.object({ id: z.string(), name: z.string() })),
  occupations: z.array(OccupationSchema),
}).openapi('Job');

const SkillRefSchema = z.object({ id: z.string(), name: z.string(), type: z.string() });

const MatchSchema = z
  .object({
    job_id: z.number().int(),
    resume_id: z.string(),
    score: z.number().int().min(0).max(100),
    matched_skills: z.array(
      SkillRefSchema.extend({
        match: z.literal('exact').openapi({ description: 'the resume shows this skill' }),
      }),
    ),
    missing_skills: z.array(
      SkillRefSchema.extend({
        closest: z.object({ id: z.string(), name: z.string() }).optional().openapi({
          description:
            'a related skill the resume shows (half credit in the score); the job skill itself is still missing',
        }),
      }),
    ),
  })
  .openapi('JobMatch');

const MatchQuerySchema = z.object({
  resume_id: uuidId().optional().openapi({ description: 'Default: the caller’s default resume' }),
});

const RecommendedQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

const RecommendedSchema = z
  .object({
    jobs: z.array(
      JobSummarySchema.extend({
        score: z
          .number()
          .int()
          .min(0)
          .max(100)
          .openapi({ description: 'How well the job fits the resume: skills (both ways) and title' }),
      }),
    ),
  })
  .openapi('RecommendedJobs');

const JobListItemSchema = JobSummarySchema.extend({
  description: z.string().optional().openapi({ description: 'Absent with `view=summary`' }),
}).openapi('JobListItem');

const JobListSchema = z
  .object({
    jobs: z.array(JobListItemSchema),
    // The seed's block, as it was; the cursor beside it.
    pagination: PaginationSchema,
    next_cursor: z.string().nullable().openapi({
      description:
        'Newest first only: pass it as `cursor` for the next page (keyset: as fast however deep); null on the last page and with sort=relevance',
    }),
  })
  .openapi('JobList');

const ImportSummarySchema = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    failed: z.array(z.object({ row: z.number().int(), error: z.string() })),
    failed_total: z.number().int(),
  })
  .openapi('ImportSummary');

const toListItem = (job: ListedJob): z.infer<typeof JobListItemSchema> => ({
  id: job.id,
  title: job.title,
  company: job.company,
  location: job.location,
  job_type: job.jobType as z.infer<typeof JobSummarySchema>['job_type'],
  ...(job.description === undefined ? {} : { description: job.description }),
  created_at: job.createdAt.toISOString(),
});

const toSummary = (job: Job): z.infer<typeof JobSummarySchema> => ({
  ...toListItem(job),
  description: job.description,
});

const toJob = (
  job: Job,
  skills: readonly JobSkill[],
  occupations: readonly StoredOccupation[],
): z.infer<typeof JobSchema> => ({
  ...toSummary(job),
  updated_at: job.updatedAt.toISOString(),
  source: job.source,
  external_id: job.externalId,
  url: job.url,
  salary_min: job.salaryMin,
  salary_max: job.salaryMax,
  currency: job.currency,
  remote: job.remote,
  skills: skills.map((s) => ({ id: s.skillId, name: s.name })),
  occupations: occupations.map(toOccupation),
});

function toChanges(patch: JobPatch): JobChanges {
  const changes: JobChanges = {};
  if (patch.title !== undefined) changes.title = patch.title;
  if (patch.company !== undefined) changes.company = patch.company;
  if (patch.location !== undefined) changes.location = patch.location;
  if (patch.job_type !== undefined) changes.jobType = patch.job_type;
  if (patch.description !== undefined) changes.description = patch.description;
  if (patch.external_id !== undefined) changes.externalId = patch.external_id;
  if (patch.source !== undefined) changes.source = patch.source;
  if (patch.url !== undefined) changes.url = patch.url;
  if (patch.salary_min !== undefined) changes.salaryMin = patch.salary_min;
  if (patch.salary_max !== undefined) changes.salaryMax = patch.salary_max;
  if (patch.currency !== undefined) changes.currency = patch.currency;
  if (patch.remote !== undefined) changes.remote = patch.remote;
  return changes;
}

const writeResponses = {
  400: errorResponse('validation_error'),
  ...authErrorResponses,
  404: errorResponse('not_found'),
  409: errorResponse('conflict: another job has the same source and external_id'),
};

export function jobRoutes(deps: JobRoutesDeps) {
  const { jobs, clock, skillStore, logger } = deps;
  const reader = deps.guard();
  const writer = deps.guard({ scopes: ['write:jobs'] });

  /**
   * Reads a written job's skills before answering. A failure here never fails the write: the
   * job stays marked pending (or partial, when Chroma is down) and the backfill completes it.
   */
  async function withSkills(job: Job) {
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
    return jobWithSkills(job);
  }

  /** A job as the API shows it, with its skills and occupations as stored. */
  async function jobWithSkills(job: Job) {
    const [skills, occupations] = await Promise.all([
      skillStore.jobSkills(job.id),
      skillStore.jobOccupations(job.id),
    ]);
    return toJob(job, skills, occupations);
  }

  /** The caller's resume for matching: the one asked for, else the default one. */
  async function resumeFor(userId: number, resumeId: string | undefined) {
    const resume = resumeId
      ? await deps.resumes.get(userId, resumeId)
      : (await deps.resumes.listForUser(userId)).find((r) => r.isDefault);
    if (!resume) throw notFound(resumeId ? 'Resume' : 'Default resume (upload one first)');
    return resume;
  }

  const relatedOf = async () =>
    deps.skills ? deps.skills.relatedOf() : (_: string): readonly string[] => [];

  return (
    createRouter()
      .openapi(
        createRoute({
          method: 'post',
          path: '/api/jobs/import',
          tags: ['Jobs'],
          summary: 'Bulk upsert on (source, external_id) from a JSON array, NDJSON or CSV body',
          description:
            'Streamed and batched: memory stays bounded whatever the body size. Each bad row is reported ' +
            'as {row, error} while good rows land. Rows without external_id get a stable content hash, ' +
            'rows without source get "import". `failed` lists the first 1000 bad rows; `failed_total` counts all.',
          security: bearerSecurity,
          middleware: [writer] as const,
          // Plain schema objects, not zod: a zod body would make the validator buffer the whole body,
          // and this route streams it through its own parser and per-row validation.
          request: {
            body: {
              required: true,
              content: {
                'application/json': {
                  schema: { type: 'array', items: { $ref: '#/components/schemas/JobInput' } },
                },
                'application/x-ndjson': {
                  schema: { type: 'string', description: 'One JobInput object a line' },
                },
                'text/csv': {
                  schema: { type: 'string', description: 'A header row with JobInput field names' },
                },
              },
            },
          },
          responses: {
            200: jsonResponse(ImportSummarySchema, 'What landed and what failed'),
            400: errorResponse('validation_error: the body is not a JSON array, or the CSV has no header'),
            ...authErrorResponses,
            408: errorResponse('request_timeout: the body stopped arriving for UPLOAD_IDLE_TIMEOUT_MS'),
            413: errorResponse('payload_too_large'),
            415: errorResponse('unsupported_file_type: not JSON, NDJSON or CSV'),
          },
        }),
        async (c) => {
          const format = importFormatOf(c.req.header('content-type'));
          if (!format) {
            throw new AppError(
              'unsupported_file_type',
              'Send application/json, application/x-ndjson or text/csv',
            );
          }
          const tooLarge = () =>
            new AppError('payload_too_large', `An import is limited to ${deps.importMaxBytes} bytes`);
          if (declaredTooLarge(c.req.header('content-length'), deps.importMaxBytes)) throw tooLarge();
          const body = c.req.raw.body;
          if (!body) throw validationError({ body: ['is empty'] }, 'The import body is empty');
          try {
            const stalled = stalledBody(deps.idleTimeoutMs);
            const items = parseImport(
              limitBytes(idleLimit(body, deps.idleTimeoutMs, stalled), deps.importMaxBytes, tooLarge),
              format,
            );
            const summary = await importJobs(items, jobs, { now: clock.now() });
            // Imported jobs are marked pending; their skills are read in batches after the answer.
            if (deps.backfill && summary.created + summary.updated > 0)
              deps.background(deps.backfill.run(), c);
            return c.json(summary, 200);
          } catch (err) {
            if (err instanceof ImportFormatError) throw validationError({ body: [err.message] }, err.message);
            throw err;
          }
        },
      )
      .openapi(
        createRoute({
          method: 'get',
          path: '/api/jobs',
          tags: ['Jobs'],
          summary: 'Active jobs, newest first or by relevance, with filters and full-text search',
          security: bearerSecurity,
          middleware: [reader] as const,
          request: { query: ListQuerySchema },
          responses: {
            200: jsonResponse(JobListSchema, 'A page of jobs and the pagination block'),
            400: errorResponse('validation_error'),
            ...authErrorResponses,
          },
        }),
        async (c) => {
          const query = c.req.valid('query');
          const { jobs: rows, total } = await jobs.list(
            {
              jobType: query.job_type,
              location: query.location,
              company: query.company,
              q: query.q,
              sort: query.sort,
            },
            query.cursor === undefined
              ? { offset: offsetOf(query.page, query.limit), limit: query.limit }
              : { offset: 0, limit: query.limit, after: decodeCursor(query.cursor) },
            { description: query.view === 'full' },
          );
          const block = paginationBlock(total, query.page, query.limit);
          // After a cursor the page number is unknown: a full page may have more after it (the
          // next one is then empty at the very end of the list).
          const more = query.cursor === undefined ? block.has_next : rows.length === query.limit;
          const last = rows.at(-1);
          const nextCursor = query.sort === 'newest' && last && more ? encodeCursor(last) : null;
          return c.json(
            {
              jobs: rows.map(toListItem),
              pagination: query.cursor === undefined ? block : { ...block, has_next: more, has_prev: true },
              next_cursor: nextCursor,
            },
            200,
          );
        },
      )
      // Before /api/jobs/{id}, which would take "recommended" for an id.
      .openapi(
        createRoute({
          method: 'get',
          path: '/api/jobs/recommended',
          tags: ['Jobs'],
          summary: 'Active jobs ranked by how well the caller’s default resume matches them',
          description:
            'Candidates are the jobs whose skills are nearest the resume’s in the vector store; only those ' +
            'are scored, so the cost does not grow with the board. 404 without a default resume.',
          security: bearerSecurity,
          middleware: [deps.guard({ hydrate: true })] as const,
          request: { query: RecommendedQuerySchema },
          responses: {
            200: jsonResponse(RecommendedSchema, 'Best first'),
            400: errorResponse('validation_error'),
            ...authErrorResponses,
            404: errorResponse('not_found: no default resume'),
            503: errorResponse('vector_store_unavailable'),
          },
        }),
        async (c) => {
          const { limit } = c.req.valid('query');
          if (!deps.skills)
            throw new AppError('vector_store_unavailable', 'Recommendations need the vector store');
          const resume = await resumeFor(c.var.user.id, undefined);
          const [withText, resumeSkills, occupations] = await Promise.all([
            deps.resumes.get(c.var.user.id, resume.id),
            skillStore.resumeSkills(resume.id),
            skillStore.resumeOccupations(resume.id),
          ]);
          const ranked = await recommendJobs(
            { skills: deps.skills, skillStore, jobs },
            { text: withText?.text ?? '', skills: resumeSkills, occupations },
            limit,
          );
          return c.json({ jobs: ranked.map(({ job, score }) => ({ ...toSummary(job), score })) }, 200);
        },
      )
      .openapi(
        createRoute({
          method: 'get',
          path: '/api/jobs/{id}/match',
          tags: ['Jobs'],
          summary: 'How well a resume (default: the caller’s default one) covers a job’s skills',
          description:
            'Score 0-100: the weighted share of the job’s skills the resume shows, with half credit for a ' +
            'related skill. Only skills the resume shows are matched; a job skill the resume has only ' +
            'something related to is missing, with `closest` naming it. A job whose skills are not read yet ' +
            'scores 0 with empty lists.',
          security: bearerSecurity,
          middleware: [deps.guard({ hydrate: true })] as const,
          request: { params: JobIdParams, query: MatchQuerySchema },
          responses: {
            200: jsonResponse(MatchSchema, 'The match'),
            400: errorResponse('validation_error'),
            ...authErrorResponses,
            404: errorResponse('not_found: no such job, or no such resume of the caller'),
          },
        }),
        async (c) => {
          const { id } = c.req.valid('param');
          const job = await jobs.get(id);
          if (!job) throw notFound('Job');
          const resume = await resumeFor(c.var.user.id, c.req.valid('query').resume_id);
          const [jobSkills, resumeSkills, related] = await Promise.all([
            skillStore.jobSkills(job.id),
            skillStore.resumeSkills(resume.id),
            relatedOf(),
          ]);
          const result = scoreMatch(jobSkills, resumeSkills, related);
          return c.json(
            {
              job_id: job.id,
              resume_id: resume.id,
              score: result.score,
              matched_skills: result.matched,
              missing_skills: result.missing,
            },
            200,
          );
        },
      )
      .openapi(
        createRoute({
          method: 'get',
          path: '/api/jobs/{id}',
          tags: ['Jobs'],
          summary: 'One active job with its skills',
          security: bearerSecurity,
          middleware: [reader] as const,
          request: { params: JobIdParams },
          responses: {
            200: jsonResponse(JobSchema, 'The job'),
            400: errorResponse('validation_error'),
            ...authErrorResponses,
            404: errorResponse('not_found: no such job, or it is inactive'),
          },
        }),
        async (c) => {
          const job = await jobs.get(c.req.valid('param').id);
          if (!job) throw notFound('Job');
          return c.json(await jobWithSkills(job), 200);
        },
      )
      .openapi(
        createRoute({
          method: 'post',
          path: '/api/jobs',
          tags: ['Jobs'],
          summary: 'Creates a job (scope write:jobs)',
          security: bearerSecurity,
          middleware: [deps.jsonBodyLimit, writer] as const,
          request: { body: jsonBody(JobInputSchema) },
          responses: { 201: jsonResponse(JobSchema, 'The new job'), ...writeResponses },
        }),
        async (c) => {
          const input = toNewJob(c.req.valid('json'));
          // An external id means nothing without its source; manual entries share one.
          const job = await jobs.create(
            input.externalId && !input.source ? { ...input, source: 'manual' } : input,
            clock.now(),
          );
          c.header('Location', `/api/jobs/${job.id}`);
          return c.json(await withSkills(job), 201);
        },
      )
      .openapi(
        createRoute({
          method: 'patch',
          path: '/api/jobs/{id}',
          tags: ['Jobs'],
          summary: 'Changes some fields of an active job (scope write:jobs)',
          security: bearerSecurity,
          middleware: [deps.jsonBodyLimit, writer] as const,
          request: { params: JobIdParams, body: jsonBody(JobPatchSchema) },
          responses: { 200: jsonResponse(JobSchema, 'The job after the change'), ...writeResponses },
        }),
        async (c) => {
          const { id } = c.req.valid('param');
          const changes = toChanges(c.req.valid('json'));
          const current = await jobs.get(id);
          if (!current) throw notFound('Job');
          const salaryMin = changes.salaryMin !== undefined ? changes.salaryMin : current.salaryMin;
          const salaryMax = changes.salaryMax !== undefined ? changes.salaryMax : current.salaryMax;
          if (salaryMin !== null && salaryMax !== null && salaryMin > salaryMax) {
            throw validationError({ salary_max: ['must not be below salary_min'] });
          }
          const job = await jobs.update(id, changes, clock.now());
          if (!job) throw notFound('Job');
          if (changes.title === undefined && changes.description === undefined) {
            return c.json(await jobWithSkills(job), 200);
          }
          return c.json(await withSkills(job), 200);
        },
      )
      .openapi(
        createRoute({
          method: 'delete',
          path: '/api/jobs/{id}',
          tags: ['Jobs'],
          summary: 'Deactivates a job (soft delete; scope write:jobs)',
          security: bearerSecurity,
          middleware: [writer] as const,
          request: { params: JobIdParams },
          responses: {
            204: { description: 'Deactivated (also when it already was)' },
            ...authErrorResponses,
            404: errorResponse('not_found'),
          },
        }),
        async (c) => {
          const { id } = c.req.valid('param');
          if (!(await jobs.deactivate(id, clock.now()))) throw notFound('Job');
          // Out of the recommendations index too; they also skip inactive jobs if this fails.
          if (deps.skills) deps.background(deps.skills.unindexJobs([id]), c);
          return c.body(null, 204);
        },
      )
  );
}
