import type { BatchItem, BatchResponse } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { Telemetry } from '../services/telemetry';
import type { Migration } from './migrations';
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

/**
 * One statement of an atomic write: a Drizzle query builder, not yet awaited (insert, update or
 * delete, with `.returning()` where its rows are wanted; a select where a count must be taken in
 * the same transaction).
 */
export type AtomicStatement = BatchItem<'sqlite'>;
/**
 * What each statement of an atomic write gave, in order: rows for `.returning()` and selects. The
 * result of a statement without rows is the driver's own (unknown): do not rely on it.
 */
export type AtomicResults<T extends AtomicStatement[]> = BatchResponse<T>;

export interface Database {
  readonly dialect: Dialect;
  /** Which driver is behind it: for health output and logs. */
  readonly driver: 'libsql' | 'd1' | 'pg' | 'neon';
  readonly db: Db;
  readonly tables: Tables;
  /**
   * Bound parameters one statement may carry: 100 on D1, 32,766 on libSQL, 65,535 on Postgres.
   * Writes of many rows split into several statements (see `runs`) to stay within it.
   */
  readonly maxParameters: number;
  /**
   * Runs the statements `build` returns in order, all or nothing: one write that commits entirely
   * or not at all, on every driver. D1 has no interactive transactions, so this is the only way to
   * write atomically here (never `db.transaction`):
   *
   * - libSQL and D1 send them as one `db.batch` (a single transaction on the server);
   * - pg and Neon run them one after another inside `db.transaction`, built from its `tx`.
   *
   * `build` must only build statements from the `db` it is given (subqueries included), not run
   * anything: reads whose answer decides what to write happen before `atomic`, and whatever must
   * hold at the moment of writing is put in the statements themselves (a `where` with a subquery,
   * a unique index that refuses the write). Postgres runs them at READ COMMITTED, so each statement
   * sees what other transactions had committed when it started, and row locks it takes are held to
   * the end. An empty list does nothing. Rejects, having written nothing, when any statement fails.
   */
  atomic<T extends AtomicStatement[]>(build: (db: Db) => [...T]): Promise<AtomicResults<T>>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** Connection pool figures, for metrics (Postgres pools only). */
  readonly poolStats?: () => { total: number; idle: number; waiting: number };
  /**
   * Applies the migrations not applied yet, under the database's own lock (./migrations.ts): safe
   * when several replicas start at once. D1 is migrated by `wrangler d1 migrations apply` instead.
   */
  migrate(migrations: readonly Migration[]): Promise<void>;
  close(): Promise<void>;
}

export const sqliteTables: Tables = sqliteSchema;

/** Options every driver takes. */
export interface DriverOptions {
  /**
   * Called with each statement's SQL text, never its parameters (`LOG_LEVEL=debug`). Parameters
   * carry resume text, chat messages and e-mail addresses, which must not reach logs.
   */
  logSql?: (sql: string) => void;
  /** Each statement counted, timed and traced as a `database` call (src/services/telemetry.ts). */
  telemetry?: Telemetry;
}

/** Drizzle's `logger` option for `logSql`: the text only. */
export function sqlLogger(options: DriverOptions): { logger: { logQuery(query: string): void } } | object {
  const { logSql } = options;
  return logSql ? { logger: { logQuery: (query: string) => logSql(query) } } : {};
}

type PostgresTables = typeof postgresSchema;

// Compile-time check that both schemas declare the same tables and columns.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false;
const _sameTables: SameKeys<Tables, PostgresTables> = true;
void _sameTables;

/** `atomic` on libSQL and D1: Drizzle's batch, one transaction on the server. */
export function batchAtomic(db: {
  batch(statements: [AtomicStatement, ...AtomicStatement[]]): Promise<unknown[]>;
}): Database['atomic'] {
  return async function atomic<T extends AtomicStatement[]>(build: (db: Db) => [...T]) {
    const statements: AtomicStatement[] = build(db as unknown as Db);
    const [first, ...rest] = statements;
    if (!first) return [] as unknown[] as AtomicResults<T>;
    return (await db.batch([first, ...rest])) as AtomicResults<T>;
  };
}

/**
 * Splits `items` into runs, one statement each: at most `preferred` long, and short enough that
 * `perItem` bound parameters for each item plus `fixed` others stay within `maxParameters`.
 */
export function runs<T>(
  items: readonly T[],
  limits: { maxParameters: number; perItem: number; fixed?: number; preferred?: number },
): T[][] {
  const fit = Math.floor((limits.maxParameters - (limits.fixed ?? 0)) / limits.perItem);
  const size = Math.min(limits.preferred ?? Number.POSITIVE_INFINITY, fit);
  if (size < 1) throw new Error(`a statement cannot bind ${limits.perItem} parameters for one item`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Presents a Postgres Drizzle database and its tables through the shared type (see above). */
export function asSharedDatabase(db: unknown, tables: PostgresTables): { db: Db; tables: Tables } {
  return { db: db as Db, tables: tables as unknown as Tables };
}
