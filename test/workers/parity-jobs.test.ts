import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, expectJson, runTag, where } from './helpers';

/**
 * Jobs: list with filters and full-text search, get, create (write:jobs), patch, delete, import,
 * and the skills routes over jobs: match and recommended.
 *
 * Every job of this file carries one company name made for this run, and the list queries filter
 * on it: each project's files share one database (the run's Postgres; D1 too, as the projects run
 * with `isolate: false`). This is the only file that creates jobs, so the project's Chroma job
 * indexes (keyed by job id) and the recommendations hold only this file's jobs.
 */

interface JobBody {
  id: number;
  title: string;
  company: string;
  location: string;
  job_type: string;
  description: string;
  created_at: string;
  skills: { id: string; name: string }[];
  external_id: string | null;
  source: string | null;
  remote: boolean;
  salary_min: number | null;
  salary_max: number | null;
  currency: string | null;
}
interface ListBody {
  jobs: Omit<JobBody, 'skills'>[];
  pagination: {
    total: number;
    current_page: number;
    total_pages: number;
    has_next: boolean;
    has_prev: boolean;
  };
}

const company = runTag('Parity Jobs');
const word = `zq${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`; // a word only this file's jobs contain

const postings = [
  {
    title: 'Senior Python Developer',
    location: 'Lisbon, Portugal',
    job_type: 'full-time',
    description: `Build REST APIs in Python and Django with PostgreSQL. Docker and Kubernetes. ${word}`,
  },
  {
    title: 'Frontend Engineer',
    location: 'Porto, Portugal',
    job_type: 'contract',
    description: 'Single-page applications in React and TypeScript.',
  },
  {
    title: 'Data Intern',
    location: '100%_Remote',
    job_type: 'internship',
    description: 'SQL reports and dashboards for the sales team.',
  },
];

const list = async (query: string) =>
  expectJson<ListBody>(
    await api(`/api/jobs?company=${encodeURIComponent(company)}&${query}`, { as: 'jobs' }),
    200,
  );
const titles = (body: ListBody) => body.jobs.map((j) => j.title);

