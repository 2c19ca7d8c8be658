import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { asc, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import { createJobStore, type NewJob } from '../../src/db/jobs';
import { createUserStore } from '../../src/db/users';
import {
  connectPostgresReadOnly,
  openFlaskSource,
  openSqliteReadOnly,
  parseFlaskUrl,
} from '../../src/node/flask-source';
import {
  AdoptError,
  adoptFlaskData,
  flaskJobSource,
  flaskJobType,
  planAdoption,
  type TableSummary,
  timeOf,
} from '../../src/services/adopt/adopt';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { createPostgresDatabase } from '../support/postgres';

/**
 * Fixtures: Flask databases as the seed's Alembic migrations leave them (its user_profiles
 * migration, and a jobs table with the columns its GET /api/jobs returns plus is_active), with an
 * alembic_version table, extra columns the copy ignores, and rows this project refuses.
 */
type SourceKind = 'sqlite' | 'postgres';
const sourceKinds: SourceKind[] = ['sqlite', 'postgres'];
const targetKinds = ['libsql', 'pg'] as const;

const tmp = mkdtempSync(path.join(tmpdir(), 'jobmate-adopt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileCounter = 0;

function ddl(kind: SourceKind, tables: { users?: string[]; jobs?: string[] } = defaultTables): string[] {
  const id = kind === 'sqlite' ? 'INTEGER NOT NULL' : 'SERIAL NOT NULL';
  const datetime = kind === 'sqlite' ? 'DATETIME' : 'TIMESTAMP WITHOUT TIME ZONE';
  const statements = [
    `CREATE TABLE alembic_version (\n\tversion_num VARCHAR(32) NOT NULL, \n\tCONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)`,
    `INSERT INTO alembic_version (version_num) VALUES ('1234567890ab')`,
  ];
  const types: Record<string, string> = {
    id,
    auth0_sub: 'VARCHAR(255) NOT NULL',
    email: 'VARCHAR(255) NOT NULL',
    name: 'VARCHAR(255)',
    created_at: `${datetime}`,
    last_login_at: datetime,
    title: 'VARCHAR(255) NOT NULL',
    company: 'VARCHAR(255) NOT NULL',
    location: 'VARCHAR(255) NOT NULL',
    job_type: 'VARCHAR(50) NOT NULL',
    description: 'TEXT NOT NULL',
    salary_range: 'VARCHAR(100)',
    is_active: 'BOOLEAN',
  };
  const create = (table: string, columns: string[], extra: string[]) =>
    `CREATE TABLE ${table} (\n\t${[...columns.map((c) => `${c} ${types[c]}`), 'PRIMARY KEY (id)', ...extra].join(', \n\t')}\n)`;
  if (tables.users) statements.push(create('user_profiles', tables.users, ['UNIQUE (auth0_sub)']));
  if (tables.jobs) statements.push(create('jobs', tables.jobs, []));
  return statements;
}

const defaultTables = {
  users: ['id', 'auth0_sub', 'email', 'name', 'created_at', 'last_login_at'],
  jobs: [
    'id',
    'title',
    'company',
    'location',
    'job_type',
    'description',
    'salary_range',
    'is_active',
    'created_at',
  ],
};

type Row = Record<string, string | number | boolean | null>;

const flaskUsers: Row[] = [
  {
    id: 1,
    auth0_sub: 'auth0|alice',
    email: 'alice@example.com',
    name: 'Alice Example',
    created_at: '2024-01-02 03:04:05.678901',
    last_login_at: null,
  },
  {
    id: 2,
    auth0_sub: 'google-oauth2|bob',
    email: 'bob@example.com',
    name: null,
    created_at: '2024-01-03 00:00:00',
    last_login_at: '2024-05-01 00:00:00',
  },
  // Refused: no subject.
  { id: 4, auth0_sub: '', email: 'ghost@example.com', name: 'Ghost', created_at: '2024-01-04 00:00:00' },
  {
    id: 7,
    auth0_sub: 'auth0|carol',
    email: 'carol@example.com',
    name: 'Carol',
    created_at: '2024-02-29 12:00:00',
  },
];

const flaskJobs: Row[] = [
  {
    id: 1,
    title: 'Welder',
    company: 'Forge Ltd',
    location: 'Sheffield, UK',
    job_type: 'full-time',
    description: 'Welds, cuts and grinds.',
    salary_range: '£30k',
    is_active: true,
    created_at: '2024-03-01 09:30:00.250000',
  },
  {
    id: 2,
    title: 'Night Baker',
    company: 'Crumb Co',
    location: 'Leeds',
    // Written as people write it in a free-text column: read as part-time.
    job_type: 'Part Time',
    description: 'Bakes bread overnight.',
    is_active: false,
    created_at: '2024-03-02 22:00:00',
  },
  // Refused: a blank title.
  {
    id: 3,
    title: '   ',
    company: 'Nameless Ltd',
    location: 'York',
    job_type: 'contract',
    description: 'No title.',
    is_active: true,
    created_at: '2024-03-03 00:00:00',
  },
  // Refused: a job type this project does not have.
  {
    id: 5,
    title: 'Roofer',
    company: 'Top Ltd',
    location: 'York',
    job_type: 'Gig',
    description: 'Fixes roofs.',
    is_active: true,
    created_at: '2024-03-04 00:00:00',
  },
  // NULL is_active and created_at: active, created at the time of adoption.
  {
    id: 8,
    title: 'Nurse',
    company: 'St Mary',
    location: 'London',
    job_type: 'temporary',
    description: 'Cares for patients.',
    is_active: null,
    created_at: null,
  },
  {
    id: 12,
    title: 'Driver',
    company: 'Van Co',
    location: 'Hull',
    job_type: 'contract',
    description: 'Drives vans.',
    is_active: true,
    created_at: '2024-03-05 08:00:00',
  },
];

interface FlaskFixture {
  url: string;
  exec(statement: string, args?: (string | number | boolean | null)[]): Promise<void>;
  /** Every row of every table, for "unchanged" checks. */
  snapshot(): Promise<string>;
  dispose(): Promise<void>;
}

async function createFlaskDatabase(
  kind: SourceKind,
  content: { tables?: { users?: string[]; jobs?: string[] }; users?: Row[]; jobs?: Row[] } = {},
): Promise<FlaskFixture> {
  const tables = content.tables ?? defaultTables;
  let fixture: FlaskFixture;
  if (kind === 'sqlite') {
    const file = path.join(tmp, `flask-${++fileCounter}.db`);
    const writer = () => createClient({ url: `file:${file}` });
    fixture = {
      url: `sqlite:///${path.relative(process.cwd(), file)}`,
      async exec(statement, args = []) {
        const client = writer();
        try {
          await client.execute({ sql: statement, args });
        } finally {
          client.close();
        }
      },
      async snapshot() {
        return createHash('sha256').update(readFileSync(file)).digest('hex');
      },
      async dispose() {
        rmSync(file, { force: true });
      },
    };
  } else {
    const database = await createPostgresDatabase();
    const withClient = async <T>(work: (client: pg.Client) => Promise<T>) => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return await work(client);
      } finally {
        await client.end();
      }
    };
    fixture = {
      url: database.url.replace(/^postgresql:/, 'postgresql+psycopg2:'),
      async exec(statement, args = []) {
        await withClient((c) => c.query(statement, args));
      },
      snapshot: () =>
        withClient(async (c) => {
          const parts: string[] = [];
          for (const table of ['alembic_version', 'user_profiles', 'jobs']) {
            const exists = await c.query('select to_regclass($1) as t', [table]);
            if (!exists.rows[0]?.t) continue;
            const rows = await c.query(`select * from ${table} order by 1`);
            parts.push(JSON.stringify(rows.rows));
          }
          return parts.join('\n');
        }),
      dispose: database.drop,
    };
  }
  for (const statement of ddl(kind, tables)) await fixture.exec(statement);
  const insert = async (table: string, columns: string[], rows: Row[]) => {
    for (const row of rows) {
      const present = columns.filter((c) => c in row);
      const marks = present.map((_, i) => (kind === 'sqlite' ? '?' : `$${i + 1}`));
      // SQLAlchemy stores a Boolean as 1/0 on SQLite.
      const values = present.map((c) => {
        const value = row[c] ?? null;
        return kind === 'sqlite' && typeof value === 'boolean' ? Number(value) : value;
      });
      await fixture.exec(`INSERT INTO ${table} (${present.join(', ')}) VALUES (${marks.join(', ')})`, values);
    }
  };
  if (tables.users) await insert('user_profiles', tables.users, content.users ?? flaskUsers);
  if (tables.jobs) await insert('jobs', tables.jobs, content.jobs ?? flaskJobs);
  return fixture;
}

const now = new Date('2025-06-01T12:00:00.000Z');

async function adopt(url: string, database: Database, batchSize = 2): Promise<Record<string, TableSummary>> {
  const source = await openFlaskSource(parseFlaskUrl(url));
  try {
    const summaries = await adoptFlaskData(await planAdoption(source), database, { now, batchSize });
    return Object.fromEntries(summaries.map((s) => [s.table, s]));
  } finally {
    await source.close();
  }
}

async function targetUsers(database: Database) {
  const { userProfiles } = database.tables;
  return database.db
    .select({
      id: userProfiles.id,
      auth0Sub: userProfiles.auth0Sub,
      email: userProfiles.email,
      name: userProfiles.name,
      createdAt: userProfiles.createdAt,
    })
    .from(userProfiles)
    .orderBy(asc(userProfiles.id));
}

async function targetJobs(database: Database) {
  const { jobs } = database.tables;
  return database.db
    .select({
      id: jobs.id,
      title: jobs.title,
      company: jobs.company,
      location: jobs.location,
      jobType: jobs.jobType,
      description: jobs.description,
      isActive: jobs.isActive,
      createdAt: jobs.createdAt,
      source: jobs.source,
      externalId: jobs.externalId,
    })
    .from(jobs)
    .orderBy(asc(jobs.id));
}

const newJob = (title: string): NewJob => ({
  title,
  company: 'Native Co',
  location: 'Oslo',
  jobType: 'full-time',
  description: 'Created here.',
  source: null,
  externalId: null,
  url: null,
  salaryMin: null,
  salaryMax: null,
  currency: null,
  remote: false,
});

describe.each(sourceKinds)('adopting a Flask %s database', (sourceKind) => {
  let source: FlaskFixture;
  beforeAll(async () => {
    source = await createFlaskDatabase(sourceKind);
  });
  afterAll(() => source.dispose());

  describe.each(targetKinds)('into %s', (targetKind) => {
    let target: TestDatabase;
    beforeEach(async () => {
      target = await createTestDatabase(targetKind);
    });
    afterEach(() => target.dispose());

    it('copies the users with their Flask ids, subjects, e-mails, names and creation times (UTC)', async () => {
      await adopt(source.url, target.database);
      expect(await targetUsers(target.database)).toEqual([
        {
          id: 1,
          auth0Sub: 'auth0|alice',
          email: 'alice@example.com',
          name: 'Alice Example',
          createdAt: new Date('2024-01-02T03:04:05.678Z'),
        },
        {
          id: 2,
          auth0Sub: 'google-oauth2|bob',
          email: 'bob@example.com',
          name: null,
          createdAt: new Date('2024-01-03T00:00:00Z'),
        },
        {
          id: 7,
          auth0Sub: 'auth0|carol',
          email: 'carol@example.com',
          name: 'Carol',
          createdAt: new Date('2024-02-29T12:00:00Z'),
        },
      ]);
    });

    it('copies the jobs with their Flask ids, fields and active flags, as source flask with the Flask id as external id', async () => {
      await adopt(source.url, target.database);
      const jobs = await targetJobs(target.database);
      expect(jobs.map((j) => [j.id, j.title, j.jobType, j.isActive, j.source, j.externalId])).toEqual([
        [1, 'Welder', 'full-time', true, flaskJobSource, '1'],
        [2, 'Night Baker', 'part-time', false, flaskJobSource, '2'],
        [8, 'Nurse', 'temporary', true, flaskJobSource, '8'],
        [12, 'Driver', 'contract', true, flaskJobSource, '12'],
      ]);
      expect(jobs[0]).toMatchObject({
        company: 'Forge Ltd',
        location: 'Sheffield, UK',
        description: 'Welds, cuts and grinds.',
        createdAt: new Date('2024-03-01T09:30:00.250Z'),
      });
    });

    it('gives a job without a creation time the time of the adoption', async () => {
      await adopt(source.url, target.database);
      const nurse = (await targetJobs(target.database)).find((j) => j.id === 8);
      expect(nurse?.createdAt).toEqual(now);
    });

    it('skips the rows this project refuses, counted with their reasons, and writes the others', async () => {
      const summary = await adopt(source.url, target.database);
      expect(summary.user_profiles).toMatchObject({ read: 4, inserted: 3, skipped: 1 });
      expect(summary.user_profiles?.skips).toEqual([
        { reason: 'auth0_sub: is required', count: 1, ids: [4] },
      ]);
      expect(summary.jobs).toMatchObject({ read: 6, inserted: 4, skipped: 2 });
      expect(summary.jobs?.skips).toEqual([
        { reason: 'title: is required', count: 1, ids: [3] },
        {
          reason: 'job_type: must be one of full-time, part-time, contract, internship, temporary',
          count: 1,
          ids: [5],
        },
      ]);
    });

    it('adds nothing on a second run and reports every row unchanged', async () => {
      await adopt(source.url, target.database);
      const [users, jobs] = [await targetUsers(target.database), await targetJobs(target.database)];
      const second = await adopt(source.url, target.database);
      expect(second.user_profiles).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, skipped: 1 });
      expect(second.jobs).toMatchObject({ inserted: 0, updated: 0, unchanged: 4, skipped: 2 });
      expect(await targetUsers(target.database)).toEqual(users);
      expect(await targetJobs(target.database)).toEqual(jobs);
    });

    it('reports a row changed in the source since the last run as updated, and writes the change', async () => {
      const changing = await createFlaskDatabase(sourceKind);
      try {
        await adopt(changing.url, target.database);
        await changing.exec(`UPDATE jobs SET title = 'Senior Welder' WHERE id = 1`);
        const second = await adopt(changing.url, target.database);
        expect(second.jobs).toMatchObject({ inserted: 0, updated: 1, unchanged: 3 });
        expect((await targetJobs(target.database))[0]?.title).toBe('Senior Welder');
      } finally {
        await changing.dispose();
      }
    });

    it('leaves the source as it was', async () => {
      const before = await source.snapshot();
      await adopt(source.url, target.database);
      expect(await source.snapshot()).toBe(before);
    });
  });
});

