import { z } from '@hono/zod-openapi';
import {
  type Application,
  applicationEventTypes,
  type ListedApplication,
  type TimelineEntry,
} from '../../db/applications';
import { maxIntegerId, uuidId, uuidIdParam } from '../../openapi';
import { PaginationSchema, pageQuery } from '../../pagination';
import type { BoardPosting } from '../../services/applications/service';
import type { ApplicationStats } from '../../services/applications/stats';
import { applicationStatuses, describeTransitions } from '../../services/applications/transitions';
import { httpUrlInput, nonBlankText } from '../../services/validation';

/** Request and response schemas of /api/applications: they validate and they make the document. */

const statusError = { error: `must be one of ${applicationStatuses.join(', ')}` };
export const ApplicationStatusSchema = z.enum(applicationStatuses, statusError);

/** Times outside these years are refused: the databases' ranges differ, and no application needs them. */
const earliest = Date.UTC(1900, 0, 1);
const latest = Date.UTC(10_000, 0, 1);

/** An ISO 8601 time with `Z` or an offset (`2026-03-01T09:30:00Z`, `2026-03-01T10:30:00+01:00`). */
const dateTimeInput = () =>
  z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date and time with Z or an offset' })
    .transform((text) => new Date(text))
    .refine((date) => date.getTime() >= earliest && date.getTime() < latest, {
      message: 'must be between the years 1900 and 9999',
    })
    .openapi({ format: 'date-time', example: '2026-03-01T09:30:00Z' });

const requiredText = (max: number) => nonBlankText(max);
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

const transitionsText = `Status moves: ${describeTransitions()}. Any other move is 409 conflict; setting the status it already has changes nothing.`;

export const CreateApplicationSchema = z
  .strictObject({
    job_id: z.number().int().min(1).max(maxIntegerId).optional().openapi({
      description:
        'A posting on the board (active). Its title, company, url, location and description are copied in.',
    }),
    title: requiredText(200)
      .optional()
      .openapi({ description: 'An outside posting (without job_id): required' }),
    company: requiredText(200).optional().openapi({ description: 'An outside posting: required' }),
    url: httpUrlInput().openapi({ description: 'An outside posting: required, http(s)' }),
    location: optionalText(200),
    description: optionalText(20_000).openapi({
      description: 'An outside posting: its text, read for skills (match snapshot) and given to chat',
    }),
    resume_id: uuidId()
      .nullable()
      .optional()
      .openapi({ description: 'Default: the caller’s default resume; null: none (no match snapshot)' }),
    status: ApplicationStatusSchema.default('saved'),
    applied_at: dateTimeInput()
      .optional()
      .openapi({ description: 'Default: now when status is applied or later; not with status saved' }),
    next_action_at: dateTimeInput().nullable().optional().openapi({ description: 'A follow-up date' }),
    notes: z.string().max(10_000).nullable().optional(),
  })
  .superRefine((body, ctx) => {
    const outside = ['title', 'company', 'url', 'location', 'description'] as const;
    if (body.job_id !== undefined) {
      for (const field of outside) {
        if (body[field] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: 'comes from the posting on the board: leave it out with job_id',
          });
        }
      }
    } else {
      for (const field of ['title', 'company', 'url'] as const) {
        if (body[field] === undefined || body[field] === null) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            message: 'is required for a posting not on the board (or give job_id)',
          });
        }
      }
    }
    if (body.applied_at !== undefined && body.status === 'saved') {
      ctx.addIssue({
        code: 'custom',
        path: ['applied_at'],
        message: 'is only for an application that was sent (status applied or later, or withdrawn)',
      });
    }
  })
  .openapi('ApplicationInput', {
    description: `A posting on the board (job_id) or an outside one (title, company, url). ${transitionsText}`,
  });

export const UpdateApplicationSchema = z
  .strictObject({
    status: ApplicationStatusSchema.optional(),
    notes: z.string().max(10_000).nullable().optional(),
    next_action_at: dateTimeInput().nullable().optional(),
    resume_id: uuidId()
      .nullable()
      .optional()
      .openapi({ description: 'Another of the caller’s resumes (a new match snapshot), or null for none' }),
  })
  .refine((body) => Object.keys(body).length > 0, {
    message: 'send at least one field to change',
    // Only for a body with nothing wrong in it: an unknown field alone is reported as that.
    when: (payload) => payload.issues.length === 0,
  })
  .openapi('ApplicationPatch', { description: transitionsText });

export const EventInputSchema = z
  .strictObject({
    type: z.enum(applicationEventTypes, { error: `must be one of ${applicationEventTypes.join(', ')}` }),
    at: dateTimeInput().optional().openapi({ description: 'Default: now' }),
    text: requiredText(5_000),
  })
  .openapi('ApplicationEventInput');

/** Line breaks and other control characters are refused: `q` is a substring of one line. */
const searchText = z
  .string()
  .trim()
  .max(200)
  // A refinement, not .regex(): the document would carry the pattern with its `u` flag mangled.
  .refine((text) => !/\p{Cc}/u.test(text), 'must not contain control characters')
  .optional()
  .transform((v) => (v === '' ? undefined : v));

