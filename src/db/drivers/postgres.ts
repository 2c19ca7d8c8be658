import { Pool as NeonPool, neonConfig } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { asSharedDatabase, type Database } from '../database';
import * as schema from '../schema/postgres';

export interface NeonOptions {
  /** WebSocket constructor, for runtimes without a global one (Node 20). */
  webSocketConstructor?: typeof neonConfig.webSocketConstructor;
  /** `host:port/path` of a WebSocket-to-TCP proxy in front of a plain Postgres (local runs and tests). */
  wsProxy?: string;
  /** False only for a local proxy without TLS. */
  secure?: boolean;
}

/** Postgres through `@neondatabase/serverless` (Pool over WebSocket): Neon, and Workers. */
export function createNeonDatabase(url: string, options: NeonOptions = {}): Database {
  if (options.webSocketConstructor) neonConfig.webSocketConstructor = options.webSocketConstructor;
  const pool = new NeonPool({ connectionString: url, max: 10 });
  if (options.wsProxy) {
    // neonConfig is process-wide in the driver; a process talks to one proxy at a time.
    neonConfig.wsProxy = options.wsProxy; // the driver appends ?address=host:port
    neonConfig.useSecureWebSocket = options.secure ?? false;
    // A plain Postgres needs the normal handshake: pipelining breaks SCRAM there (STACK.md).
    neonConfig.pipelineConnect = false;
    neonConfig.pipelineTLS = false;
  }
  pool.on('error', () => {
    // An idle client lost its connection; the next query reconnects. Without a listener the
    // process would crash on an 'error' event.
  });
  const db = drizzleNeon(pool, { schema });
  return {
    dialect: 'postgres',
    driver: 'neon',
    ...asSharedDatabase(db, schema),
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await pool.end();
    },
  };
}

/** Postgres over plain TCP with `pg` (Node, or workerd with nodejs_compat). */
export function createPgDatabase(url: string, options: { max?: number } = {}): Database {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {
    // See createNeonDatabase: a dropped idle connection must not crash the process.
  });
  const db = drizzlePg(pool, { schema });
  return {
    dialect: 'postgres',
    driver: 'pg',
    ...asSharedDatabase(db, schema),
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await pool.end();
    },
  };
}
