import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as postgresSchema from './schema/postgres';
import * as sqliteSchema from './schema/sqlite';

/**
 * The database as the rest of the app sees it.
 *
 * The two schemas (./schema/sqlite.ts, ./schema/postgres.ts) have the same tables, column names and
 * row types, and the query-builder calls we use (select/insert/update/delete, onConflict*,
 * returning, $count) behave the same on both. TypeScript cannot unify Drizzle's two generic class
 * hierarchies, so the repositories are written once against the SQLite builder type and a Postgres
 * database is presented through that type here, in this one place. The same test suite runs every
 * repository on libSQL and on real Postgres (pg and the Neon driver) to keep that promise honest.
 * Raw SQL that differs between dialects (full-text search, for instance) branches on `dialect`.
 */
export type Tables = typeof sqliteSchema;
export type Db = BaseSQLiteDatabase<'async', unknown, Tables>;
export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  readonly dialect: Dialect;
  /** Which driver is behind it: for health output and logs. */
  readonly driver: 'libsql' | 'd1' | 'pg' | 'neon';
  readonly db: Db;
  readonly tables: Tables;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const sqliteTables: Tables = sqliteSchema;

type PostgresTables = typeof postgresSchema;

// Compile-time check that both schemas declare the same tables and columns.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false;
const _sameTables: SameKeys<Tables, PostgresTables> = true;
void _sameTables;

/** Presents a Postgres Drizzle database and its tables through the shared type (see above). */
export function asSharedDatabase(db: unknown, tables: PostgresTables): { db: Db; tables: Tables } {
  return { db: db as Db, tables: tables as unknown as Tables };
}
