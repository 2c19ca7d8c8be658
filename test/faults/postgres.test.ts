/**
 * Fault injection: Postgres stopped (`pg_ctl stop -m immediate`) in the middle of a mixed load and
 * in the middle of a transaction, and Postgres hung (SIGSTOP of the postmaster and its backends),
 * on both Postgres drivers (`pg` over TCP, and the Neon driver through the WebSocket proxy). On a
 * cluster of this file's own (test/support/pg-cluster.ts): the machine's Postgres on 5432 is
 * shared by every test file running at the same time.
 *
 * What must hold: while the database is away every answer is 503 `database_unavailable`, in
 * bounded time, never a 500 and never a hang; nothing is left half-written (an upload that failed
 * leaves neither a row nor an object, a row always has its object and all its chunks, a profile
 * write is all there or not at all); and once the database is back the same requests succeed,
 * without restarting the app.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Database } from '../../src/db/database';
import { createNeonDatabase } from '../../src/db/drivers/postgres';
import type { LogFields, Logger } from '../../src/logger';
import { migrateDatabase } from '../../src/node/database';
import { createLocalStorage } from '../../src/node/local-storage';
import { createPgDatabase } from '../../src/node/pg-database';
import { createTestApp, headersByUser } from '../support/app';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import { within } from '../support/deadline';
import { type PgCluster, startPgCluster } from '../support/pg-cluster';
import { startWsProxy } from '../support/ws-proxy';

/** The bounds these tests give the drivers: connecting gives up after 1 s, a query after 2 s. */
const CONNECT_MS = 1000;
const QUERY_MS = 2000;
/** "Answered, not hung": far above what an answer needs (a few timeouts), far below a hang. */
const ANSWER_BOUND_MS = 10_000;
/**
 * While the server hangs: one query's timeout (a transaction's stuck connection is destroyed, not
 * sent a ROLLBACK that would wait as long again), plus time to spare.
 */
const HANG_BOUND_MS = QUERY_MS + 1500;

const drivers = ['pg', 'neon'] as const;
type Driver = (typeof drivers)[number];

type Phase = 'before' | 'stopping' | 'down' | 'after';
type Op = 'me' | 'profile.put' | 'profile.get' | 'upload' | 'resumes' | 'jobs.create' | 'jobs.list';
const ops: Op[] = ['me', 'profile.put', 'upload', 'resumes', 'jobs.create', 'jobs.list', 'profile.get'];

interface Answer {
  driver: Driver;
  user: string;
  op: Op;
  /** The phase when the request was sent, and when its answer came. */
  sent: Phase;
  answered: Phase;
  status: number;
  code?: string;
  ms: number;
  body: unknown;
  /** What an upload or a profile write sent. */
  sentValue?: string;
}

interface Target {
  driver: Driver;
  url: string;
  database: Database;
  storageRoot: string;
  app: ReturnType<typeof createTestApp>;
  /** Sees each SQL text the driver sends (fault injection at an exact statement). */
  onSql: (sql: string) => void;
}

let cluster: PgCluster;
let auth0: Auth0StandIn;
let proxy: Awaited<ReturnType<typeof startWsProxy>>;
const targets = new Map<Driver, Target>();
const folders: string[] = [];
/** What the apps logged at error level: the cause of a 500 is there. */
const logged: { message: string; fields: LogFields }[] = [];
const logger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error: (message, fields = {}) => void logged.push({ message, fields }),
};
/** Every answer of this file, for the checks of what is stored (the tests share the databases). */
const allAnswers: Answer[] = [];

/** The pool behind a Postgres database (Drizzle keeps it as `$client`). */
const poolOf = (database: Database) => (database.db as unknown as { $client: pg.Pool }).$client;

function openDatabase(driver: Driver, url: string, onSql: (sql: string) => void): Database {
  const options = { connectMs: CONNECT_MS, queryMs: QUERY_MS, logSql: onSql };
  return driver === 'pg'
    ? createPgDatabase(url, options)
    : createNeonDatabase(url, {
        ...options,
        webSocketConstructor: WebSocket,
        wsProxy: proxy.proxy,
        secure: false,
      });
}

