import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { WebSocket } from 'ws';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { createLibsqlDatabase } from '../db/drivers/libsql';
import { createNeonDatabase, type NeonOptions } from '../db/drivers/postgres';
import { createPgDatabase } from './pg-database';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const migrationsFolder = {
  sqlite: path.join(projectRoot, 'migrations/sqlite'),
  postgres: path.join(projectRoot, 'migrations/postgres'),
};

/** libSQL cannot create a `file:` database in a folder that does not exist yet. */
function ensureParentFolder(url: string) {
  if (!url.startsWith('file:')) return;
  const file = url.slice('file:'.length).split('?')[0] ?? '';
  if (file && file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
}

export type PostgresDriver = 'pg' | 'neon';

export function postgresDriverFor(config: Pick<Config, 'DATABASE_DRIVER'>, url: string): PostgresDriver {
  if (config.DATABASE_DRIVER !== 'auto') return config.DATABASE_DRIVER;
  return isNeonHost(url) ? 'neon' : 'pg';
}

function isNeonHost(url: string): boolean {
  try {
    return new URL(url).hostname.endsWith('.neon.tech');
  } catch {
    return false;
  }
}

/**
 * Opens the configured database on Node: a libSQL file by default (or the remote libSQL server of a
 * `libsql://` DATABASE_DEV, with LIBSQL_AUTH_TOKEN), Postgres with `DATABASE_MODE=postgres`.
 */
export function openNodeDatabase(
  config: Pick<Config, 'DATABASE_MODE' | 'DATABASE_DEV' | 'DATABASE_PROD' | 'DATABASE_DRIVER'> &
    Partial<
      Pick<
        Config,
        | 'NEON_WS_PROXY'
        | 'NEON_WS_SECURE'
        | 'DATABASE_CONNECT_TIMEOUT_MS'
        | 'DATABASE_QUERY_TIMEOUT_MS'
        | 'LIBSQL_AUTH_TOKEN'
      >
    >,
  options: NeonOptions = {},
): Database {
  if (config.DATABASE_MODE === 'sqlite') {
    ensureParentFolder(config.DATABASE_DEV);
    // A remote server (`libsql://`, `https://`) with its token; a file ignores the token.
    return createLibsqlDatabase(config.DATABASE_DEV, {
      logSql: options.logSql,
      authToken: config.LIBSQL_AUTH_TOKEN,
    });
  }
  const url = config.DATABASE_PROD;
  if (!url) throw new Error('DATABASE_PROD is required in postgres mode');
  const timeouts = {
    connectMs: config.DATABASE_CONNECT_TIMEOUT_MS,
    queryMs: config.DATABASE_QUERY_TIMEOUT_MS,
    logSql: options.logSql,
  };
  return postgresDriverFor(config, url) === 'neon'
    ? createNeonDatabase(url, {
        ...timeouts,
        webSocketConstructor: WebSocket,
        ...(config.NEON_WS_PROXY ? { wsProxy: config.NEON_WS_PROXY, secure: config.NEON_WS_SECURE } : {}),
        ...options,
      })
    : createPgDatabase(url, timeouts);
}

/**
 * Applies pending drizzle-kit migrations of the database's dialect, under the database's lock, so
 * replicas may start together (src/db/migrations.ts). Idempotent.
 */
export async function migrateDatabase(database: Database): Promise<void> {
  await database.migrate(readMigrationFiles({ migrationsFolder: migrationsFolder[database.dialect] }));
}