export const ListQuerySchema = z.object({
  ...pageQuery,
  status: ApplicationStatusSchema.optional(),
  due_before: dateTimeInput()
    .optional()
    .openapi({ description: 'Follow-ups due: next_action_at at or before this time' }),
  q: searchText.openapi({ description: 'A case-insensitive substring of the title or the company' }),
  sort: z
    .enum(['updated', 'applied', 'next_action'], { error: 'must be updated, applied or next_action' })
    .default('updated')
    .openapi({
      description:
        '`updated`: last changed first; `applied`: last applied first, never applied last; `next_action`: soonest follow-up first, none last',
    }),
});

export const ApplicationIdParams = z.object({ id: uuidIdParam('id') });

const time = () => z.string().openapi({ format: 'date-time' });

const SkillRef = z.object({ id: z.string(), name: z.string(), type: z.string() });

export const MatchSnapshotSchema = z
  .object({
    score: z.number().int().min(0).max(100),
    matched_skills: z.array(SkillRef.extend({ match: z.literal('exact') })),
    missing_skills: z.array(
      SkillRef.extend({ closest: z.object({ id: z.string(), name: z.string() }).optional() }),
    ),
  })
  .openapi('ApplicationMatch', {
    description:
      'The match when the application was made (or its resume changed), as GET /api/jobs/{id}/match computes it',
  });

export const ApplicationSchema = z
  .object({
    id: z.string().openapi({ format: 'uuid' }),
    status: ApplicationStatusSchema,
    job_id: z.number().int().nullable(),
    title: z.string(),
    company: z.string(),
    url: z.string().nullable(),
    location: z.string().nullable(),
    resume_id: z.string().nullable(),
    match: MatchSnapshotSchema.nullable().openapi({
      description: 'Null without a resume, or when the posting or the resume has no skills to match',
    }),
    notes: z.string().nullable(),
    applied_at: time().nullable(),
    next_action_at: time().nullable(),
    created_at: time(),
    updated_at: time(),
  })
  .openapi('Application');

export const TimelineEntrySchema = z
  .object({
    type: z.enum(['status', ...applicationEventTypes]),
    at: time(),
    text: z.string().optional().openapi({ description: 'interview, note and contact entries' }),
    from: ApplicationStatusSchema.nullable()
      .optional()
      .openapi({ description: 'status entries: the status before (null for the initial one)' }),
    to: ApplicationStatusSchema.optional().openapi({ description: 'status entries: the status after' }),
  })
  .openapi('ApplicationTimelineEntry');

export const ApplicationDetailSchema = ApplicationSchema.extend({
  timeline: z.array(TimelineEntrySchema).openapi({ description: 'Oldest first' }),
  job: z
    .object({ id: z.number().int(), title: z.string(), company: z.string(), is_active: z.boolean() })
    .nullable()
    .openapi({
      description:
        'The posting on the board as it is now (is_active false once it was deleted from the board); null for an outside posting or a posting whose row is gone',
    }),
}).openapi('ApplicationDetail');

export const ApplicationListSchema = z
  .object({ applications: z.array(ApplicationSchema), pagination: PaginationSchema })
  .openapi('ApplicationList');

const count = () => z.number().int().min(0);

export const StatsSchema = z
  .object({
    by_status: z.object(
      Object.fromEntries(applicationStatuses.map((s) => [s, count()])) as Record<
        (typeof applicationStatuses)[number],
        ReturnType<typeof count>
      >,
    ),
    response_rate: z.number().min(0).max(1).nullable(),
    median_days_to_response: z.number().min(0).nullable(),
    by_month: z.array(
      z.object({
        month: z.string().openapi({ example: '2026-03' }),
        created: count(),
        applied: count(),
        responses: count(),
      }),
    ),
  })
  .openapi('ApplicationStats');

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toApplicationJson(
  application: ListedApplication | Application,
): z.infer<typeof ApplicationSchema> {
  return {
    id: application.id,
    status: application.status,
    job_id: application.jobId,
    title: application.title,
    company: application.company,
    url: application.url,
    location: application.location,
    resume_id: application.resumeId,
    match: application.match,
    notes: application.notes,
    applied_at: iso(application.appliedAt),
    next_action_at: iso(application.nextActionAt),
    created_at: application.createdAt.toISOString(),
    updated_at: application.updatedAt.toISOString(),
  };
}

export function toTimelineJson(entry: TimelineEntry): z.infer<typeof TimelineEntrySchema> {
  const at = entry.at.toISOString();
  return entry.type === 'status'
    ? { type: 'status', at, from: entry.from, to: entry.to }
    : { type: entry.type, at, text: entry.text };
}

export const toJobJson = (job: BoardPosting | null) =>
  job ? { id: job.id, title: job.title, company: job.company, is_active: job.isActive } : null;

export const toStatsJson = (stats: ApplicationStats): z.infer<typeof StatsSchema> => stats;
