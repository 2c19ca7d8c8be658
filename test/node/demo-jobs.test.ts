import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DemoJob,
  generateDemoJobs,
  type OnetJobData,
  onetJobDataFromJson,
} from '../../src/node/demo-jobs';
import { JobInputSchema, jobTypes } from '../../src/services/jobs/job-input';

const dataFile = fileURLToPath(new URL('../../data/onet-jobs.json', import.meta.url));
const moduleFile = fileURLToPath(new URL('../../src/node/demo-jobs.ts', import.meta.url));
const now = new Date('2025-06-01T12:00:00Z');
const DAY = 86_400_000;

let data: OnetJobData;
let jobs: DemoJob[];
let allTasks: Set<string>;
let allTechnologies: string[];

beforeAll(() => {
  data = onetJobDataFromJson(JSON.parse(readFileSync(dataFile, 'utf8')));
  jobs = generateDemoJobs(data, 1000, { seed: 7, now });
  allTasks = new Set(data.occupations.flatMap((o) => o.tasks));
  allTechnologies = [...new Set(data.occupations.flatMap((o) => o.technologies))];
});

const withoutDate = ({ created_at: _, ...job }: DemoJob) => job;

describe('data/onet-jobs.json', () => {
  it('carries the O*NET source and attribution and hundreds of occupations', () => {
    expect(data.source).toBe('O*NET 29.2 Database');
    expect(data.attribution).toContain('O*NET 29.2 Database by the U.S. Department of Labor');
    expect(data.attribution).toContain('CC BY 4.0');
    expect(data.occupations.length).toBeGreaterThanOrEqual(700);
    expect(data.occupations.length).toBeLessThanOrEqual(950);
    const codes = data.occupations.map((o) => o.code);
    expect(codes).toEqual([...codes].sort());
    expect(codes.some((c) => c.startsWith('55-'))).toBe(false);
    for (const occ of data.occupations) {
      expect(occ.tasks.length).toBeGreaterThanOrEqual(4);
      expect(occ.technologies.length).toBeGreaterThanOrEqual(4);
      expect(occ.alternate_titles.length).toBeLessThanOrEqual(8);
    }
  });
});

describe('onetJobDataFromJson', () => {
  it('rejects files of the wrong shape with a clear error', () => {
    expect(() => onetJobDataFromJson([])).toThrow(/Not an O\*NET jobs data file/);
    expect(() => onetJobDataFromJson({ source: 'x', attribution: 'y', occupations: [] })).toThrow(
      /occupations/,
    );
    const broken = {
      source: 'x',
      attribution: 'y',
      occupations: [
        { code: '1', title: 't', posting_title: null, alternate_titles: ['a'], description: 'd' },
      ],
    };
    expect(() => onetJobDataFromJson(broken)).toThrow(/occupations\[0\]\.tasks/);
  });
});

