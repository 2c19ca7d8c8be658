import { createClient } from '@libsql/client';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { batchAtomic, type Database, type DriverOptions, sqlLogger } from '../database';
import { migrateSqlite } from '../migrations';
import * as schema from '../schema/sqlite';
import { observeLibsqlClient } from './observe';

/** libSQL: a local file on Node (`file:`), or a remote libSQL server (`libsql://`, `http(s)://`). */
export function createLibsqlDatabase(
  url: string,
  options: DriverOptions & { authToken?: string } = {},
): Database {
  // A local file waits this long for another connection's write lock (a second replica migrating,
  // a long import batch) before SQLITE_BUSY (503); remote servers ignore it.
  const client = createClient({ url, authToken: options.authToken, timeout: 5_000 });
  observeLibsqlClient(client, options.telemetry);
  const db = drizzle(client, { schema, ...sqlLogger(options) });
  return {
    dialect: 'sqlite',
    driver: 'libsql',
    db,
    tables: schema,
    // SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32 (libSQL files and servers alike).
    maxParameters: 32_766,
    atomic: batchAtomic(db),
    async ping() {
      await db.run(sql`select 1`);
    },
    migrate: (migrations) => migrateSqlite(client, migrations),
    async close() {
      client.close();
    },
  };
}
