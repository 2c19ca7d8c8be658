import { createClient } from '@libsql/client';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/libsql';
import { batchAtomic, type Database } from '../database';
import * as schema from '../schema/sqlite';

/** libSQL: a local file on Node (`file:`), or a remote libSQL server (`libsql://`, `http(s)://`). */
export function createLibsqlDatabase(url: string, authToken?: string): Database {
  const client = createClient({ url, authToken });
  const db = drizzle(client, { schema });
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
    async close() {
      client.close();
    },
  };
}