describe.each(targetKinds)('ids when adopting into %s', (targetKind) => {
  let source: FlaskFixture;
  let target: TestDatabase;
  beforeAll(async () => {
    source = await createFlaskDatabase('sqlite');
  });
  afterAll(() => source.dispose());
  beforeEach(async () => {
    target = await createTestDatabase(targetKind);
  });
  afterEach(() => target.dispose());

  it('gives jobs and users created after the adoption ids past the adopted ones', async () => {
    await adopt(source.url, target.database);
    const job = await createJobStore(target.database).create(newJob('After'), now);
    const user = await createUserStore(target.database).createIfAbsent(
      { auth0Sub: 'auth0|later', email: null, name: null, picture: null },
      now,
    );
    expect(job.id).toBe(13);
    expect(user.id).toBe(8);
  });

  it('gives a job whose Flask id is taken here an id past every Flask id, and finds it again on a re-run', async () => {
    const native = await createJobStore(target.database).create(newJob('Native'), now);
    expect(native.id).toBe(1);
    const first = await adopt(source.url, target.database);
    expect(first.jobs).toMatchObject({ inserted: 4, renumbered: 1 });
    const welder = (await targetJobs(target.database)).find((j) => j.title === 'Welder');
    expect(welder).toMatchObject({ id: 13, externalId: '1' });
    const second = await adopt(source.url, target.database);
    expect(second.jobs).toMatchObject({ inserted: 0, unchanged: 4 });
  });

  it('updates a user who signed in here before in place, matched by auth0_sub', async () => {
    const signedIn = await createUserStore(target.database).createIfAbsent(
      { auth0Sub: 'auth0|carol', email: 'carol@new.example', name: 'C.', picture: null },
      now,
    );
    const summary = await adopt(source.url, target.database);
    expect(summary.user_profiles).toMatchObject({ inserted: 2, updated: 1 });
    const carol = (await targetUsers(target.database)).find((u) => u.auth0Sub === 'auth0|carol');
    expect(carol).toMatchObject({ id: signedIn.id, email: 'carol@example.com', name: 'Carol' });
  });
});

