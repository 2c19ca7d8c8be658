import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Database } from '../db/database';
import { sqlLogger } from '../db/database';
import { type PostgresOptions, poolTimeouts, postgresDatabase } from '../db/drivers/postgres';
import * as schema from '../db/schema/postgres';

/**
 * Postgres over plain TCP with `pg`: Node only. It lives here, not beside the Neon driver, so
 * that the Worker bundle (which reaches Postgres through `@neondatabase/serverless`) does not
 * carry `pg` and its Node-only dependencies.
 */
export function createPgDatabase(url: string, options: PostgresOptions & { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, ...poolTimeouts(options) });
  return postgresDatabase<pg.PoolClient, pg.Pool>({
    driver: 'pg',
    pool,
    drizzle: (client) => drizzle(client, { schema, ...sqlLogger(options) }),
    options,
  });
}
