import type { Client } from '@libsql/client/web';
import { sql } from 'drizzle-orm';
import type { LibSQLDatabase } from 'drizzle-orm/libsql/driver-core';
import { batchAtomic, type Database, type DriverOptions, sqlLogger } from '../database';
import { migrateSqlite } from '../migrations';
import * as schema from '../schema/sqlite';
import { observeLibsqlClient } from './observe';

/**
 * Drizzle's libSQL `drizzle` function: `drizzle-orm/libsql` (which imports the Node client) or
 * `drizzle-orm/libsql/web` (the web client only); both build the same LibSQLDatabase.
 */
export type LibsqlDrizzle = (
  config: { client: Client; schema: typeof schema } & ReturnType<typeof sqlLogger>,
) => LibSQLDatabase<typeof schema>;

/**
 * The Database over a libSQL client, whichever client it is: `@libsql/client` on Node (a file, or
 * a remote server; ./libsql.ts) or `@libsql/client/web` on Workers (a remote server over HTTP;
 * ./libsql-web.ts). One implementation of `atomic`, `migrate` and `ping` for both.
 */
export function libsqlDatabase(
  client: Client,
  drizzle: LibsqlDrizzle,
  options: DriverOptions = {},
): Database {
  observeLibsqlClient(client, options.telemetry);
  const db = drizzle({ client, schema, ...sqlLogger(options) });
  return {
    dialect: 'sqlite',
    driver: 'libsql',
    db,
    tables: schema,
    // SQLITE_MAX_VARIABLE_NUMBER's default since SQLite 3.32 (libSQL files and servers alike).
    maxParameters: 32_766,
    // One `client.batch`: BEGIN, the statements and COMMIT in one transaction (on a server, one
    // Hrana request whose steps run only if the one before succeeded), ROLLBACK when one fails.
    atomic: batchAtomic(db),
    async ping() {
      await db.run(sql`select 1`);
    },
    // `client.transaction('write')`: BEGIN IMMEDIATE, on a file as on a server (there a Hrana
    // stream kept across requests by its baton), so the migrations hold the write lock throughout.
    migrate: (migrations) => migrateSqlite(client, migrations),
    async close() {
      client.close();
    },
  };
}
