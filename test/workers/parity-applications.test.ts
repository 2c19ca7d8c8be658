import { beforeAll, describe, expect, it } from 'vitest';
import { api, expectError, expectJson, readSse, runTag, where } from './helpers';

/**
 * Application tracking inside workerd, on D1 and on Postgres through the Neon driver: the main
 * flow from a posting on the board to a decision, with the match snapshot (skills read by the
 * worker's own skills service), the timeline, the 409 of a move the table refuses, lists, stats,
 * the CSV export, another user's 404, a posting deleted from the board, chat grounded in the
 * application, and the delete.
 *
 * The posting is a nursing one and is deleted from the board by the end: parity-jobs.test.ts
 * ranks recommendations for a software resume over the same database and Chroma, and an inactive
 * posting is never recommended (a nursing one would score 0 there anyway).
 */

interface ApplicationBody {
  id: string;
  status: string;
  job_id: number | null;
  title: string;
  company: string;
  url: string | null;
  location: string | null;
  resume_id: string | null;
  match: { score: number; matched_skills: { name: string }[]; missing_skills: { name: string }[] } | null;
  notes: string | null;
  applied_at: string | null;
  next_action_at: string | null;
  created_at: string;
  updated_at: string;
}
interface DetailBody extends ApplicationBody {
  timeline: { type: string; at: string; text?: string; from?: string | null; to?: string }[];
  job: { id: number; title: string; company: string; is_active: boolean } | null;
}
interface ListBody {
  applications: ApplicationBody[];
  pagination: {
    total: number;
    current_page: number;
    total_pages: number;
    has_next: boolean;
    has_prev: boolean;
  };
}

const company = runTag('Parity Applications');
const nursingResume = `Ana Parity
Registered nurse.

Skills
Wound care, administer prescribed medication, monitor vital signs, patient records

Experience
Staff Nurse, Saint Mary Hospital, 2018 - 2024
- Provided patient care on a 30-bed ward.
`;

const create = (json: unknown) => api('/api/applications', { method: 'POST', as: 'applications', json });
const patch = (id: string, json: unknown) =>
  api(`/api/applications/${id}`, { method: 'PATCH', as: 'applications', json });
const detail = async (id: string) =>
  expectJson<DetailBody>(await api(`/api/applications/${id}`, { as: 'applications' }), 200);