describe('generateDemoJobs', () => {
  it('is deterministic for a seed, and postings do not depend on the count or chunking', () => {
    const again = generateDemoJobs(data, 1000, { seed: 7, now });
    expect(again).toEqual(jobs);
    expect(generateDemoJobs(data, 10, { seed: 7, now })).toEqual(jobs.slice(0, 10));
    const chunk = generateDemoJobs(data, 100, { seed: 7, now, offset: 500 });
    expect(chunk).toEqual(jobs.slice(500, 600));
  });

  it('differs between seeds', () => {
    const other = generateDemoJobs(data, 1000, { seed: 8, now });
    const same = other.filter((job, i) => job.title === jobs[i]?.title && job.company === jobs[i]?.company);
    expect(same.length).toBeLessThan(20);
    expect(other[0]?.external_id).toBe('demo-8-0');
  });

  it('produces valid job input for every posting', () => {
    for (const job of [...jobs, ...generateDemoJobs(data, 1000, { seed: 99, now, source: 'bench' })]) {
      const parsed = JobInputSchema.safeParse(withoutDate(job));
      if (!parsed.success) throw new Error(`${job.external_id}: ${parsed.error.message}`);
    }
  });

  it('fills ids, source and urls', () => {
    jobs.forEach((job, i) => {
      expect(job.external_id).toBe(`demo-7-${i}`);
      expect(job.source).toBe('demo');
      expect(job.url).toMatch(new RegExp(`^https://jobs\\.example\\.com/[a-z0-9-]+-${i}$`));
    });
    expect(generateDemoJobs(data, 1, { seed: 3, now, source: 'bench' })[0]?.source).toBe('bench');
    expect(generateDemoJobs(data, 0, { now })).toEqual([]);
    expect(() => generateDemoJobs(data, -1)).toThrow(RangeError);
    expect(() => generateDemoJobs(data, 1, { seed: 1.5 })).toThrow(RangeError);
  });

  it('spreads job types roughly by their weights', () => {
    const many = generateDemoJobs(data, 10_000, { seed: 11, now });
    const share = (type: string) => many.filter((j) => j.job_type === type).length / many.length;
    expect(share('full-time')).toBeGreaterThan(0.66);
    expect(share('full-time')).toBeLessThan(0.78);
    expect(share('contract')).toBeGreaterThan(0.08);
    expect(share('contract')).toBeLessThan(0.16);
    expect(share('part-time')).toBeGreaterThan(0.06);
    expect(share('part-time')).toBeLessThan(0.12);
    expect(share('internship')).toBeGreaterThan(0.02);
    expect(share('internship')).toBeLessThan(0.06);
    expect(share('temporary')).toBeGreaterThan(0.015);
    expect(share('temporary')).toBeLessThan(0.045);
    for (const type of jobTypes) expect(share(type)).toBeGreaterThan(0);
    for (const job of many.filter((j) => j.job_type === 'internship')) expect(job.title).toMatch(/Intern/);
  });

  it('writes descriptions from the O*NET tasks, description and technologies', () => {
    const descriptions = data.occupations.map((o) => o.description.slice(1));
    for (const job of jobs.slice(0, 300)) {
      const lines = job.description.split('\n');
      const taskLines = lines.filter((line) => line.startsWith('- ') && allTasks.has(line.slice(2)));
      expect(taskLines.length, job.external_id).toBeGreaterThanOrEqual(4);
      expect(taskLines.length, job.external_id).toBeLessThanOrEqual(6);
      expect(
        descriptions.some((d) => job.description.includes(d)),
        job.external_id,
      ).toBe(true);
      const toolsAt = lines.findIndex((line) => /^(Tools|You will work with)/.test(line));
      expect(toolsAt, job.external_id).toBeGreaterThan(0);
      const toolLines = lines.slice(toolsAt, toolsAt + 7).join('\n');
      const named = allTechnologies.filter((t) => toolLines.includes(t));
      expect(named.length, job.external_id).toBeGreaterThanOrEqual(3);
      expect(job.description).toMatch(/^(Requirements|What we are looking for|About you|You bring):$/m);
    }
    // Several templates: intros (company and title masked) and headings vary.
    const intros = new Set(
      jobs.map((j) =>
        (j.description.split('\n')[0] ?? '').replace(j.company, 'C').split(' ').slice(0, 2).join(' '),
      ),
    );
    expect(intros.size).toBeGreaterThanOrEqual(4);
    const headings = new Set(
      jobs.map((j) => j.description.match(/^(What you.*|.*responsibilities):$/im)?.[0]),
    );
    expect(headings.size).toBeGreaterThanOrEqual(3);
  });

  it('varies titles, companies and locations', () => {
    const combos = new Set(jobs.map((j) => `${j.title} @ ${j.company}`));
    expect(combos.size).toBeGreaterThan(950);
    expect(new Set(jobs.map((j) => j.company)).size).toBeGreaterThan(100);
    expect(new Set(jobs.map((j) => j.location)).size).toBeGreaterThan(80);
    expect(jobs.some((j) => /^Senior /.test(j.title))).toBe(true);
    expect(jobs.some((j) => /^(Junior|Lead) /.test(j.title))).toBe(true);
  });

  it('keeps salaries ordered and consistent with the currency, and remote consistent with the location', () => {
    for (const job of jobs) {
      expect(job.remote).toBe(job.location.startsWith('Remote'));
      if (job.salary_min === null) {
        expect(job.salary_max).toBeNull();
        expect(job.currency).toBeNull();
      } else {
        expect(job.salary_max).not.toBeNull();
        expect(job.salary_min).toBeLessThanOrEqual(job.salary_max as number);
        expect(job.salary_min).toBeGreaterThan(0);
        expect(['USD', 'EUR', 'GBP']).toContain(job.currency);
      }
    }
    const withSalary = jobs.filter((j) => j.salary_min !== null).length;
    expect(withSalary).toBeGreaterThan(600);
    expect(withSalary).toBeLessThan(900);
    expect(jobs.filter((j) => j.remote).length).toBeGreaterThan(20);
  });

  it('spreads created_at over the 60 days before now', () => {
    const times = jobs.map((j) => j.created_at.getTime());
    expect(Math.max(...times)).toBeLessThanOrEqual(now.getTime());
    expect(Math.min(...times)).toBeGreaterThanOrEqual(now.getTime() - 60 * DAY);
    expect(times.filter((t) => t > now.getTime() - 7 * DAY).length).toBeGreaterThan(50);
    expect(times.filter((t) => t < now.getTime() - 50 * DAY).length).toBeGreaterThan(50);
  });

  it('stays runtime-neutral (no Node-only imports or globals)', () => {
    const source = readFileSync(moduleFile, 'utf8');
    expect(source).not.toMatch(/from ['"](node:|fs|path|os|crypto)/);
    expect(source).not.toMatch(/\b(process|Buffer|require)\b[.(]/);
  });
});
