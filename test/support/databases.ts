import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import type { Database } from '../../src/db/database';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import { createNeonDatabase } from '../../src/db/drivers/postgres';
import { migrateDatabase } from '../../src/node/database';
import { createPgDatabase } from '../../src/node/pg-database';
import { createPostgresDatabase } from './postgres';
import { startWsProxy } from './ws-proxy';

/** Every database test runs on each of these: a libSQL file, real Postgres over pg, and over the Neon driver. */
export const databaseKinds = ['libsql', 'pg', 'neon'] as const;
export type DatabaseKind = (typeof databaseKinds)[number];

export interface TestDatabase {
  database: Database;
  /** Drops the database (Postgres) or deletes the file (libSQL). */
  dispose(): Promise<void>;
}

/** A fresh, migrated database of the given kind for one test file. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'libsql') {
    const dir = mkdtempSync(path.join(tmpdir(), 'jobmate-test-'));
    const database = createLibsqlDatabase(`file:${path.join(dir, 'test.db')}`);
    await migrateDatabase(database);
    return {
      database,
      async dispose() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const pgDb = await createPostgresDatabase();
  if (kind === 'pg') {
    const database = createPgDatabase(pgDb.url);
    await migrateDatabase(database);
    return {
      database,
      async dispose() {
        await database.close();
        await pgDb.drop();
      },
    };
  }
  const proxy = await startWsProxy();
  const database = createNeonDatabase(pgDb.url, {
    webSocketConstructor: WebSocket,
    wsProxy: proxy.proxy,
    secure: false,
  });
  await migrateDatabase(database);
  return {
    database,
    async dispose() {
      await database.close();
      await proxy.close();
      await pgDb.drop();
    },
  };
}