describe(`applications on ${where}`, () => {
  let resumeId: string;
  let jobId: number;
  let board: ApplicationBody;
  let outside: ApplicationBody;

  beforeAll(async () => {
    const form = new FormData();
    form.append('resume_file', new File([nursingResume], 'ana.txt'));
    resumeId = (
      await expectJson<{ resume_id: string }>(
        await api('/api/resume/upload', { method: 'POST', as: 'applications', body: form }),
        201,
      )
    ).resume_id;
    const job = await expectJson<{ id: number; skills: unknown[] }>(
      await api('/api/jobs', {
        method: 'POST',
        as: 'writer',
        json: {
          title: 'Registered Nurse',
          company,
          location: 'Porto, Portugal',
          job_type: 'full-time',
          url: 'https://jobs.example.com/nurse',
          description:
            'Provide patient care on a busy hospital ward: administer prescribed medication, monitor vital signs, carry out wound care. Experience with Kubernetes is a plus.',
        },
      }),
      201,
    );
    expect(job.skills.length).toBeGreaterThan(0);
    jobId = job.id;
  });

  it('POST tracks a posting on the board with a match snapshot of the default resume', async () => {
    const res = await create({
      job_id: jobId,
      next_action_at: '2031-01-10T09:00:00Z',
      notes: 'Ask about nights',
    });
    board = await expectJson<ApplicationBody>(res, 201);
    expect(res.headers.get('Location')).toBe(`/api/applications/${board.id}`);
    expect(board).toMatchObject({
      status: 'saved',
      job_id: jobId,
      title: 'Registered Nurse',
      company,
      url: 'https://jobs.example.com/nurse',
      location: 'Porto, Portugal',
      resume_id: resumeId,
      applied_at: null,
      next_action_at: '2031-01-10T09:00:00.000Z',
      notes: 'Ask about nights',
    });
    expect(board.match?.score).toBeGreaterThan(0);
    expect(board.match?.matched_skills.length).toBeGreaterThan(0);
  });

  it('POST tracks an outside posting', async () => {
    outside = await expectJson<ApplicationBody>(
      await create({
        title: 'ICU Nurse',
        company,
        url: 'https://careers.example.org/icu',
        status: 'applied',
      }),
      201,
    );
    expect(outside).toMatchObject({
      job_id: null,
      title: 'ICU Nurse',
      status: 'applied',
      resume_id: resumeId,
    });
    expect(outside.applied_at).toBe(outside.created_at);
  });

  it('POST answers 400 with details, and 404 for a job not on the board', async () => {
    const bad = await expectError(
      await create({ title: 'x'.repeat(201), company, url: 'ftp://x' }),
      400,
      'validation_error',
    );
    expect(Object.keys(bad.details ?? {}).sort()).toEqual(['title', 'url']);
    await expectError(await create({ job_id: 2_000_000_000 }), 404, 'not_found');
  });

  it('PATCH moves the status along the table, records it and sets applied_at; a refused move is 409', async () => {
    const applied = await expectJson<ApplicationBody>(await patch(board.id, { status: 'applied' }), 200);
    expect(applied.applied_at).toBe(applied.updated_at);
    const interviewing = await expectJson<ApplicationBody>(
      await patch(board.id, { status: 'interviewing' }),
      200,
    );
    expect(interviewing.applied_at).toBe(applied.applied_at);
    await expectError(await patch(board.id, { status: 'accepted' }), 409, 'conflict');
    await expectError(await patch(board.id, { status: 'saved' }), 409, 'conflict');
  });

  it('POST /events adds to the timeline, which GET returns oldest first with the posting', async () => {
    const event = await expectJson(
      await api(`/api/applications/${board.id}/events`, {
        method: 'POST',
        as: 'applications',
        json: { type: 'interview', at: '2031-01-12T14:00:00Z', text: 'Panel with the ward manager' },
      }),
      201,
    );
    expect(event).toEqual({
      type: 'interview',
      at: '2031-01-12T14:00:00.000Z',
      text: 'Panel with the ward manager',
    });
    const read = await detail(board.id);
    expect(read.timeline.map((e) => [e.type, e.from ?? null, e.to ?? e.text])).toEqual([
      ['status', null, 'saved'],
      ['status', 'saved', 'applied'],
      ['status', 'applied', 'interviewing'],
      ['interview', null, 'Panel with the ward manager'],
    ]);
    expect(read.job).toEqual({ id: jobId, title: 'Registered Nurse', company, is_active: true });
  });

  it('GET lists with filters, sorts and the jobs pagination block', async () => {
    const all = await expectJson<ListBody>(
      await api('/api/applications?limit=1', { as: 'applications' }),
      200,
    );
    expect(all.applications.map((a) => a.id)).toEqual([board.id]);
    expect(all.pagination).toEqual({
      total: 2,
      current_page: 1,
      total_pages: 2,
      has_next: true,
      has_prev: false,
    });
    const icu = await expectJson<ListBody>(
      await api('/api/applications?q=icu%20NURSE', { as: 'applications' }),
      200,
    );
    expect(icu.applications.map((a) => a.id)).toEqual([outside.id]);
    const due = await expectJson<ListBody>(
      await api(
        `/api/applications?sort=next_action&due_before=${encodeURIComponent('2031-02-01T00:00:00Z')}`,
        {
          as: 'applications',
        },
      ),
      200,
    );
    expect(due.applications.map((a) => a.id)).toEqual([board.id]);
    await expectError(
      await api('/api/applications?sort=oldest', { as: 'applications' }),
      400,
      'validation_error',
    );
  });

  it('GET /stats counts the applications', async () => {
    const stats = await expectJson<Record<string, unknown>>(
      await api('/api/applications/stats', { as: 'applications' }),
      200,
    );
    expect(stats.by_status).toEqual({
      saved: 0,
      applied: 1,
      interviewing: 1,
      offer: 0,
      accepted: 0,
      rejected: 0,
      withdrawn: 0,
    });
    expect(stats.response_rate).toBe(0.5);
    expect(typeof stats.median_days_to_response).toBe('number');
  });

  it('GET /export answers a CSV attachment with a row per application', async () => {
    const res = await api('/api/applications/export', { as: 'applications' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="applications.csv"');
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toMatch(/^id,status,title,company,/);
    expect(lines.slice(1, -1).map((line) => line.split(',')[0])).toEqual([board.id, outside.id]);
  });

  it('answers another user exactly as for a missing application', async () => {
    for (const [method, path] of [
      ['GET', `/api/applications/${board.id}`],
      ['PATCH', `/api/applications/${board.id}`],
      ['DELETE', `/api/applications/${board.id}`],
    ] as const) {
      await expectError(
        await api(path, {
          method,
          as: 'applicationsOther',
          json: method === 'PATCH' ? { notes: 'x' } : undefined,
        }),
        404,
        'not_found',
      );
    }
    const theirs = await expectJson<ListBody>(
      await api('/api/applications', { as: 'applicationsOther' }),
      200,
    );
    expect(theirs.pagination.total).toBe(0);
  });

  it('chat grounds an answer in the application; another user’s is 404', async () => {
    const res = await api('/api/chat', {
      method: 'POST',
      as: 'applications',
      json: { message: 'How do I prepare for the panel?', application_id: board.id },
    });
    expect(res.status).toBe(200);
    const { events } = await readSse(res);
    expect(events.at(-1)?.event).toBe('done');
    await expectError(
      await api('/api/chat', {
        method: 'POST',
        as: 'applicationsOther',
        json: { message: 'x', application_id: board.id },
      }),
      404,
      'not_found',
    );
  });

  it('keeps the application when its posting is deleted from the board', async () => {
    expect((await api(`/api/jobs/${jobId}`, { method: 'DELETE', as: 'writer' })).status).toBe(204);
    const read = await detail(board.id);
    expect(read).toMatchObject({ job_id: jobId, title: 'Registered Nurse', status: 'interviewing' });
    expect(read.job).toMatchObject({ id: jobId, is_active: false });
  });

  it('DELETE removes an application and its timeline', async () => {
    expect(
      (await api(`/api/applications/${outside.id}`, { method: 'DELETE', as: 'applications' })).status,
    ).toBe(204);
    await expectError(await api(`/api/applications/${outside.id}`, { as: 'applications' }), 404, 'not_found');
  });
});