describe(`jobs on ${where}`, () => {
  const created: JobBody[] = [];

  beforeAll(async () => {
    for (const posting of postings) {
      const res = await api('/api/jobs', { method: 'POST', as: 'writer', json: { ...posting, company } });
      const job = await expectJson<JobBody>(res, 201);
      expect(res.headers.get('Location')).toBe(`/api/jobs/${job.id}`);
      created.push(job);
    }
  });

  describe('create', () => {
    it('answers 201 with the job and the skills read from it', () => {
      const [python] = created;
      expect(python).toMatchObject({
        title: 'Senior Python Developer',
        company,
        job_type: 'full-time',
        remote: false,
        external_id: null,
      });
      const names = python?.skills.map((s) => s.name) ?? [];
      expect(names).toEqual(
        expect.arrayContaining(['Python (computer programming)', 'Docker', 'Kubernetes']),
      );
    });

    it('403 insufficient_scope without write:jobs', async () => {
      const res = await api('/api/jobs', { method: 'POST', as: 'jobs', json: { ...postings[0], company } });
      await expectError(res, 403, 'insufficient_scope');
    });

    it('400 validation_error for missing fields, an unknown job_type or salary_min > salary_max', async () => {
      const missing = await expectError(
        await api('/api/jobs', { method: 'POST', as: 'writer', json: { title: 'Only a title' } }),
        400,
        'validation_error',
      );
      expect(Object.keys(missing.details ?? {})).toEqual(
        expect.arrayContaining(['company', 'location', 'job_type', 'description']),
      );
      const badType = await expectError(
        await api('/api/jobs', {
          method: 'POST',
          as: 'writer',
          json: { ...postings[0], company, job_type: 'gig' },
        }),
        400,
        'validation_error',
      );
      expect(Object.keys(badType.details ?? {})).toContain('job_type');
      await expectError(
        await api('/api/jobs', {
          method: 'POST',
          as: 'writer',
          json: { ...postings[0], company, salary_min: 90_000, salary_max: 50_000 },
        }),
        400,
        'validation_error',
      );
    });

    it('409 conflict for a second job with the same source and external_id', async () => {
      const job = {
        ...postings[1],
        company,
        title: 'Conflict Probe',
        description: 'Checks the unique rule on source and external id.',
        source: 'parity',
        external_id: `ext-${word}`,
      };
      await expectJson(await api('/api/jobs', { method: 'POST', as: 'writer', json: job }), 201);
      await expectError(await api('/api/jobs', { method: 'POST', as: 'writer', json: job }), 409, 'conflict');
    });
  });

  describe('list', () => {
    it('lists active jobs newest first with the pagination block', async () => {
      const body = await list('limit=2');
      expect(body.pagination).toEqual({
        total: 4,
        current_page: 1,
        total_pages: 2,
        has_next: true,
        has_prev: false,
      });
      expect(titles(body)).toEqual(['Conflict Probe', 'Data Intern']);
      expect(Object.keys(body.jobs[0] ?? {}).sort()).toEqual(
        ['company', 'created_at', 'description', 'id', 'job_type', 'location', 'title'].sort(),
      );
      const second = await list('limit=2&page=2');
      expect(titles(second)).toEqual(['Frontend Engineer', 'Senior Python Developer']);
      expect(second.pagination).toMatchObject({ has_next: false, has_prev: true });
    });

    it('filters by job_type, and by location case-insensitively with % and _ taken literally', async () => {
      expect(titles(await list('job_type=internship'))).toEqual(['Data Intern']);
      expect(titles(await list('location=LISBON'))).toEqual(['Senior Python Developer']);
      expect(titles(await list(`location=${encodeURIComponent('100%_r')}`))).toEqual(['Data Intern']);
      expect(titles(await list(`location=${encodeURIComponent('%')}`))).toEqual(['Data Intern']);
      expect(titles(await list(`location=${encodeURIComponent('_')}`))).toEqual(['Data Intern']);
    });

    it('searches full text with q, newest or by relevance', async () => {
      expect(titles(await list(`q=${word}`))).toEqual(['Senior Python Developer']);
      expect(titles(await list('q=typescript&sort=relevance'))).toEqual(['Frontend Engineer']);
      expect((await list('q=nothingmatchesthisword')).jobs).toEqual([]);
    });

    it.each([
      ['page=0', 'page'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['job_type=gig', 'job_type'],
      ['sort=relevance', 'sort'],
      ['sort=oldest', 'sort'],
    ])('400 validation_error for %s', async (query, field) => {
      const error = await expectError(
        await api(`/api/jobs?${query}`, { as: 'jobs' }),
        400,
        'validation_error',
      );
      expect(Object.keys(error.details ?? {}).join(' ')).toContain(field);
    });

    it('needs a token', async () => {
      await expectError(await api('/api/jobs'), 401, 'missing_or_invalid_authorization');
    });
  });

  describe('get, patch, delete', () => {
    it('GET /api/jobs/:id answers the job with its skills; 404 for none, 400 for a bad id', async () => {
      const python = created[0] as JobBody;
      const body = await expectJson<JobBody>(await api(`/api/jobs/${python.id}`, { as: 'jobs' }), 200);
      expect(body).toEqual(python);
      await expectError(await api('/api/jobs/2147483000', { as: 'jobs' }), 404, 'not_found');
      await expectError(await api('/api/jobs/abc', { as: 'jobs' }), 400, 'validation_error');
    });

    it('PATCH changes fields (write:jobs) and re-reads skills when the text changes', async () => {
      const frontend = created[1] as JobBody;
      const patched = await expectJson<JobBody>(
        await api(`/api/jobs/${frontend.id}`, {
          method: 'PATCH',
          as: 'writer',
          json: { title: 'Frontend Engineer (React)', remote: true, salary_min: 40_000, currency: 'eur' },
        }),
        200,
      );
      expect(patched).toMatchObject({
        id: frontend.id,
        title: 'Frontend Engineer (React)',
        remote: true,
        salary_min: 40_000,
        currency: 'EUR',
        location: 'Porto, Portugal',
      });
      expect(patched.skills.map((s) => s.name)).toContain('React');
      await expectError(
        await api(`/api/jobs/${frontend.id}`, { method: 'PATCH', as: 'jobs', json: { title: 'x' } }),
        403,
        'insufficient_scope',
      );
      await expectError(
        await api(`/api/jobs/${frontend.id}`, { method: 'PATCH', as: 'writer', json: { salary_max: 10 } }),
        400,
        'validation_error',
      );
      await expectError(
        await api(`/api/jobs/${frontend.id}`, { method: 'PATCH', as: 'writer', json: { is_active: true } }),
        400,
        'validation_error',
      );
      await expectError(
        await api('/api/jobs/2147483000', { method: 'PATCH', as: 'writer', json: { title: 'x' } }),
        404,
        'not_found',
      );
    });

    it('DELETE deactivates (write:jobs): 204, then 404 and gone from the list', async () => {
      const intern = created[2] as JobBody;
      await expectError(
        await api(`/api/jobs/${intern.id}`, { method: 'DELETE', as: 'jobs' }),
        403,
        'insufficient_scope',
      );
      const res = await api(`/api/jobs/${intern.id}`, { method: 'DELETE', as: 'writer' });
      expect(res.status).toBe(204);
      await expectError(await api(`/api/jobs/${intern.id}`, { as: 'jobs' }), 404, 'not_found');
      expect(titles(await list('job_type=internship'))).toEqual([]);
      await expectError(
        await api('/api/jobs/2147483000', { method: 'DELETE', as: 'writer' }),
        404,
        'not_found',
      );
    });
  });

  describe('skills: match and recommended', () => {
    const softwareResume = `Jo Reader
Software engineer.

Skills
Python, Django, PostgreSQL, Docker, Kubernetes, React, TypeScript

Experience
Backend Developer, Acme, 2019 - 2024
- Built REST APIs in Python and Django on PostgreSQL, shipped with Docker and Kubernetes.
`;
    let resumeId: string;
    let nursing: JobBody;

    interface MatchBody {
      job_id: number;
      resume_id: string;
      score: number;
      matched_skills: { id: string; name: string; type: string; match: string }[];
      missing_skills: { id: string; name: string; type: string }[];
    }

    beforeAll(async () => {
      const form = new FormData();
      form.append('resume_file', new File([softwareResume], 'jo.txt'));
      const uploaded = await expectJson<{ resume_id: string }>(
        await api('/api/resume/upload', { method: 'POST', as: 'jobs', body: form }),
        201,
      );
      resumeId = uploaded.resume_id;
      nursing = await expectJson<JobBody>(
        await api('/api/jobs', {
          method: 'POST',
          as: 'writer',
          json: {
            title: 'Registered Nurse',
            company,
            location: 'Porto, Portugal',
            job_type: 'full-time',
            description:
              'Provide patient care on a busy hospital ward: administer prescribed medication, monitor vital signs, carry out wound care.',
          },
        }),
        201,
      );
      expect(nursing.skills.length).toBeGreaterThan(0);
    });

    it('GET /api/jobs/:id/match scores the default resume against a job', async () => {
      const python = created[0] as JobBody;
      const body = await expectJson<MatchBody>(
        await api(`/api/jobs/${python.id}/match`, { as: 'jobs' }),
        200,
      );
      expect(body).toMatchObject({ job_id: python.id, resume_id: resumeId });
      expect(body.score).toBeGreaterThanOrEqual(50);
      expect(body.matched_skills.map((s) => s.name)).toEqual(
        expect.arrayContaining(['Python (computer programming)', 'Docker', 'Kubernetes']),
      );
      const other = await expectJson<MatchBody>(
        await api(`/api/jobs/${nursing.id}/match?resume_id=${resumeId}`, { as: 'jobs' }),
        200,
      );
      expect(other.score).toBe(0);
      expect(other.matched_skills).toEqual([]);
      expect(other.missing_skills.length).toBe(nursing.skills.length);
      // Only skills the resume shows are matched; the rest carry `closest` when it shows a related one.
      expect(body.matched_skills.every((s) => s.match === 'exact')).toBe(true);
    });

    it('GET /api/jobs/:id answers the occupations read from the title', async () => {
      const job = await expectJson<JobBody & { occupations: { title: string; score: number }[] }>(
        await api(`/api/jobs/${nursing.id}`, { as: 'jobs' }),
        200,
      );
      expect(job.occupations.map((o) => o.title)).toContain('nurse responsible for general care');
    });

    it('match: 404 for no such job, an unknown or another user’s resume, no resume at all; 400 for a bad id', async () => {
      const python = created[0] as JobBody;
      await expectError(await api('/api/jobs/2147483000/match', { as: 'jobs' }), 404, 'not_found');
      await expectError(
        await api(`/api/jobs/${python.id}/match?resume_id=${crypto.randomUUID()}`, { as: 'jobs' }),
        404,
        'not_found',
      );
      await expectError(
        await api(`/api/jobs/${python.id}/match?resume_id=${resumeId}`, { as: 'writer' }),
        404,
        'not_found',
      );
      await expectError(await api(`/api/jobs/${python.id}/match`, { as: 'writer' }), 404, 'not_found');
      await expectError(await api('/api/jobs/abc/match', { as: 'jobs' }), 400, 'validation_error');
      await expectError(await api(`/api/jobs/${python.id}/match`), 401, 'missing_or_invalid_authorization');
    });

    it('GET /api/jobs/recommended ranks software jobs above the nursing one for a software resume', async () => {
      const body = await expectJson<{ jobs: (Omit<JobBody, 'skills'> & { score: number })[] }>(
        await api('/api/jobs/recommended?limit=10', { as: 'jobs' }),
        200,
      );
      const ids = body.jobs.map((j) => j.id);
      expect(body.jobs.length).toBeGreaterThan(0);
      expect(body.jobs[0]?.id).toBe(created[0]?.id);
      expect(body.jobs[0]?.score).toBeGreaterThanOrEqual(50);
      const nurseAt = ids.indexOf(nursing.id);
      if (nurseAt >= 0) {
        expect(nurseAt).toBeGreaterThan(0);
        expect(body.jobs[nurseAt]?.score).toBe(0);
      }
      // The deactivated internship is never recommended.
      expect(ids).not.toContain(created[2]?.id);
      const limited = await expectJson<{ jobs: unknown[] }>(
        await api('/api/jobs/recommended?limit=1', { as: 'jobs' }),
        200,
      );
      expect(limited.jobs).toHaveLength(1);
    });

    it('recommended: 400 for limit 0 or 51, 404 without a default resume', async () => {
      await expectError(await api('/api/jobs/recommended?limit=0', { as: 'jobs' }), 400, 'validation_error');
      await expectError(await api('/api/jobs/recommended?limit=51', { as: 'jobs' }), 400, 'validation_error');
      await expectError(await api('/api/jobs/recommended', { as: 'writer' }), 404, 'not_found');
    });
  });

  describe('import', () => {
    const row = (id: string, extra: Record<string, unknown> = {}) => ({
      title: `Imported Role ${id}`,
      company,
      location: 'Dublin, Ireland',
      job_type: 'part-time',
      description: `Role ${id} from the feed: Python and SQL.`,
      source: `feed-${word}`,
      external_id: id,
      ...extra,
    });
    const ndjson = (lines: string[]) =>
      api('/api/jobs/import', {
        method: 'POST',
        as: 'writer',
        headers: { 'Content-Type': 'application/x-ndjson' },
        body: lines.join('\n'),
      });

    it('imports NDJSON: the good rows land, the bad row fails alone', async () => {
      const body = await expectJson<{
        created: number;
        updated: number;
        failed: { row: number; error: string }[];
      }>(
        await ndjson([
          JSON.stringify(row('n1')),
          '{oops',
          JSON.stringify(row('n3', { job_type: 'gig' })),
          JSON.stringify(row('n4')),
        ]),
        200,
      );
      expect(body).toMatchObject({ created: 2, updated: 0, failed_total: 2 });
      expect(body.failed.map((f) => f.row)).toEqual([2, 3]);
      expect(body.failed[1]?.error).toMatch(/job_type/);
      expect(titles(await list('job_type=part-time'))).toEqual(['Imported Role n4', 'Imported Role n1']);
    });

    it('reads the skills of imported jobs in the background (waitUntil)', async () => {
      const { jobs } = await list('job_type=part-time');
      const ids = jobs.map((j) => j.id);
      expect(ids).toHaveLength(2);
      const deadline = Date.now() + 10_000;
      let skills: string[][] = [];
      for (;;) {
        skills = await Promise.all(
          ids.map(async (id) =>
            (await expectJson<JobBody>(await api(`/api/jobs/${id}`, { as: 'jobs' }), 200)).skills.map(
              (s) => s.name,
            ),
          ),
        );
        if (skills.every((names) => names.length > 0) || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      for (const names of skills)
        expect(names).toEqual(expect.arrayContaining(['Python (computer programming)', 'SQL']));
    });

    it('upserts on (source, external_id): a second import updates', async () => {
      const body = await expectJson(
        await ndjson([
          JSON.stringify(row('n1', { title: 'Imported Role n1 renamed' })),
          JSON.stringify(row('n4')),
        ]),
        200,
      );
      expect(body).toMatchObject({ created: 0, updated: 2, failed: [] });
      expect(titles(await list('job_type=part-time')).sort()).toEqual([
        'Imported Role n1 renamed',
        'Imported Role n4',
      ]);
    });

    it('403 without write:jobs, 415 for another content type, 400 for a JSON body that is not an array', async () => {
      const good = JSON.stringify(row('n9'));
      await expectError(
        await api('/api/jobs/import', {
          method: 'POST',
          as: 'jobs',
          headers: { 'Content-Type': 'application/x-ndjson' },
          body: good,
        }),
        403,
        'insufficient_scope',
      );
      await expectError(
        await api('/api/jobs/import', {
          method: 'POST',
          as: 'writer',
          headers: { 'Content-Type': 'application/xml' },
          body: '<jobs/>',
        }),
        415,
        'unsupported_file_type',
      );
      await expectError(
        await api('/api/jobs/import', { method: 'POST', as: 'writer', json: { not: 'an array' } }),
        400,
        'validation_error',
      );
    });
  });
});
