import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { type DemoJob, generateDemoJobs, type OnetJobData } from '../src/node/demo-jobs';

/** The CSV header: the JobInput field names (`created_at` is not one: imported rows get the import's time). */
export const csvFields = [
  'title',
  'company',
  'location',
  'job_type',
  'description',
  'external_id',
  'source',
  'url',
  'salary_min',
  'salary_max',
  'currency',
  'remote',
] as const satisfies readonly (keyof DemoJob)[];

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, its quotes doubled; null is an empty cell. */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(job: DemoJob): string {
  return `${csvFields.map((field) => csvCell(job[field] as string | number | boolean | null)).join(',')}\r\n`;
}

/**
 * Writes `count` demo postings (generateDemoJobs, `seed`) to `file` as CSV, generated in chunks so
 * that memory holds one chunk, not the whole set. Returns the file's size in bytes.
 */
export async function writeDemoCsv(
  file: string,
  data: OnetJobData,
  count: number,
  options: { seed?: number; now?: Date; chunk?: number } = {},
): Promise<number> {
  const chunk = options.chunk ?? 5_000;
  const out = createWriteStream(file);
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  let bytes = 0;
  const write = async (text: string) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
  };
  await write(`${csvFields.join(',')}\r\n`);
  for (let offset = 0; offset < count; offset += chunk) {
    const jobs = generateDemoJobs(data, Math.min(chunk, count - offset), {
      seed: options.seed,
      now: options.now,
      offset,
    });
    await write(jobs.map(csvRow).join(''));
  }
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return bytes;
}