describe('adopting, on the edges', () => {
  let target: TestDatabase;
  beforeEach(async () => {
    target = await createTestDatabase('libsql');
  });
  afterEach(() => target.dispose());

  it('writes a batch all or nothing: a failed write leaves none of its rows, and the batches before it stay', async () => {
    const source = await createFlaskDatabase('sqlite');
    try {
      // The third batch of two (Flask jobs 8 and 12) fails at its second row.
      await target.database.db.run(
        sql.raw(
          `create trigger refuse_driver before insert on jobs when new.title = 'Driver' begin select raise(abort, 'refused by test'); end`,
        ),
      );
      await expect(adopt(source.url, target.database, 2)).rejects.toThrow(/refused by test/);
      expect((await targetJobs(target.database)).map((j) => j.title)).toEqual(['Welder', 'Night Baker']);
    } finally {
      await source.dispose();
    }
  });

  it('tolerates missing optional columns: no name, e-mail, creation time or active flag', async () => {
    const source = await createFlaskDatabase('sqlite', {
      tables: {
        users: ['id', 'auth0_sub'],
        jobs: ['id', 'title', 'company', 'location', 'job_type', 'description'],
      },
    });
    try {
      const summary = await adopt(source.url, target.database);
      expect(summary.user_profiles).toMatchObject({ inserted: 3, skipped: 1 });
      expect(summary.jobs).toMatchObject({ inserted: 4, skipped: 2 });
      expect((await targetUsers(target.database))[0]).toMatchObject({
        email: null,
        name: null,
        createdAt: now,
      });
      expect((await targetJobs(target.database)).every((j) => j.isActive)).toBe(true);
    } finally {
      await source.dispose();
    }
  });

  it('adopts the jobs of a source without user_profiles and reports that table as not in the source', async () => {
    const source = await createFlaskDatabase('sqlite', { tables: { jobs: defaultTables.jobs } });
    try {
      const summary = await adopt(source.url, target.database);
      expect(summary.user_profiles).toMatchObject({ inSource: false, read: 0 });
      expect(summary.jobs).toMatchObject({ inserted: 4 });
    } finally {
      await source.dispose();
    }
  });

  it('skips a second user with the same auth0_sub when the source lacks the unique constraint', async () => {
    const file = path.join(tmp, 'no-unique.db');
    const writer = createClient({ url: `file:${file}` });
    try {
      await writer.execute(
        'CREATE TABLE user_profiles (id INTEGER NOT NULL, auth0_sub VARCHAR(255), PRIMARY KEY (id))',
      );
      await writer.execute(`INSERT INTO user_profiles VALUES (1, 'auth0|twin'), (2, 'auth0|twin')`);
    } finally {
      writer.close();
    }
    const summary = await adopt(`file:${file}`, target.database);
    expect(summary.user_profiles).toMatchObject({ inserted: 1, skipped: 1 });
    expect(summary.user_profiles?.skips).toEqual([
      { reason: 'auth0_sub: another row has the same one', count: 1, ids: [2] },
    ]);
  });

  it("reads a Postgres source's timestamps as UTC whatever the machine's time zone", async () => {
    const source = await createFlaskDatabase('postgres');
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      await adopt(source.url, target.database);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
      await source.dispose();
    }
    expect((await targetUsers(target.database))[0]?.createdAt).toEqual(new Date('2024-01-02T03:04:05.678Z'));
  });

  it('refuses a source with neither table', async () => {
    const source = await createFlaskDatabase('sqlite', { tables: {} });
    try {
      const opened = await openFlaskSource(parseFlaskUrl(source.url));
      await expect(planAdoption(opened).finally(() => opened.close())).rejects.toThrow(
        /neither a user_profiles nor a jobs table/,
      );
    } finally {
      await source.dispose();
    }
  });

  it('refuses a jobs table without a column the copy needs', async () => {
    const source = await createFlaskDatabase('sqlite', {
      tables: { jobs: ['id', 'title', 'company', 'location', 'job_type'] },
    });
    try {
      const opened = await openFlaskSource(parseFlaskUrl(source.url));
      await expect(planAdoption(opened).finally(() => opened.close())).rejects.toThrow(
        "The source's jobs table has no description column",
      );
    } finally {
      await source.dispose();
    }
  });
});