beforeAll(async () => {
  [cluster, auth0, proxy] = await Promise.all([startPgCluster(), startAuth0StandIn(), startWsProxy()]);
  const setUp = async (driver: Driver) => {
    const url = await cluster.createDatabase(`jobmate_${driver}`);
    const target = { driver, url, onSql: () => {} } as unknown as Target;
    target.database = openDatabase(driver, url, (sql) => target.onSql(sql));
    await migrateDatabase(target.database);
    target.storageRoot = await mkdtemp(path.join(tmpdir(), `jobmate-faults-pg-${driver}-`));
    folders.push(target.storageRoot);
    target.app = createTestApp({
      database: target.database,
      auth0,
      // The load sends more uploads per user than a person would.
      env: { UPLOADS_PER_MINUTE: '10000', JOBS_COUNT_CACHE_TTL_MS: '0' },
      deps: { storage: createLocalStorage(target.storageRoot), logger },
    });
    targets.set(driver, target);
  };
  await Promise.all(drivers.map(setUp));
}, 60_000);

afterAll(async () => {
  cluster?.resume();
  await Promise.allSettled([...targets.values()].map((t) => t.database.close()));
  await Promise.allSettled([proxy?.close(), auth0?.close()]);
  await cluster?.destroy();
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

// ---------------------------------------------------------------------------------------------
// Requests

const encoder = new TextEncoder();
let sequence = 0;
const headersOf = headersByUser(() => auth0, { scope: 'write:jobs' });

/** A small resume whose text is unique to this upload (its bytes identify it in storage). */
const resumeText = (tag: string) =>
  `Resume ${tag}\n\nExperience\nNurse at Saint Mary ${tag}, night shifts and triage.\n\nEducation\nBSc Nursing\n`;

/** Sends one request of kind `op` as `user`, and records its answer. */
async function send(target: Target, user: string, op: Op, phaseNow: () => Phase): Promise<Answer> {
  const headers = await headersOf(user);
  const { app } = target;
  const tag = `${user}-${++sequence}`;
  const json = { ...headers, 'Content-Type': 'application/json' };
  let sentValue: string | undefined;
  let request: Response | Promise<Response>;
  const sent = phaseNow();
  const started = performance.now();
  switch (op) {
    case 'me':
      request = app.request('/api/me', { headers });
      break;
    case 'profile.get':
      request = app.request('/api/profile', { headers });
      break;
    case 'profile.put':
      // Two fields of one write: both or neither may be stored.
      sentValue = tag;
      request = app.request('/api/profile', {
        method: 'PUT',
        headers: json,
        body: JSON.stringify({ full_name: `name ${tag}`, headline: `headline ${tag}` }),
      });
      break;
    case 'upload': {
      sentValue = resumeText(tag);
      const form = new FormData();
      form.append('resume_file', new File([encoder.encode(sentValue)], `${tag}.txt`, { type: 'text/plain' }));
      request = app.request('/api/resume/upload', { method: 'POST', headers, body: form });
      break;
    }
    case 'resumes':
      request = app.request('/api/resumes', { headers });
      break;
    case 'jobs.create':
      request = app.request('/api/jobs', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          title: `Night nurse ${tag}`,
          company: 'Saint Mary',
          location: 'Lisbon',
          job_type: 'full-time',
          description: 'Triage and ward rounds on night shifts.',
        }),
      });
      break;
    case 'jobs.list':
      request = app.request('/api/jobs?q=nurse&limit=5', { headers });
      break;
  }
  const response = await within(request, ANSWER_BOUND_MS, `${target.driver} ${op} (sent while ${sent})`);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the failure message
  }
  const answer: Answer = {
    driver: target.driver,
    user,
    op,
    sent,
    answered: phaseNow(),
    status: response.status,
    code: (body as { error?: string } | null)?.error,
    ms: Math.round(performance.now() - started),
    body,
    sentValue,
  };
  allAnswers.push(answer);
  return answer;
}

