import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLibsqlDatabase } from '../src/db/drivers/libsql';
import { createJsonLogger, describeError } from '../src/logger';
import { createPgDatabase } from '../src/node/pg-database';
import { createTestDatabase, databaseKinds, type TestDatabase } from './support/databases';
import { createPostgresDatabase } from './support/postgres';

const privateEmail = 'private.person@example.com';

describe.each(databaseKinds)('logged database errors on %s', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.dispose());

  it("carry the failed query's SQL text and never its parameters", async () => {
    const { db: q, tables } = db.database;
    const row = { auth0Sub: 'auth0|logs', email: privateEmail, name: 'Private Person' };
    await q.insert(tables.userProfiles).values(row);
    const failure = await q
      .insert(tables.userProfiles)
      .values(row)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(Error);
    const described = describeError(failure);
    expect(described.error_message).toMatch(/^Failed query: insert into "user_profiles"/);
    const logged = JSON.stringify(described);
    expect(logged).not.toContain(privateEmail);
    expect(logged).not.toContain('Private Person');
  });
});

describe('logged Postgres errors', () => {
  let target: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    target = await createPostgresDatabase();
  });
  afterAll(() => target.drop());

  it('leave out the input Postgres quotes back in its message', async () => {
    const database = createPgDatabase(target.url);
    try {
      const secret = 'my salary is 90000';
      const failure = await (database.db as unknown as { execute(q: unknown): Promise<unknown> })
        .execute(sql`select ${secret}::uuid`)
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      const logged = JSON.stringify(describeError(failure));
      expect(logged).toContain('invalid input syntax for type uuid: \\"[redacted]\\"');
      expect(logged).not.toContain(secret);
    } finally {
      await database.close();
    }
  });
});

describe('SQL text at LOG_LEVEL=debug', () => {
  let target: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    target = await createPostgresDatabase();
  });
  afterAll(() => target.drop());

  it.each(['libsql', 'pg'] as const)('is logged on %s without the parameters', async (driver) => {
    const statements: string[] = [];
    const logSql = (text: string) => statements.push(text);
    const database =
      driver === 'libsql'
        ? createLibsqlDatabase(':memory:', { logSql })
        : createPgDatabase(target.url, { logSql });
    try {
      const run = database.db as unknown as {
        run?(q: unknown): Promise<unknown>;
        execute?(q: unknown): Promise<unknown>;
      };
      const query = sql`select ${privateEmail} as email`;
      await (driver === 'libsql' ? run.run!(query) : run.execute!(query));
      expect(statements).toEqual([driver === 'libsql' ? 'select ? as email' : 'select $1 as email']);
    } finally {
      await database.close();
    }
  });
});

describe('the JSON logger', () => {
  it('writes info and above by default, debug only when asked', () => {
    const lines: string[] = [];
    const info = createJsonLogger((line) => lines.push(line));
    info.debug('hidden');
    info.info('shown');
    const debug = createJsonLogger((line) => lines.push(line), {}, 'debug');
    debug.debug('detail', { sql: 'select 1' });
    expect(lines.map((line) => JSON.parse(line).message)).toEqual(['shown', 'detail']);
  });

  it('at warn, leaves info out', () => {
    const lines: string[] = [];
    const logger = createJsonLogger((line) => lines.push(line), {}, 'warn');
    logger.info('no');
    logger.warn('yes');
    logger.error('yes too');
    expect(lines.map((line) => JSON.parse(line).level)).toEqual(['warn', 'error']);
  });
});
