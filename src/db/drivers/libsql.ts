import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import type { Database, DriverOptions } from '../database';
import { libsqlDatabase } from './libsql-database';

/** libSQL: a local file on Node (`file:`), or a remote libSQL server (`libsql://`, `http(s)://`). */
export function createLibsqlDatabase(
  url: string,
  options: DriverOptions & { authToken?: string } = {},
): Database {
  const { authToken, ...driverOptions } = options;
  // A local file waits this long for another connection's write lock (a second replica migrating,
  // a long import batch) before SQLITE_BUSY (503); remote servers ignore it.
  const client = createClient({ url, authToken, timeout: 5_000 });
  return libsqlDatabase(client, drizzle, driverOptions);
}
