import { Pool as NeonPool, neonConfig } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import {
  type AtomicResults,
  type AtomicStatement,
  asSharedDatabase,
  type Database,
  type Db,
} from '../database';
import * as schema from '../schema/postgres';

/** The wire protocol counts a statement's parameters in 16 bits. */
const POSTGRES_MAX_PARAMETERS = 65_535;

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
    maxParameters: POSTGRES_MAX_PARAMETERS,
    atomic: transactionAtomic(db),
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
    maxParameters: POSTGRES_MAX_PARAMETERS,
    atomic: transactionAtomic(db),
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await pool.end();
    },
  };
}

/** `atomic` on Postgres: the statements in order inside a real transaction. */
function transactionAtomic(db: {
  transaction<R>(run: (tx: unknown) => Promise<R>): Promise<R>;
}): Database['atomic'] {
  return function atomic<T extends AtomicStatement[]>(build: (db: Db) => [...T]) {
    return db.transaction(async (tx) => {
      const results: unknown[] = [];
      // Built from `tx`, presented through the shared type, so that every statement runs in it.
      for (const statement of build(tx as unknown as Db)) results.push(await statement);
      return results as AtomicResults<T>;
    });
  };
}