describe('the source is opened read-only', () => {
  it('a SQLite source connection refuses writes', async () => {
    const source = await createFlaskDatabase('sqlite');
    const client = openSqliteReadOnly(parseFlaskFile(source.url));
    try {
      await expect(client.execute(`delete from jobs`)).rejects.toThrow(/readonly/i);
    } finally {
      client.close();
      await source.dispose();
    }
  });

  it('a Postgres source session refuses writes', async () => {
    const source = await createFlaskDatabase('postgres');
    const location = parseFlaskUrl(source.url);
    if (location.kind !== 'postgres') throw new Error('expected a Postgres location');
    const client = await connectPostgresReadOnly(location.url);
    try {
      await expect(client.query('delete from jobs')).rejects.toThrow(/read-only transaction/);
    } finally {
      await client.end();
      await source.dispose();
    }
  });
});

function parseFlaskFile(url: string): string {
  const location = parseFlaskUrl(url);
  if (location.kind !== 'sqlite') throw new Error('expected a SQLite location');
  return location.file;
}

describe('source URLs', () => {
  it('reads sqlite:/// as a path relative to the current folder', () => {
    expect(parseFlaskUrl('sqlite:///instance/efficientai.db', '/srv/flask')).toEqual({
      kind: 'sqlite',
      file: '/srv/flask/instance/efficientai.db',
    });
  });

  it('reads sqlite://// as an absolute path', () => {
    expect(parseFlaskUrl('sqlite:////var/lib/flask.db', '/srv')).toEqual({
      kind: 'sqlite',
      file: '/var/lib/flask.db',
    });
  });

  it('reads file: URLs as libSQL does (relative, one slash, three slashes)', () => {
    expect(parseFlaskUrl('file:data/flask.db', '/srv')).toEqual({
      kind: 'sqlite',
      file: '/srv/data/flask.db',
    });
    expect(parseFlaskUrl('file:/var/flask.db', '/srv')).toEqual({ kind: 'sqlite', file: '/var/flask.db' });
    expect(parseFlaskUrl('file:///var/flask%20db.db', '/srv')).toEqual({
      kind: 'sqlite',
      file: '/var/flask db.db',
    });
  });

  it("reads SQLAlchemy's postgresql+psycopg2:// and postgres:// as Postgres URLs", () => {
    expect(parseFlaskUrl('postgresql+psycopg2://u:p@db:5432/app?sslmode=require')).toEqual({
      kind: 'postgres',
      url: 'postgresql://u:p@db:5432/app?sslmode=require',
    });
    expect(parseFlaskUrl('postgres://u@db/app')).toEqual({ kind: 'postgres', url: 'postgresql://u@db/app' });
  });

  it('refuses an unknown scheme', () => {
    expect(() => parseFlaskUrl('mysql://u@db/app')).toThrow(/Unknown database URL scheme "mysql:"/);
  });

  it('refuses an in-memory SQLite database', () => {
    expect(() => parseFlaskUrl('sqlite:///:memory:')).toThrow(/in-memory/);
  });
});

