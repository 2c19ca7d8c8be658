import { z } from '@hono/zod-openapi';
import type { Job, JobChanges, ListedJob } from '../../db/jobs';
import type { JobSkill, StoredOccupation } from '../../db/skills';
import { integerIdParam, uuidId } from '../../openapi';
import { cursorQuery, PaginationSchema, pageQuery } from '../../pagination';
import { type JobPatch, jobTypes } from '../../services/jobs/job-input';
import { OccupationSchema, toOccupation } from '../skills';

/** The shapes of /api/jobs (requests, answers) and the mapping of stored rows to them. */

const optionalFilter = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v === '' ? undefined : v));

export const ListQuerySchema = z
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

export const JobIdParams = z.object({ id: integerIdParam('id') });

export const JobSummarySchema = z
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

export const JobSchema = JobSummarySchema.extend({
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

export const MatchSchema = z
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

export const MatchQuerySchema = z.object({
  resume_id: uuidId().optional().openapi({ description: 'Default: the caller’s default resume' }),
});

export const RecommendedQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

export const RecommendedSchema = z
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

export const JobListItemSchema = JobSummarySchema.extend({
  description: z.string().optional().openapi({ description: 'Absent with `view=summary`' }),
}).openapi('JobListItem');

export const JobListSchema = z
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

export const ImportSummarySchema = z
  .object({
    created: z.number().int(),
    updated: z.number().int(),
    failed: z.array(z.object({ row: z.number().int(), error: z.string() })),
    failed_total: z.number().int(),
  })
  .openapi('ImportSummary');

export const toListItem = (job: ListedJob): z.infer<typeof JobListItemSchema> => ({
  id: job.id,
  title: job.title,
  company: job.company,
  location: job.location,
  job_type: job.jobType as z.infer<typeof JobSummarySchema>['job_type'],
  ...(job.description === undefined ? {} : { description: job.description }),
  created_at: job.createdAt.toISOString(),
});

export const toSummary = (job: Job): z.infer<typeof JobSummarySchema> => ({
  ...toListItem(job),
  description: job.description,
});

export const toJob = (
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

export function toChanges(patch: JobPatch): JobChanges {
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
