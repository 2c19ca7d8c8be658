import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as drizzleLibsqlMigrate } from 'drizzle-orm/libsql/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate as drizzlePgMigrate } from 'drizzle-orm/node-postgres/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Database } from '../../src/db/database';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import { createNeonDatabase } from '../../src/db/drivers/postgres';
import type { Migration } from '../../src/db/migrations';
import { migrateDatabase, migrationsFolder } from '../../src/node/database';
import { createPgDatabase } from '../../src/node/pg-database';
import { databaseKinds } from '../support/databases';
import { createPostgresDatabase } from '../support/postgres';
import { startWsProxy } from '../support/ws-proxy';

/** A fresh, unmigrated database and a way to open as many connections to it as replicas would. */
async function emptyDatabase(kind: (typeof databaseKinds)[number]) {
  const cleanups: (() => Promise<void>)[] = [];
  let open: () => Database;
  let url = '';
  if (kind === 'libsql') {
    const dir = mkdtempSync(path.join(tmpdir(), 'jobmate-migrate-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    url = `file:${path.join(dir, 'shared.db')}`;
    open = () => createLibsqlDatabase(url);
  } else {
    const pgDb = await createPostgresDatabase();
    cleanups.push(() => pgDb.drop());
    if (kind === 'pg') {
      open = () => createPgDatabase(pgDb.url);
    } else {
      const proxy = await startWsProxy();
      cleanups.unshift(() => proxy.close());
      open = () =>
        createNeonDatabase(pgDb.url, {
          webSocketConstructor: WebSocket,
          wsProxy: proxy.proxy,
          secure: false,
        });
    }
  }
  const opened: Database[] = [];
  return {
    url,
    open() {
      const database = open();
      opened.push(database);
      return database;
    },
    async dispose() {
      for (const database of opened) await database.close().catch(() => {});
      for (const cleanup of cleanups) await cleanup();
    },
  };
}

const root = path.resolve(import.meta.dirname, '../..');

/** `npm run db:migrate` in a process of its own, on the given libSQL file; resolves to its exit code. */
function migrateInAProcess(url: string): Promise<number | null> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      path.join(root, 'node_modules/tsx/dist/esm/index.mjs'),
      path.join(root, 'src/node/migrate-cli.ts'),
    ],
    {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATABASE_DEV: url },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function countApplied(database: Database): Promise<number> {
  if (database.dialect === 'sqlite') {
    const rows = (await database.db.all(sql`select count(*) as n from "__drizzle_migrations"`)) as {
      n: number;
    }[];
    return Number(rows[0]?.n);
  }
  const execute = (database.db as unknown as { execute(q: unknown): Promise<{ rows: { n: string }[] }> })
    .execute;
  const result = await execute.call(
    database.db,
    sql`select count(*) as n from drizzle."__drizzle_migrations"`,
  );
  return Number(result.rows[0]?.n);
}

async function tableExists(database: Database, name: string): Promise<boolean> {
  if (database.dialect === 'sqlite') {
    const rows = await database.db.all(
      sql`select name from sqlite_master where type = 'table' and name = ${name}`,
    );
    return rows.length === 1;
  }
  const execute = (database.db as unknown as { execute(q: unknown): Promise<{ rows: unknown[] }> }).execute;
  const result = await execute.call(database.db, sql`select to_regclass(${name}) as t`);
  return (result.rows[0] as { t: string | null }).t !== null;
}

describe.each(databaseKinds)('migrations on %s', (kind) => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  const folder = kind === 'libsql' ? migrationsFolder.sqlite : migrationsFolder.postgres;
  const shipped = () => readMigrationFiles({ migrationsFolder: folder });

  it('lets five replicas that start together all succeed, each migration applied once', async () => {
    const target = await emptyDatabase(kind);
    cleanup = target.dispose;
    if (kind === 'libsql') {
      // libSQL runs SQLite synchronously: replicas are processes (`npm run db:migrate` each), as in production.
      const codes = await Promise.all(Array.from({ length: 5 }, () => migrateInAProcess(target.url)));
      expect(codes).toEqual([0, 0, 0, 0, 0]);
    } else {
      const replicas = Array.from({ length: 5 }, () => target.open());
      const outcomes = await Promise.allSettled(replicas.map((database) => migrateDatabase(database)));
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    }
    const database = target.open();
    expect(await countApplied(database)).toBe(shipped().length);
    expect(await tableExists(database, 'jobs')).toBe(true);
  });

  it('does nothing on a database that is up to date', async () => {
    const target = await emptyDatabase(kind);
    cleanup = target.dispose;
    const database = target.open();
    await migrateDatabase(database);
    await migrateDatabase(database);
    expect(await countApplied(database)).toBe(shipped().length);
  });

  it("understands a database migrated by drizzle's own migrator", async () => {
    const target = await emptyDatabase(kind);
    cleanup = target.dispose;
    const database = target.open();
    if (kind === 'libsql') {
      await drizzleLibsqlMigrate(database.db as unknown as Parameters<typeof drizzleLibsqlMigrate>[0], {
        migrationsFolder: folder,
      });
    } else if (kind === 'pg') {
      await drizzlePgMigrate(database.db as unknown as Parameters<typeof drizzlePgMigrate>[0], {
        migrationsFolder: folder,
      });
    } else {
      await migrateDatabase(database);
    }
    await migrateDatabase(target.open());
    expect(await countApplied(database)).toBe(shipped().length);
  });

  it('applies nothing of a run that fails part-way, and the next run can take the lock', async () => {
    const target = await emptyDatabase(kind);
    cleanup = target.dispose;
    const database = target.open();
    const good = shipped();
    const last = good[good.length - 1]!;
    const broken: Migration[] = [
      ...good,
      {
        ...last,
        folderMillis: last.folderMillis + 1,
        hash: 'broken',
        sql: ['CREATE TABLE half_written (id integer)', 'THIS IS NOT SQL'],
      },
    ];
    await expect(database.migrate(broken)).rejects.toThrow();
    expect(await tableExists(database, 'jobs')).toBe(false);
    expect(await tableExists(database, 'half_written')).toBe(false);
    await migrateDatabase(target.open());
    expect(await countApplied(database)).toBe(good.length);
  });
});

describe('the migration journals', () => {
  // A database records the `when` of the last migration it applied and applies only later ones, so
  // a new migration whose `when` is not above every earlier one's would be skipped on every
  // database already up to date. drizzle-kit writes the clock's time; 0008 and 0009 (SQLite) were
  // set by hand past it, so a migration generated before then must be given a later `when` too.
  it.each(['sqlite', 'postgres'] as const)('%s: each migration is dated after the one before', (dialect) => {
    const whens = readMigrationFiles({ migrationsFolder: migrationsFolder[dialect] }).map(
      (m) => m.folderMillis,
    );
    expect(whens.length).toBeGreaterThan(0);
    for (let i = 1; i < whens.length; i++) expect(whens[i], `migration ${i}`).toBeGreaterThan(whens[i - 1]!);
  });
});
