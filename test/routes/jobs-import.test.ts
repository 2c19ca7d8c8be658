import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import type { ImportSummaryBody } from '../support/contract';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';

const job = (id: string, extra: Record<string, unknown> = {}) => ({
  title: `Imported Role ${id}`,
  company: 'Importers Ltd',
  location: 'Dublin, Ireland',
  job_type: 'full-time',
  description: `Role ${id} from the feed.`,
  source: 'feed',
  external_id: id,
  ...extra,
});

describe.each(databaseKinds)('POST /api/jobs/import on %s', (kind) => {
  let auth0: Auth0StandIn;
  let db: TestDatabase;
  let app: ReturnType<typeof createTestApp>;
  let writer: Record<string, string>;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    db = await createTestDatabase(kind);
    app = createTestApp({ database: db.database, auth0, env: { JOBS_IMPORT_MAX_BYTES: '65536' } });
    writer = bearer(await auth0.sign({ sub: 'auth0|importer', scope: 'write:jobs' }));
  });
  afterAll(async () => {
    await db.dispose();
    await auth0.close();
  });

  const post = async (body: BodyInit, contentType: string, headers = writer) => {
    const res = await app.request('/api/jobs/import', {
      method: 'POST',
      headers: { ...headers, 'content-type': contentType },
      body,
    });
    return { status: res.status, body: (await res.json()) as ImportSummaryBody & { error?: string } };
  };
  const total = async (q: string) => {
    const res = await app.request(`/api/jobs?q=${encodeURIComponent(q)}`, { headers: writer });
    return ((await res.json()) as { pagination: { total: number } }).pagination.total;
  };

  it('imports a JSON array: good rows land, each bad row is reported alone', async () => {
    const rows = [
      job('j1'),
      { ...job('j2'), job_type: 'gig' },
      job('j3'),
      'not an object',
      { ...job('j5'), title: '' },
    ];
    const { status, body } = await post(JSON.stringify(rows), 'application/json');
    expect(status).toBe(200);
    expect(body.created).toBe(2);
    expect(body.updated).toBe(0);
    expect(body.failed.map((f) => f.row)).toEqual([2, 4, 5]);
    expect(body.failed[0]?.error).toMatch(/job_type/);
    expect(body.failed_total).toBe(3);
    expect(await total('"Imported Role j1"')).toBe(1);
  });

  it('is idempotent: the same file twice creates nothing new', async () => {
    const rows = JSON.stringify([job('i1'), job('i2')]);
    expect((await post(rows, 'application/json')).body).toMatchObject({ created: 2, updated: 0 });
    expect((await post(rows, 'application/json')).body).toMatchObject({ created: 0, updated: 2 });
    expect(await total('"Imported Role i1"')).toBe(1);
  });

  it('updates the stored job on a re-import with changes', async () => {
    await post(JSON.stringify([job('u1')]), 'application/json');
    const { body } = await post(
      JSON.stringify([job('u1', { title: 'Renamed Position u1' })]),
      'application/json',
    );
    expect(body).toMatchObject({ created: 0, updated: 1 });
    expect(await total('renamed position')).toBe(1);
  });

  it('makes rows without external_id idempotent through a content id', async () => {
    const rows = JSON.stringify([
      { ...job('x'), external_id: undefined, source: undefined, title: 'No Id Role' },
    ]);
    expect((await post(rows, 'application/json')).body).toMatchObject({ created: 1 });
    expect((await post(rows, 'application/json')).body).toMatchObject({ created: 0, updated: 1 });
  });

  it('imports NDJSON with a bad line', async () => {
    const body = [JSON.stringify(job('n1')), '{oops', '', JSON.stringify(job('n2'))].join('\n');
    const result = await post(body, 'application/x-ndjson');
    expect(result.body).toMatchObject({ created: 2, updated: 0, failed_total: 1 });
    expect(result.body.failed[0]?.row).toBe(2);
  });

  it('imports CSV with quoted commas, quotes and newlines', async () => {
    const csv = [
      'title,company,location,job_type,description,source,external_id,salary_min,salary_max,remote',
      '"Chef, Head",Quoted Kitchen,"Lyon, France",full-time,"Cooks.\nLeads the ""brigade"".",csv,c1,"40,000",50000,no',
      'Sous Chef,Quoted Kitchen,Lyon,gig,Cooks,csv,c2,,,',
      'Line Cook,Quoted Kitchen,Lyon,part-time,Cooks,csv,c3,,,yes',
    ].join('\r\n');
    const { body } = await post(csv, 'text/csv; charset=utf-8');
    expect(body).toMatchObject({ created: 2, updated: 0, failed_total: 1 });
    expect(body.failed[0]).toMatchObject({ row: 2 });
    const found = await app.request('/api/jobs?q=brigade', { headers: writer });
    const list = (await found.json()) as { jobs: { id: number; title: string }[] };
    expect(list.jobs.map((j) => j.title)).toEqual(['Chef, Head']);
    const detail = (await (
      await app.request(`/api/jobs/${list.jobs[0]?.id}`, { headers: writer })
    ).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({
      location: 'Lyon, France',
      salary_min: 40000,
      salary_max: 50000,
      remote: false,
    });
    expect(detail.description).toBe('Cooks.\nLeads the "brigade".');
  });

  it('counts a row repeated within one file as an update', async () => {
    const { body } = await post(
      JSON.stringify([job('r1'), job('r1', { title: 'Second r1' })]),
      'application/json',
    );
    expect(body).toMatchObject({ created: 1, updated: 1 });
  });

  it('answers 400 validation_error when the JSON body is not an array', async () => {
    const { status, body } = await post(JSON.stringify(job('obj')), 'application/json');
    expect(status).toBe(400);
    expect(body.error).toBe('validation_error');
  });

  it('answers 415 unsupported_file_type for another media type', async () => {
    const { status, body } = await post('<jobs/>', 'application/xml');
    expect(status).toBe(415);
    expect(body.error).toBe('unsupported_file_type');
  });

  it('answers 413 payload_too_large when Content-Length is over the limit, storing nothing', async () => {
    const rows = JSON.stringify(Array.from({ length: 400 }, (_, i) => job(`big-${i}`)));
    const { status, body } = await post(rows, 'application/json');
    expect(status).toBe(413);
    expect(body.error).toBe('payload_too_large');
    expect(await total('"Role big-1"')).toBe(0);
  });

  it('answers 413 payload_too_large for a streamed body over the limit without Content-Length', async () => {
    const chunk = new TextEncoder().encode(`${JSON.stringify(job('s'))}\n`);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 200_000) return controller.close();
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const res = await app.request(
      new Request('http://localhost/api/jobs/import', {
        method: 'POST',
        headers: { ...writer, 'content-type': 'application/x-ndjson' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('answers 403 insufficient_scope without write:jobs', async () => {
    const reader = bearer(await auth0.sign({ sub: 'auth0|reader' }));
    const { status, body } = await post(JSON.stringify([job('nope')]), 'application/json', reader);
    expect(status).toBe(403);
    expect(body.error).toBe('insufficient_scope');
  });
});
