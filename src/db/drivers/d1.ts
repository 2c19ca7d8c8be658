import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { batchAtomic, type Database, type DriverOptions, sqlLogger } from '../database';
import * as schema from '../schema/sqlite';

/** Cloudflare D1 (Workers): the SQLite schema and migrations, through a binding. */
export function createD1Database(binding: D1DatabaseLike, options: DriverOptions = {}): Database {
  const db = drizzle(binding as Parameters<typeof drizzle>[0], { schema, ...sqlLogger(options) });
  return {
    dialect: 'sqlite',
    driver: 'd1',
    db,
    tables: schema,
    // D1's limit on bound parameters per query (more fails with "too many SQL variables").
    maxParameters: 100,
    // D1 refuses BEGIN: a batch is its only transaction.
    atomic: batchAtomic(db),
    async ping() {
      await db.run(sql`select 1`);
    },
    async migrate() {
      throw new Error('D1 databases are migrated with `wrangler d1 migrations apply`');
    },
    async close() {},
  };
}

/** The part of the D1 binding we rely on; the full type lives in @cloudflare/workers-types. */
export interface D1DatabaseLike {
  prepare(query: string): unknown;
  batch(statements: unknown[]): Promise<unknown[]>;
  exec(query: string): Promise<unknown>;
}
