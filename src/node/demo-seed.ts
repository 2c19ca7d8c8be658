import type { JobStore } from '../db/jobs';
import { generateDemoJobs, type OnetJobData } from './demo-jobs';

/**
 * Fills a job board with generated postings, in batches through the same upsert as imports (so
 * running it twice with the same seed creates nothing new).
 */
export async function seedDemoJobs(
  store: JobStore,
  data: OnetJobData,
  options: {
    count: number;
    seed?: number;
    now: Date;
    batchSize?: number;
    onProgress?: (done: number) => void;
  },
): Promise<{ created: number; updated: number }> {
  const batchSize = options.batchSize ?? 1000;
  const jobs = generateDemoJobs(data, options.count, { seed: options.seed, now: options.now });
  const total = { created: 0, updated: 0 };
  for (let i = 0; i < jobs.length; i += batchSize) {
    const batch = jobs.slice(i, i + batchSize).map((job) => ({
      title: job.title,
      company: job.company,
      location: job.location,
      jobType: job.job_type,
      description: job.description,
      source: job.source,
      externalId: job.external_id,
      url: job.url,
      salaryMin: job.salary_min,
      salaryMax: job.salary_max,
      currency: job.currency,
      remote: job.remote,
      createdAt: job.created_at,
    }));
    const result = await store.upsertMany(batch, options.now);
    total.created += result.created;
    total.updated += result.updated;
    options.onProgress?.(Math.min(i + batchSize, jobs.length));
  }
  return total;
}
