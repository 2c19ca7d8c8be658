import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import { createLibsqlWebDatabase } from '../../src/db/drivers/libsql-web';
import { createJobStore, type NewJob } from '../../src/db/jobs';
import { createUserStore } from '../../src/db/users';
import { constraintViolation, toAppError } from '../../src/errors';
import { migrateDatabase, openNodeDatabase } from '../../src/node/database';
import { type HranaStandIn, startHranaStandIn } from '../support/hrana-standin';

/**
 * A remote libSQL server as the app reaches it (`DATABASE_DEV=libsql://…` with LIBSQL_AUTH_TOKEN on
 * Node, `@libsql/client/web` on Workers), against the Hrana-over-HTTP stand-in of
 * test/support/hrana-standin.ts (no sqld can be installed here), and the stand-in's protocol itself.
 */

const job = (title: string, extra: Partial<NewJob> = {}): NewJob => ({
  title,
  company: 'Remote Co',
  location: 'Lisbon, Portugal',
  jobType: 'full-time',
  description: 'Distributed systems in TypeScript.',
  source: 'remote-test',
  externalId: null,
  url: null,
  salaryMin: null,
  salaryMax: null,
  currency: null,
  remote: true,
  ...extra,
});

let dir: string;
let standIn: HranaStandIn;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'jobmate-hrana-'));
  standIn = await startHranaStandIn({ file: path.join(dir, 'remote.db') });
});
afterAll(async () => {
  await standIn?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the libSQL driver on a remote server (Hrana over HTTP)', () => {
  let database: Database;

  beforeAll(async () => {
    // As the Node server opens it: DATABASE_DEV and LIBSQL_AUTH_TOKEN through openNodeDatabase.
    database = openNodeDatabase({
      DATABASE_MODE: 'sqlite',
      DATABASE_DEV: standIn.url,
      DATABASE_PROD: undefined,
      DATABASE_DRIVER: 'auto',
      LIBSQL_AUTH_TOKEN: standIn.authToken,
    });
    await migrateDatabase(database);
  });
  afterAll(() => database?.close());

  it('migrates in one transaction held across HTTP requests by its baton, and only once', async () => {
    const posts = standIn.log.filter((r) => r.method === 'POST');
    expect(new Set(posts.map((r) => r.path))).toEqual(new Set(['/v2/pipeline']));
    expect(posts.every((r) => r.status === 200)).toBe(true);
    // BEGIN IMMEDIATE in one request, the migrations and COMMIT in later ones on the same stream.
    expect(posts.some((r) => r.baton)).toBe(true);
    const applied = await database.db.all<{ n: number }>(sql`select count(*) as n from __drizzle_migrations`);
    expect(applied[0]?.n).toBeGreaterThan(0);
    const before = standIn.log.length;
    await migrateDatabase(database);
    expect(
      (await database.db.all<{ n: number }>(sql`select count(*) as n from __drizzle_migrations`))[0]?.n,
    ).toBe(applied[0]?.n);
    expect(standIn.log.length).toBeGreaterThan(before);
    expect(standIn.openStreams()).toBe(0);
  });

  it('runs the stores: users, jobs with full-text search, updates and soft deletes', async () => {
    const users = createUserStore(database);
    const now = new Date('2026-01-02T03:04:05.678Z');
    const user = await users.createIfAbsent(
      { auth0Sub: 'auth0|remote', email: 'r@example.com', name: 'Re Mote', picture: null },
      now,
    );
    expect(user).toMatchObject({ auth0Sub: 'auth0|remote', email: 'r@example.com', createdAt: now });
    expect(Number.isInteger(user.id)).toBe(true);
    expect(
      (await users.createIfAbsent({ auth0Sub: 'auth0|remote', email: null, name: null, picture: null }, now))
        .id,
    ).toBe(user.id);
    expect(await users.refreshProfile('auth0|remote', { name: 'Renamed' }, now)).toMatchObject({
      name: 'Renamed',
    });

    const jobs = createJobStore(database);
    const a = await jobs.create(
      job('Staff Engineer', { salaryMin: 90_000, salaryMax: 120_000, currency: 'EUR' }),
      now,
    );
    const b = await jobs.create(
      job('Data Analyst', { description: 'Dashboards in SQL.', remote: false }),
      now,
    );
    expect(a).toMatchObject({ title: 'Staff Engineer', salaryMin: 90_000, remote: true, isActive: true });
    expect(await jobs.get(a.id)).toEqual(a);

    const found = await jobs.list({ q: 'dashboards', sort: 'relevance' }, { offset: 0, limit: 10 });
    expect(found.jobs.map((j) => j.title)).toEqual(['Data Analyst']);
    const byCompany = await jobs.list({ company: 'remote co', sort: 'newest' }, { offset: 0, limit: 10 });
    expect(byCompany.total).toBe(2);

    expect(await jobs.update(b.id, { title: 'Senior Data Analyst' }, now)).toMatchObject({
      title: 'Senior Data Analyst',
    });
    expect(await jobs.deactivate(a.id, now)).toBe(true);
    expect(await jobs.get(a.id)).toBeUndefined();
    expect(await jobs.countActive()).toBe(1);
  });

  it('writes nothing of an atomic batch whose third statement fails, and the failure maps to 409', async () => {
    const { jobs, userProfiles } = database.tables;
    const before = await database.db.select({ id: jobs.id, title: jobs.title }).from(jobs);
    let failure: unknown;
    try {
      await database.atomic((q) => [
        q.insert(jobs).values({ ...job('Never Written'), createdAt: new Date(), updatedAt: new Date() }),
        q.update(jobs).set({ title: 'Never Renamed' }).where(eq(jobs.source, 'remote-test')),
        // auth0|remote exists: UNIQUE constraint failed: user_profiles.auth0_sub
        q
          .insert(userProfiles)
          .values({ auth0Sub: 'auth0|remote', createdAt: new Date(), updatedAt: new Date() }),
      ]);
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeDefined();
    expect(constraintViolation(failure)).toBe('unique');
    expect(String((failure as Error).message)).toMatch(
      /SQLite error: UNIQUE constraint failed: user_profiles\.auth0_sub/,
    );
    expect((failure as { code?: string }).code).toBe('SQLITE_CONSTRAINT');
    expect(toAppError(failure)).toMatchObject({ code: 'conflict', status: 409 });
    expect(await database.db.select({ id: jobs.id, title: jobs.title }).from(jobs)).toEqual(before);
    // The batch's stream was closed and its transaction rolled back: the next write goes through.
    expect(standIn.openStreams()).toBe(0);
    await database.db
      .insert(userProfiles)
      .values({ auth0Sub: 'auth0|after', createdAt: new Date(), updatedAt: new Date() });
  });

  it('maps a unique violation of a single statement to 409 conflict', async () => {
    const { userProfiles } = database.tables;
    const err = await database.db
      .insert(userProfiles)
      .values({ auth0Sub: 'auth0|remote', createdAt: new Date(), updatedAt: new Date() })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(constraintViolation(err)).toBe('unique');
    expect(toAppError(err)).toMatchObject({ code: 'conflict', status: 409 });
  });

  it('refuses a wrong token and a missing one with an error', async () => {
    const refusedBefore = standIn.log.filter((r) => r.status === 401).length;
    for (const authToken of ['not-the-token', undefined]) {
      const wrong = createLibsqlDatabase(standIn.url, { authToken });
      try {
        const err = await wrong.ping().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, String(authToken)).toBeInstanceOf(Error);
        // Drizzle's "Failed query" around the client's LibsqlError.
        const cause = (err as { cause?: unknown }).cause;
        expect(cause).toBeInstanceOf(Error);
        expect((cause as Error).message).toMatch(/HTTP status 401/);
        expect((cause as { code?: string }).code).toBe('SERVER_ERROR');
        // A refused token is the database being unavailable to this server, not a bug: 503.
        expect(toAppError(err)).toMatchObject({ code: 'database_unavailable', status: 503 });
      } finally {
        await wrong.close();
      }
    }
    expect(standIn.log.filter((r) => r.status === 401).length - refusedBefore).toBe(2);
  });

  it('gives up on a server that never answers, as database_unavailable (the web client, what Workers run)', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const web = createLibsqlWebDatabase(`http://127.0.0.1:${port}`, { authToken: 't', timeoutMs: 300 });
    try {
      const err = await web.ping().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(toAppError(err)).toMatchObject({ code: 'database_unavailable', status: 503 });
      expect(String((toAppError(err)?.cause as Error | undefined)?.message)).toMatch(
        /no answer within 300 ms/,
      );
    } finally {
      await web.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('works the same through the web client (what the Worker runs), which uses fetch only', async () => {
    const requested: string[] = [];
    const web = createLibsqlWebDatabase(standIn.url, {
      authToken: standIn.authToken,
      fetch: (input, init) => {
        requested.push(
          input instanceof Request ? `${input.method} ${new URL(input.url).pathname}` : String(input),
        );
        return fetch(input, init);
      },
    });
    try {
      await web.ping();
      const jobs = createJobStore(web);
      expect(await jobs.countActive()).toBe(1);
      const [row] = await web.atomic((q) => [
        q
          .insert(web.tables.userProfiles)
          .values({ auth0Sub: 'auth0|web', createdAt: new Date(), updatedAt: new Date() })
          .returning(),
      ]);
      expect(row?.[0]).toMatchObject({ auth0Sub: 'auth0|web' });
      expect(new Set(requested)).toEqual(new Set(['POST /v2/pipeline']));
    } finally {
      await web.close();
    }
  });

  it('refuses a file: URL in the web client', () => {
    expect(() => createLibsqlWebDatabase('file:local.db')).toThrow(/libsql:\/\/, https:\/\/ or http:\/\//);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: the protocol's JSON, read field by field by the assertions
type Loose = any;

describe('the Hrana stand-in speaks the protocol', () => {
  const post = async (path: string, body: unknown, token: string | null = standIn.authToken) =>
    fetch(`${standIn.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const pipeline = async (requests: unknown[], baton: string | null = null, version = 'v3') => {
    const res = await post(`/${version}/pipeline`, { baton, requests });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as {
      baton: string | null;
      base_url: null;
      results: { type: string; response?: Loose; error?: Loose }[];
    };
  };
  const stmt = (sqlText: string, args: unknown[] = [], extra: object = {}) => ({
    sql: sqlText,
    args,
    ...extra,
  });
  const int = (v: string | number) => ({ type: 'integer', value: String(v) });
  const text = (v: string) => ({ type: 'text', value: v });

  it('answers the version probes, 404 for protobuf, and 401 without the token', async () => {
    expect((await fetch(`${standIn.url}/v2`)).status).toBe(200);
    expect((await fetch(`${standIn.url}/v3`)).status).toBe(200);
    expect((await fetch(`${standIn.url}/v3-protobuf`)).status).toBe(404);
    const refused = await post('/v2/pipeline', { baton: null, requests: [] }, null);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toBe('application/json');
    expect(await refused.json()).toEqual({ error: expect.stringMatching(/^Unauthorized: /) });
  });

  it('round-trips values as Hrana encodes them, binding each with its own SQLite type', async () => {
    const blob = Buffer.from([0, 1, 2, 254, 255]).toString('base64');
    const { results, baton } = await pipeline([
      {
        type: 'execute',
        stmt: stmt('select ?, ?, ?, ?, ?, ?, typeof(?2), typeof(?3), typeof(?4), 1.0 as f', [
          int('9007199254740993'),
          { type: 'float', value: 1.5 },
          { type: 'float', value: 2 },
          text('naïve ☃'),
          { type: 'blob', base64: blob },
          { type: 'null' },
        ]),
      },
      { type: 'close' },
    ]);
    expect(baton).toBeNull();
    const result = results[0]?.response.result;
    expect(result.rows).toEqual([
      [
        int('9007199254740993'),
        { type: 'float', value: 1.5 },
        { type: 'float', value: 2 },
        text('naïve ☃'),
        { type: 'blob', base64: blob },
        { type: 'null' },
        text('real'),
        text('real'),
        text('text'),
        { type: 'float', value: 1 },
      ],
    ]);
    expect(result.cols.map((c: { name: string }) => c.name)).toEqual([
      '?',
      '?',
      '?',
      '?',
      '?',
      '?',
      'typeof(?2)',
      'typeof(?3)',
      'typeof(?4)',
      'f',
    ]);
    expect(result.affected_row_count).toBe(0);
    expect(result.last_insert_rowid).toBeNull();
  });

  it('runs a batch by its conditions (ok, error, not, and, or, is_autocommit) and reports each step', async () => {
    await pipeline([
      {
        type: 'sequence',
        sql: "create table t (id integer primary key, v text unique); insert into t (v) values ('x')",
      },
      { type: 'close' },
    ]);
    const { results } = await pipeline([
      { type: 'store_sql', sql_id: 1, sql: 'insert into t (v) values (?)' },
      {
        type: 'batch',
        batch: {
          steps: [
            { stmt: stmt('BEGIN') },
            { condition: { type: 'ok', step: 0 }, stmt: { sql_id: 1, args: [text('a')] } },
            { condition: { type: 'ok', step: 1 }, stmt: { sql_id: 1, args: [text('x')] } }, // unique: fails
            { condition: { type: 'error', step: 2 }, stmt: stmt("select 'recovered'") },
            { condition: { type: 'ok', step: 2 }, stmt: stmt("select 'never'") },
            {
              condition: {
                type: 'and',
                conds: [
                  { type: 'ok', step: 0 },
                  { type: 'not', cond: { type: 'ok', step: 2 } },
                ],
              },
              stmt: stmt('select 1'),
            },
            {
              condition: { type: 'or', conds: [{ type: 'ok', step: 4 }, { type: 'is_autocommit' }] },
              stmt: stmt('select 2'),
            },
            { condition: { type: 'not', cond: { type: 'is_autocommit' } }, stmt: stmt('COMMIT') },
          ],
        },
      },
      { type: 'get_autocommit' },
      { type: 'execute', stmt: stmt('select v from t order by id') },
      { type: 'close_sql', sql_id: 1 },
      { type: 'close' },
    ]);
    const batch = results[1]?.response.result;
    expect(batch.step_results.map((r: unknown) => r !== null)).toEqual([
      true,
      true,
      false,
      true,
      false,
      true,
      false,
      true,
    ]);
    expect(batch.step_errors.map((e: unknown) => e !== null)).toEqual([
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(batch.step_errors[2]).toEqual({
      message: 'SQLite error: UNIQUE constraint failed: t.v',
      code: 'SQLITE_CONSTRAINT',
    });
    expect(batch.step_results[1]).toMatchObject({ affected_row_count: 1, last_insert_rowid: '2' });
    expect(batch.step_results[3].rows).toEqual([[text('recovered')]]);
    expect(results[2]).toEqual({ type: 'ok', response: { type: 'get_autocommit', is_autocommit: true } });
    expect(results[3]?.response.result.rows).toEqual([[text('x')], [text('a')]]);
  });

  it('reports statement errors as results and protocol errors as 400 responses', async () => {
    const { results } = await pipeline([
      { type: 'execute', stmt: stmt('select 1; select 2') },
      { type: 'execute', stmt: stmt('select ?, ?', [int(1)]) },
      { type: 'execute', stmt: stmt('select :a', [int(1)], { named_args: [{ name: 'a', value: int(2) }] }) },
      {
        type: 'execute',
        stmt: stmt('select :a, @b', [], {
          named_args: [
            { name: ':a', value: int(1) },
            { name: 'b', value: int(2) },
          ],
        }),
      },
      { type: 'execute', stmt: stmt('select * from missing_table') },
      { type: 'execute', stmt: stmt('  -- nothing\n ;') },
      { type: 'describe', sql: 'select v as value, ?1, :name from t where id = ?' },
      { type: 'close' },
    ]);
    expect(results[0]?.error).toEqual({
      message: 'SQL string contains more than one statement',
      code: 'SQL_MANY_STATEMENTS',
    });
    expect(results[1]?.error).toEqual({
      message: 'Arguments do not match SQL parameters: value for parameter 2 not found',
      code: 'ARGS_INVALID',
    });
    expect(results[2]?.error?.code).toBe('ARGS_BOTH_POSITIONAL_AND_NAMED');
    expect(results[3]?.response.result.rows).toEqual([[int(1), int(2)]]);
    expect(results[4]?.error).toEqual({
      message: 'SQLite error: no such table: missing_table',
      code: 'SQLITE_UNKNOWN',
    });
    expect(results[5]?.error?.code).toBe('SQL_NO_STATEMENT');
    expect(results[6]?.response.result).toEqual({
      params: [{ name: '?1' }, { name: ':name' }, { name: null }],
      cols: [
        { name: 'value', decltype: 'TEXT' },
        { name: '?1', decltype: null },
        { name: ':name', decltype: null },
      ],
      is_explain: false,
      is_readonly: true,
    });

    const unknownSql = await post('/v3/pipeline', {
      baton: null,
      requests: [{ type: 'execute', stmt: { sql_id: 9 } }],
    });
    expect(unknownSql.status).toBe(400);
    expect(await unknownSql.text()).toBe('SQL text 9 not found');
    const laterStep = await post('/v3/pipeline', {
      baton: null,
      requests: [
        { type: 'batch', batch: { steps: [{ condition: { type: 'ok', step: 0 }, stmt: stmt('select 1') }] } },
      ],
    });
    expect(laterStep.status).toBe(400);
    const v2Autocommit = await post('/v2/pipeline', { baton: null, requests: [{ type: 'get_autocommit' }] });
    expect(v2Autocommit.status).toBe(400);
    expect(await v2Autocommit.text()).toMatch(/only supported in protocol version hrana3/);
    expect(standIn.openStreams()).toBe(0);
  });

  it('keeps a stream and its transaction across requests by baton, and refuses a reused or forged baton', async () => {
    const first = await pipeline([
      { type: 'execute', stmt: stmt('BEGIN IMMEDIATE') },
      { type: 'execute', stmt: stmt("insert into t (v) values ('held')") },
    ]);
    expect(first.baton).toEqual(expect.any(String));
    // Another stream waits for the connection while the transaction is open.
    let otherDone = false;
    const other = pipeline([
      { type: 'execute', stmt: stmt("select count(*) from t where v = 'held'") },
      { type: 'close' },
    ]).then((r) => {
      otherDone = true;
      return r;
    });
    const second = await pipeline(
      [{ type: 'get_autocommit' }, { type: 'execute', stmt: stmt('select count(*) from t') }],
      first.baton,
    );
    expect(second.results[0]?.response.is_autocommit).toBe(false);
    expect(second.baton).not.toBe(first.baton);
    const reused = await post('/v3/pipeline', { baton: first.baton, requests: [] });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toBe('Received a baton that has already been used');
    const forged = await post('/v3/pipeline', { baton: `${second.baton?.slice(0, -2)}AA`, requests: [] });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toBe('Received an invalid baton');
    expect(otherDone).toBe(false);
    const committed = await pipeline(
      [{ type: 'execute', stmt: stmt('COMMIT') }, { type: 'close' }],
      second.baton,
    );
    expect(committed.baton).toBeNull();
    expect((await other).results[0]?.response.result.rows).toEqual([[int(1)]]);
  });

  it('serves a batch through a cursor as JSON lines', async () => {
    const res = await post('/v3/cursor', {
      baton: null,
      batch: {
        steps: [
          { stmt: stmt("select v from t where v in ('a', 'x') order by v") },
          { stmt: stmt("insert into t (v) values ('x')") },
          { condition: { type: 'ok', step: 1 }, stmt: stmt('select 1') },
        ],
      },
    });
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ baton: expect.any(String), base_url: null });
    expect(lines.slice(1)).toEqual([
      { type: 'step_begin', step: 0, cols: [{ name: 'v', decltype: 'TEXT' }] },
      { type: 'row', row: [text('a')] },
      { type: 'row', row: [text('x')] },
      { type: 'step_end', affected_row_count: 0, last_insert_rowid: null },
      {
        type: 'step_error',
        step: 1,
        error: { message: 'SQLite error: UNIQUE constraint failed: t.v', code: 'SQLITE_CONSTRAINT' },
      },
    ]);
    await pipeline([{ type: 'close' }], lines[0].baton);
  });

  it('expires an idle stream, rolling back its transaction, and says so to its baton', async () => {
    const quick = await startHranaStandIn({ file: path.join(dir, 'expiry.db'), streamExpiryMs: 200 });
    try {
      const call = async (requests: unknown[], baton: string | null = null) =>
        fetch(`${quick.url}/v3/pipeline`, {
          method: 'POST',
          headers: { authorization: `Bearer ${quick.authToken}` },
          body: JSON.stringify({ baton, requests }),
        });
      const open = (await (
        await call([
          { type: 'sequence', sql: 'create table e (v); begin; insert into e values (1)' },
          { type: 'get_autocommit' },
        ])
      ).json()) as { baton: string; results: { response: { is_autocommit: boolean } }[] };
      expect(open.results[1]?.response.is_autocommit).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 600));
      const late = await call([{ type: 'execute', stmt: stmt('select 1') }], open.baton);
      expect(late.status).toBe(500);
      expect(await late.json()).toEqual({
        message: 'The stream has expired due to inactivity',
        code: 'STREAM_EXPIRED',
      });
      const count = (await (
        await call([{ type: 'execute', stmt: stmt('select count(*) from e') }, { type: 'close' }])
      ).json()) as {
        results: { response: { result: { rows: unknown[] } } }[];
      };
      expect(count.results[0]?.response.result.rows).toEqual([[int(0)]]);
    } finally {
      await quick.close();
    }
  });
});
