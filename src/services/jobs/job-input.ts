import { z } from '@hono/zod-openapi';
import { currencyCodeInput, httpUrlInput, nonBlankText } from '../validation';

/** The job types of the contract. */
export const jobTypes = ['full-time', 'part-time', 'contract', 'internship', 'temporary'] as const;
export type JobType = (typeof jobTypes)[number];

const requiredText = (max: number) => nonBlankText(max);
const optionalText = (max: number) =>
  z.string().trim().min(1).max(max).openapi({ pattern: '\\S' }).nullable().optional();
const salary = z.number().int().min(0).max(100_000_000).nullable().optional();

/**
 * A job as clients write it (POST, import rows; PATCH takes any subset). The same schema validates
 * requests and documents them in OpenAPI.
 */
const jobFields = {
  title: requiredText(200),
  company: requiredText(200),
  location: requiredText(200),
  job_type: z.enum(jobTypes, { error: `must be one of ${jobTypes.join(', ')}` }),
  description: requiredText(20_000),
  external_id: optionalText(200),
  source: optionalText(100),
  url: httpUrlInput(),
  salary_min: salary,
  salary_max: salary,
  currency: currencyCodeInput(),
  remote: z.boolean().optional(),
};

const salaryOrder = (job: { salary_min?: number | null; salary_max?: number | null }) =>
  job.salary_min == null || job.salary_max == null || job.salary_min <= job.salary_max;
const salaryIssue = { message: 'must not be below salary_min', path: ['salary_max'] };

export const JobInputSchema = z.strictObject(jobFields).refine(salaryOrder, salaryIssue).openapi('JobInput');
export const JobPatchSchema = z
  .strictObject(jobFields)
  .partial()
  .refine(salaryOrder, salaryIssue)
  .openapi('JobPatch');

export type JobInput = z.infer<typeof JobInputSchema>;
export type JobPatch = z.infer<typeof JobPatchSchema>;