describe('an unreachable source', () => {
  it('is a Postgres error that names the source without its password', async () => {
    const opening = openFlaskSource(parseFlaskUrl('postgresql://flask:s3cret@127.0.0.1:1/flask'));
    await expect(opening).rejects.toThrow(AdoptError);
    await expect(opening).rejects.toThrow(
      /^Cannot open the source database \(Postgres postgresql:\/\/flask:\*\*\*@127\.0\.0\.1:1\/flask\): .*ECONNREFUSED/,
    );
  });

  it('is a missing SQLite file, which is not created', async () => {
    const file = path.join(tmp, 'missing.db');
    await expect(openFlaskSource(parseFlaskUrl(`sqlite:///${file}`))).rejects.toThrow(`no file ${file}`);
    expect(existsSync(file)).toBe(false);
  });

  it('is a file that is not a database', async () => {
    const file = path.join(tmp, 'notes.db');
    writeFileSync(file, 'not a database, just notes\n'.repeat(100));
    await expect(openFlaskSource(parseFlaskUrl(`file:${file}`))).rejects.toThrow(
      /Cannot open the source database .*not a database/,
    );
  });
});

describe('Flask job types', () => {
  it.each([
    ['Full Time', 'full-time'],
    ['full_time', 'full-time'],
    ['FULLTIME', 'full-time'],
    ['Part-Time', 'part-time'],
    ['Contractor', 'contract'],
    ['Intern', 'internship'],
    ['Temp', 'temporary'],
    ['contract', 'contract'],
  ])('reads %s as %s', (written, type) => {
    expect(flaskJobType(written)).toBe(type);
  });

  it('keeps a type it cannot read as written, for the row to be refused with its reason', () => {
    expect(flaskJobType('Gig')).toBe('Gig');
    expect(flaskJobType(42)).toBe(42);
  });
});