const ok = (a: Pick<Answer, 'status'>) => a.status >= 200 && a.status < 300;
/**
 * The documented answer while the database is away: 503 `database_unavailable`; or, for `/api/me`
 * of a user seen before, 200 from the app's cache of user rows (it needs no database then).
 */
const asDocumentedWhileDown = (a: Pick<Answer, 'status' | 'code' | 'op'>) =>
  (a.status === 503 && a.code === 'database_unavailable') || (a.op === 'me' && a.status === 200);
/** One answer for a failure message, with what the app logged for it when it was a 500. */
const show = (a: Answer) => {
  const requestId = /request ([0-9a-f-]{36})/.exec(JSON.stringify(a.body))?.[1];
  const log = requestId ? logged.find((e) => e.fields.request_id === requestId) : undefined;
  return `${a.driver} ${a.op} by ${a.user} sent while ${a.sent}, answered while ${a.answered} after ${a.ms} ms: ${a.status} ${JSON.stringify(a.body).slice(0, 300)}${log ? `\n  logged: ${JSON.stringify(log.fields).slice(0, 1500)}` : ''}`;
};

// ---------------------------------------------------------------------------------------------
// What is stored

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function filesBelow(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

/**
 * Nothing half-written: every row has its object and all its chunks, every object belongs to a
 * row (or is recorded for removal), no temporary file is left, every upload answered 201 is there
 * with its bytes, and no upload answered otherwise left a row.
 */
async function expectWhole(target: Target) {
  const { rows, pending } = await withClient(target.url, async (client) => ({
    rows: (
      await client.query<{ id: string; storage_key: string; chunks_created: number; chunks: number }>(
        `select r.id, r.storage_key, r.chunks_created,
                (select count(*)::int from resume_chunks c where c.resume_id = r.id) as chunks
           from resumes r`,
      )
    ).rows,
    pending: (
      await client.query<{ storage_key: string }>('select storage_key from pending_object_deletions')
    ).rows.map((r) => r.storage_key),
  }));
  const objects = await filesBelow(target.storageRoot);
  const { driver } = target;
  const problems: string[] = [];
  const rowKeys = new Set(rows.map((r) => r.storage_key));
  for (const row of rows) {
    if (!objects.includes(row.storage_key))
      problems.push(`resume ${row.id} has no object (${row.storage_key})`);
    if (row.chunks !== row.chunks_created)
      problems.push(`resume ${row.id} has ${row.chunks} of its ${row.chunks_created} chunks`);
  }
  for (const key of objects) {
    if (!rowKeys.has(key) && !pending.includes(key))
      problems.push(`object ${key} belongs to no resume and is not recorded for removal`);
  }
  const uploads = allAnswers.filter((a) => a.driver === driver && a.op === 'upload');
  const accepted = new Map(uploads.filter(ok).map((a) => [(a.body as { resume_id: string }).resume_id, a]));
  for (const [id, answer] of accepted) {
    const row = rows.find((r) => r.id === id);
    if (!row) {
      problems.push(`the upload answered ${answer.status} as ${id} is gone`);
      continue;
    }
    const bytes = await readFile(path.join(target.storageRoot, row.storage_key), 'utf8').catch(
      () => undefined,
    );
    if (bytes !== undefined && bytes !== answer.sentValue)
      problems.push(`the object of ${id} is not what was sent`);
  }
  for (const row of rows.filter((r) => !accepted.has(r.id))) {
    problems.push(`resume ${row.id} is stored, but no upload was answered 201 with it`);
  }
  expect(
    problems,
    `${driver}: half-written state; uploads not answered 201:\n${uploads
      .filter((a) => !ok(a))
      .map(show)
      .join('\n')}`,
  ).toEqual([]);
}

/**
 * A profile write is all there or not at all: the stored name and headline come from one write,
 * the last one answered 200 or a later one whose answer was lost in the outage (it may have
 * committed).
 */
async function expectProfileWhole(target: Target, user: string) {
  const writes = allAnswers.filter(
    (a) => a.driver === target.driver && a.user === user && a.op === 'profile.put',
  );
  const lastOk = writes.map(ok).lastIndexOf(true);
  const possible = writes.slice(Math.max(0, lastOk)).filter((a, i) => i === 0 || !ok(a));
  const response = await target.app.request('/api/profile', { headers: await headersOf(user) });
  expect(response.status).toBe(200);
  const profile = (await response.json()) as { full_name: string | null; headline: string | null };
  const tag = profile.full_name?.replace(/^name /, '');
  expect(profile.headline, `${target.driver} ${user}: name and headline of different writes`).toBe(
    tag === undefined ? null : `headline ${tag}`,
  );
  if (lastOk >= 0) {
    expect(
      possible.map((a) => a.sentValue),
      `${target.driver} ${user}: the stored profile is not the last one written`,
    ).toContain(tag);
  }
}

/** Sessions of the app's database as Postgres sees them (ours excluded). */
const sessions = (target: Target) =>
  withClient(
    target.url,
    async (client) =>
      (
        await client.query<{ state: string; query: string }>(
          `select state, left(query, 80) as query from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
        )
      ).rows,
  );

// ---------------------------------------------------------------------------------------------
// Waiting for events (no sleeps)

/** Resolves when `check` holds, re-checked on each `notify()`; rejects naming `what` after `ms`. */
function condition() {
  const waiters = new Set<() => void>();
  return {
    notify() {
      for (const waiter of [...waiters]) waiter();
    },
    until(check: () => boolean, what: string, ms: number): Promise<void> {
      if (check()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`Timed out after ${ms / 1000} s waiting until ${what}`));
        }, ms);
        const waiter = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        waiters.add(waiter);
      });
    },
  };
}

/** Polls `check` (a state, not an event) every 50 ms until it holds; fails naming `what` after `ms`. */
async function pollUntil(check: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms / 1000} s waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Makes `target` freeze (and optionally stop) the cluster when it sends a statement matching `pattern`. */
function armAt(target: Target, pattern: RegExp, then: () => void): { fired: () => boolean } {
  let fired = false;
  target.onSql = (sql) => {
    if (fired || !pattern.test(sql)) return;
    fired = true;
    target.onSql = () => {};
    then();
  };
  return { fired: () => fired };
}

/** The INSERT of an upload's resume row: inside its transaction, after the owner's row lock, with the object stored. */
const resumeInsert = /^insert into "resumes"/i;

// ---------------------------------------------------------------------------------------------

describe('Postgres stopped (pg_ctl stop -m immediate) in the middle of a mixed load on both drivers, then started again', () => {
  const answers: Answer[] = [];
  const users = ['load-a', 'load-b'];
  let phase: Phase = 'before';
  const changed = condition();
  const count = (match: (a: Answer) => boolean) => answers.filter(match).length;

  /** One user's load: every operation in turn, until told to stop. */
  async function loop(target: Target, user: string, done: () => boolean) {
    while (!done()) {
      for (const op of ops) {
        if (done()) return;
        answers.push(await send(target, user, op, () => phase));
        changed.notify();
      }
    }
  }

  it('answers 503 database_unavailable while it is down, in bounded time, and never a 500', async () => {
    let done = false;
    const loads = drivers.flatMap((driver) =>
      users.map((user) => loop(targets.get(driver)!, `${driver}-${user}`, () => done)),
    );
    const settled = Promise.allSettled(loads);
    try {
      // Mid-load: both drivers have stored uploads, profile writes and jobs, and go on.
      await changed.until(
        () =>
          drivers.every((d) =>
            (['upload', 'profile.put', 'jobs.create'] as Op[]).every(
              (op) => count((a) => a.driver === d && a.op === op && ok(a)) >= 2,
            ),
          ),
        'each driver has stored two uploads, profile writes and jobs',
        30_000,
      );
      phase = 'stopping';
      await cluster.stop('immediate');
      phase = 'down';
      await changed.until(
        () =>
          drivers.every((d) =>
            ops.every((op) => count((a) => a.driver === d && a.op === op && a.sent === 'down') >= 2),
          ),
        'every operation of each driver was answered twice while the database was down',
        30_000,
      );
    } finally {
      // The loads end after their current request, whatever happened above.
      done = true;
      await settled;
    }
    for (const outcome of await settled) if (outcome.status === 'rejected') throw outcome.reason;

    expect(answers.filter((a) => a.status >= 500 && !asDocumentedWhileDown(a)).map(show)).toEqual([]);
    expect(answers.filter((a) => a.sent === 'down' && !asDocumentedWhileDown(a)).map(show)).toEqual([]);
    // Sent while it went down: the work was done or not, and the answer says which.
    expect(
      answers.filter((a) => a.sent === 'stopping' && !ok(a) && !asDocumentedWhileDown(a)).map(show),
    ).toEqual([]);
    expect(answers.filter((a) => a.sent === 'before' && a.answered === 'before' && !ok(a)).map(show)).toEqual(
      [],
    );
    expect(count((a) => a.sent === 'down')).toBeGreaterThan(0);
  }, 90_000);

  it('keeps what was written before the outage, and nothing written during it is half there', async () => {
    await cluster.start();
    phase = 'after';
    for (const driver of drivers) {
      const target = targets.get(driver)!;
      await expectWhole(target);
      for (const user of users) await expectProfileWhole(target, `${driver}-${user}`);
      for (const answer of answers.filter((a) => a.driver === driver && a.op === 'jobs.create' && ok(a))) {
        const id = (answer.body as { id: number }).id;
        const response = await target.app.request(`/api/jobs/${id}`, {
          headers: await headersOf(answer.user),
        });
        expect(response.status, `${driver}: job ${id}, created before the outage`).toBe(200);
      }
    }
  }, 30_000);

  it('answers the same requests again once it is back, without restarting the app', async () => {
    const after: Answer[] = [];
    for (const driver of drivers) {
      for (const user of users) {
        for (const op of ops)
          after.push(await send(targets.get(driver)!, `${driver}-${user}`, op, () => phase));
      }
    }
    expect(after.filter((a) => !ok(a)).map(show)).toEqual([]);
    for (const driver of drivers) await expectWhole(targets.get(driver)!);
  }, 30_000);
});

describe.each(drivers)(
  'Postgres stopped (immediate) in the middle of an upload’s transaction, on %s',
  (driver) => {
    const user = `${driver}-stopped`;
    let target: Target;
    let phase: Phase = 'before';
    const run = (op: Op) => send(target, user, op, () => phase);

    beforeAll(() => {
      target = targets.get(driver)!;
    });
    afterAll(async () => {
      target.onSql = () => {};
      if (!cluster.running()) await cluster.start();
    });

    it('answers the upload 503 database_unavailable, not 500, and every request while it is down', async () => {
      expect((await run('upload')).status).toBe(201);
      let stopped: Promise<void> | undefined;
      const trap = armAt(target, resumeInsert, () => {
        // Frozen at the INSERT, then stopped: the backend dies without running it.
        cluster.freeze();
        phase = 'stopping';
        stopped = cluster.stop('immediate');
      });
      const upload = await run('upload');
      expect(trap.fired(), 'the upload reached its INSERT').toBe(true);
      await stopped;
      phase = 'down';
      const down = await Promise.all(ops.map(run));
      expect([upload, ...down].filter((a) => !asDocumentedWhileDown(a)).map(show)).toEqual([]);
    }, 30_000);

    it('leaves nothing of the failed upload and answers the same requests once it is back', async () => {
      await cluster.start();
      phase = 'after';
      await expectWhole(target);
      const after = await Promise.all(ops.map(run));
      expect(after.filter((a) => !ok(a)).map(show)).toEqual([]);
      await expectWhole(target);
    }, 30_000);
  },
);

describe.each(drivers)('Postgres hung (SIGSTOP of the postmaster and its backends), on %s', (driver) => {
  const user = `${driver}-hung`;
  let target: Target;
  let phase: Phase = 'before';
  const run = (op: Op) => send(target, user, op, () => phase);

  beforeAll(() => {
    target = targets.get(driver)!;
  });
  afterAll(() => {
    target.onSql = () => {};
    cluster.resume();
  });

  it('answers every request 503 database_unavailable within the query timeout, then the same requests once it runs again', async () => {
    expect((await run('upload')).status).toBe(201);
    cluster.freeze();
    phase = 'down';
    let hung: Answer[];
    try {
      hung = await Promise.all(ops.map(run));
    } finally {
      cluster.resume();
    }
    phase = 'after';
    expect(hung.filter((a) => !asDocumentedWhileDown(a)).map(show)).toEqual([]);
    expect(hung.filter((a) => a.ms > HANG_BOUND_MS).map(show)).toEqual([]);
    const after = await Promise.all(ops.map(run));
    expect(after.filter((a) => !ok(a)).map(show)).toEqual([]);
    await expectWhole(target);
  }, 30_000);

  it('answers an upload hung in the middle of its transaction 503 database_unavailable, not 500, within the bound', async () => {
    phase = 'before';
    const trap = armAt(target, resumeInsert, () => {
      cluster.freeze();
      phase = 'down';
    });
    try {
      const upload = await run('upload');
      expect(trap.fired(), 'the upload reached its INSERT').toBe(true);
      expect([upload].filter((a) => !asDocumentedWhileDown(a) || a.ms > HANG_BOUND_MS).map(show)).toEqual([]);
    } finally {
      // Runs again at once: nothing else touched the pool meanwhile.
      cluster.resume();
      phase = 'after';
    }
  }, 30_000);

  // Found by this suite: Drizzle's transaction sent its ROLLBACK on the stuck connection, where it
  // timed out too, and the client went back to the pool inside the open transaction; the next
  // transaction on it committed the failed upload's row (see transactionAtomic).
  it('leaves no connection inside the failed transaction, and commits nothing of it later', async () => {
    await pollUntil(
      async () => (await sessions(target)).every((s) => s.state !== 'active'),
      'the resumed server has answered what was sent while it hung',
      10_000,
    );
    const open = (await sessions(target)).filter((s) => s.state.startsWith('idle in transaction'));
    // The same user's next upload: it takes the pooled connection that was released last.
    const next = await run('upload');
    expect(next.status, show(next)).toBe(201);
    await expectWhole(target);
    expect(open, 'connections left inside a failed transaction').toEqual([]);
  }, 30_000);
});

describe.each(drivers)('a connection that drops inside a transaction, on %s', (driver) => {
  // Found by this suite: a checked-out client had no 'error' listener, so a connection that
  // dropped inside a transaction threw an uncaught exception that ended the process.
  it('does not throw an uncaught exception (which ends a Node process)', async () => {
    const target = targets.get(driver)!;
    let onSql: (sql: string) => void = () => {};
    const bare = openDatabase(driver, target.url, (sql) => onSql(sql));
    const uncaught: unknown[] = [];
    // Vitest's own listeners report an uncaught exception as a failed run: they are set aside
    // while this test provokes one, and put back after.
    const vitestListeners = process.listeners('uncaughtException');
    const catcher = (err: unknown) => void uncaught.push(err);
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', catcher);
    try {
      await bare.ping();
      let stopped: Promise<void> | undefined;
      onSql = (sql) => {
        if (stopped || !/^insert into "user_profiles"/i.test(sql)) return;
        cluster.freeze();
        stopped = cluster.stop('immediate');
      };
      const now = new Date();
      const { userProfiles } = bare.tables;
      const write = await bare
        .atomic((db) => [
          db
            .insert(userProfiles)
            .values({ auth0Sub: `auth0|${driver}-drop`, createdAt: now, updatedAt: now }),
        ])
        .then(
          () => 'committed',
          (err: unknown) => (err as Error).message,
        );
      await stopped;
      expect(write).not.toBe('committed');
      // The pool lets the dead connection go once its end has been handled (thrown or not).
      await pollUntil(
        async () => poolOf(bare).totalCount === 0,
        'the pool has dropped the connection',
        10_000,
      );
    } finally {
      process.removeListener('uncaughtException', catcher);
      for (const listener of vitestListeners) process.on('uncaughtException', listener);
      if (!cluster.running()) await cluster.start();
      await bare.close().catch(() => {});
    }
    expect(uncaught.map((e) => String(e))).toEqual([]);
  }, 30_000);
});
