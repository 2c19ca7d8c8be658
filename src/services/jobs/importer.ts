import type { JobStore, NewJob } from '../../db/jobs';
import { issueDetails, nulField, nulMessage } from '../../openapi';
import { timeSlicer } from '../../scheduling';
import { clip, type ImportItem } from './import-parser';
import { type JobInput, JobInputSchema } from './job-input';

export interface ImportSummary {
  created: number;
  updated: number;
  /** The first `maxReportedFailures` bad rows. */
  failed: { row: number; error: string }[];
  /** Every bad row, also those not listed in `failed`. */
  failed_total: number;
}

export interface ImportOptions {
  now: Date;
  /** `source` of rows that name none. */
  defaultSource?: string;
  batchSize?: number;
  maxReportedFailures?: number;
  onProgress?: (progress: { rows: number; created: number; updated: number; failed: number }) => void;
}

/** Input field names to store column names. */
export function toNewJob(input: JobInput): NewJob {
  return {
    title: input.title,
    company: input.company,
    location: input.location,
    jobType: input.job_type,
    description: input.description,
    source: input.source ?? null,
    externalId: input.external_id ?? null,
    url: input.url ?? null,
    salaryMin: input.salary_min ?? null,
    salaryMax: input.salary_max ?? null,
    currency: input.currency ?? null,
    remote: input.remote ?? false,
  };
}

/**
 * A stable id for rows without `external_id`, so importing the same file twice creates nothing new:
 * a SHA-256 of the fields that identify a posting.
 */
async function contentId(job: NewJob): Promise<string> {
  const text = [job.title, job.company, job.location, job.jobType, job.description].join('\u0000');
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return `sha256:${Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Fields a row may name before it is refused unread (a job has `jobFields`; validating 30,000 costs). */
const maxRowFields = 256;
const jobFields = Object.keys(JobInputSchema.shape).length;

/** Fields named in one row's error, and characters of a field's name: the answer stays smaller than the row. */
const maxListedFields = 5;
const maxFieldName = 64;

function describeIssues(details: Record<string, string[]>): string {
  const entries = Object.entries(details);
  const listed = entries
    .slice(0, maxListedFields)
    .map(([field, messages]) => `${clip(field, maxFieldName)}: ${messages.join('; ')}`);
  const more = entries.length - maxListedFields;
  if (more > 0) listed.push(`and ${more} more field${more === 1 ? '' : 's'}`);
  return listed.join(', ');
}

/**
 * One job row (field name to value, as an import file or another database gives it) checked the way
 * the importer checks it: the job in store column names, or why the row is refused.
 */
export function validateJobRecord(record: Record<string, unknown>): { job: NewJob } | { error: string } {
  const fields = Object.keys(record).length;
  if (fields > maxRowFields)
    return { error: `has ${fields.toLocaleString('en-US')} fields; a job has ${jobFields}` };
  const parsed = JobInputSchema.safeParse(record);
  if (!parsed.success) return { error: describeIssues(issueDetails(parsed.error)) };
  const nul = nulField(parsed.data);
  if (nul !== undefined) return { error: describeIssues({ [nul]: [nulMessage] }) };
  return { job: toNewJob(parsed.data) };
}

/**
 * Validates parsed rows and upserts the good ones in batches (one transaction each), so memory
 * stays bounded by a batch and a bad row fails alone.
 */
export async function importJobs(
  items: AsyncIterable<ImportItem>,
  store: JobStore,
  options: ImportOptions,
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 500;
  const maxReported = options.maxReportedFailures ?? 1000;
  const defaultSource = options.defaultSource ?? 'import';
  const summary: ImportSummary = { created: 0, updated: 0, failed: [], failed_total: 0 };
  let batch: (NewJob & { source: string; externalId: string })[] = [];
  let rows = 0;

  const fail = (row: number, error: string) => {
    summary.failed_total++;
    if (summary.failed.length < maxReported) summary.failed.push({ row, error });
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const result = await store.upsertMany(batch, options.now);
    summary.created += result.created;
    summary.updated += result.updated;
    batch = [];
    options.onProgress?.({
      rows,
      created: summary.created,
      updated: summary.updated,
      failed: summary.failed_total,
    });
  };

  const giveWay = timeSlicer();
  for await (const item of items) {
    rows++;
    // Rows that arrived together are parsed in one go: other requests get the event loop now and then.
    await giveWay();
    if ('error' in item) {
      fail(item.row, item.error);
      continue;
    }
    const checked = validateJobRecord(item.record);
    if ('error' in checked) {
      fail(item.row, checked.error);
      continue;
    }
    const { job } = checked;
    const source = job.source ?? defaultSource;
    batch.push({ ...job, source, externalId: job.externalId ?? (await contentId(job)) });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}