describe('source timestamps', () => {
  it("reads SQLAlchemy's naive DateTime text as UTC, to the millisecond", () => {
    expect(timeOf('2024-01-02 03:04:05.678901')).toEqual(new Date('2024-01-02T03:04:05.678Z'));
  });

  it('applies an offset when the text has one (timestamptz)', () => {
    expect(timeOf('2024-01-02 03:04:05+05:30')).toEqual(new Date('2024-01-01T21:34:05Z'));
  });

  it('refuses a date that does not exist', () => {
    expect(timeOf('2023-02-29 00:00:00')).toBe('invalid');
  });
});

describe('the db:adopt CLI', () => {
  const run = promisify(execFile);
  const root = path.resolve(import.meta.dirname, '../..');
  const tsx = path.join(root, 'node_modules/tsx/dist/esm/index.mjs');
  const cli = path.join(root, 'src/node/adopt-cli.ts');
  const dir = mkdtempSync(path.join(tmp, 'cli-'));
  const databaseUrl = `file:${path.join(dir, 'target.db')}`;
  const adoptCli = (url: string, target = databaseUrl) =>
    run(process.execPath, ['--import', tsx, cli, url], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', DATABASE_DEV: target },
    });
  let source: FlaskFixture;
  beforeAll(async () => {
    source = await createFlaskDatabase('sqlite');
  });
  afterAll(() => source.dispose());

  it('adopts with a summary per table, then reports nothing new on a second run', async () => {
    const absolute = `sqlite:///${parseFlaskFile(source.url)}`;
    const first = await adoptCli(absolute);
    expect(first.stdout).toMatch(/user_profiles: 4 read, 3 new, 0 updated, 0 unchanged, 1 skipped/);
    expect(first.stdout).toMatch(/jobs: 6 read, 4 new, 0 updated, 0 unchanged, 2 skipped/);
    expect(first.stdout).toMatch(/skipped 1: title: is required \(id 3\)/);
    const second = await adoptCli(absolute);
    expect(second.stdout).toMatch(/jobs: 6 read, 0 new, 0 updated, 4 unchanged, 2 skipped/);
    const database = createLibsqlDatabase(databaseUrl);
    try {
      expect(await createJobStore(database).countActive()).toBe(3);
    } finally {
      await database.close();
    }
  });

  it('exits 1 with one line and no stack trace for an unknown scheme, creating no target database', async () => {
    const untouched = path.join(dir, 'untouched.db');
    const failed = await adoptCli('mysql://u@db/app', `file:${untouched}`).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Unknown database URL scheme "mysql:"/),
    ]);
    expect(existsSync(untouched)).toBe(false);
  });
});
