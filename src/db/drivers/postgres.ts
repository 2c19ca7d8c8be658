import { Pool as NeonPool, type PoolClient as NeonPoolClient, neonConfig } from '@neondatabase/serverless';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import {
  type AtomicResults,
  type AtomicStatement,
  asSharedDatabase,
  type Database,
  type Db,
  type DriverOptions,
  sqlLogger,
} from '../database';
import { type Migration, migratePostgres, type PostgresMigrationClient } from '../migrations';
import * as schema from '../schema/postgres';
import { observePgPool } from './observe';

/** The wire protocol counts a statement's parameters in 16 bits. */
export const POSTGRES_MAX_PARAMETERS = 65_535;

/**
 * Options of the Postgres drivers, among them how long the app waits for Postgres. Without them a request hangs while the database is
 * unreachable or stuck; with them it is answered 503 `database_unavailable`.
 */
export interface PostgresOptions extends DriverOptions {
  /** Opening a connection, TLS and authentication included (default 5 s). */
  connectMs?: number;
  /**
   * One query: the client gives up waiting for its answer after this long (default 15 s) and the
   * connection is dropped. Client-side on purpose: a `statement_timeout` startup parameter is
   * refused by PgBouncer ("unsupported startup parameter") and ignored by Neon. To cancel the work
   * on the server as well, set it on the role: `ALTER ROLE app SET statement_timeout = '15s'`.
   */
  queryMs?: number;
}

export function poolTimeouts(timeouts: PostgresOptions = {}) {
  return { connectionTimeoutMillis: timeouts.connectMs ?? 5_000, query_timeout: timeouts.queryMs ?? 15_000 };
}

/** A query config with its own client-side timeout (pg and Neon clients alike). */
export interface TimedQueryClient {
  query(config: { text: string; values?: unknown[]; query_timeout?: number }): Promise<{ rows: unknown[] }>;
  release(err?: boolean): void;
}

/**
 * Migrations on one pooled connection (the advisory lock is per session), free of the pool's
 * query timeout: waiting for another replica's lock, or building an index, may take long.
 */
async function migrateOnOneConnection(
  pool: { connect(): Promise<TimedQueryClient> },
  migrations: readonly Migration[],
) {
  const client = await pool.connect();
  const untimed: PostgresMigrationClient = {
    query: (text, values) => client.query({ text, values, query_timeout: 2_147_483_647 }),
  };
  let failed = false;
  try {
    await migratePostgres(untimed, migrations);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // A connection whose run failed part-way is not reused: its session state is unknown.
    client.release(failed);
  }
}

export interface NeonOptions extends PostgresOptions {
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
  const pool = new NeonPool({ connectionString: url, max: 10, ...poolTimeouts(options) });
  if (options.wsProxy) {
    // neonConfig is process-wide in the driver; a process talks to one proxy at a time.
    neonConfig.wsProxy = options.wsProxy; // the driver appends ?address=host:port
    neonConfig.useSecureWebSocket = options.secure ?? false;
    // A plain Postgres needs the normal handshake: pipelining breaks SCRAM there (STACK.md).
    neonConfig.pipelineConnect = false;
    neonConfig.pipelineTLS = false;
  }
  return postgresDatabase<NeonPoolClient, NeonPool>({
    driver: 'neon',
    pool,
    drizzle: (client) => drizzleNeon(client, { schema, ...sqlLogger(options) }),
    options,
  });
}

/** What a Neon database is before it is opened: for a view that opens one per request. */
export const neonDescription: Pick<Database, 'dialect' | 'driver' | 'tables' | 'maxParameters'> = {
  dialect: 'postgres',
  driver: 'neon',
  tables: asSharedDatabase(undefined, schema).tables,
  maxParameters: POSTGRES_MAX_PARAMETERS,
};

/** A pg-style pool: `pg.Pool` and Neon's `Pool` have the same interface. */
export interface PgStylePool<C extends PooledClient> {
  connect(): Promise<C>;
  on(event: 'error', listener: () => void): unknown;
  on(
    event: 'connect',
    listener: (client: { on(event: 'error', listener: () => void): unknown }) => void,
  ): unknown;
  end(): Promise<void>;
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}

/**
 * The Database over a pg-style pool, the same for the Neon driver (here) and `pg` (Node only:
 * src/node/pg-database.ts, so that `pg` stays out of the Worker bundle). `drizzle` builds the
 * Drizzle database on the pool or on one checked-out client (for `atomic`).
 */
export function postgresDatabase<
  C extends PooledClient & TimedQueryClient,
  P extends PgStylePool<C>,
>(config: {
  driver: 'pg' | 'neon';
  pool: P;
  drizzle: (client: P | C) => unknown;
  options: PostgresOptions;
}): Database {
  const { pool, options } = config;
  pool.on('error', () => {
    // An idle client lost its connection; the next query reconnects. Without a listener the
    // process would crash on an 'error' event.
  });
  keepClientErrorsQuiet(pool);
  observePgPool(pool, options.telemetry);
  // Drizzle's Postgres database (pg or Neon): `execute` runs raw SQL on both.
  const db = config.drizzle(pool) as { execute(query: SQL): Promise<unknown> };
  const shared = asSharedDatabase(db, schema);
  return {
    dialect: 'postgres',
    driver: config.driver,
    ...shared,
    maxParameters: POSTGRES_MAX_PARAMETERS,
    atomic: transactionAtomic<C>(pool, config.drizzle),
    async ping() {
      await db.execute(sql`select 1`);
    },
    migrate: (migrations) => migrateOnOneConnection(pool, migrations),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await pool.end();
    },
  };
}

/** A client checked out of a pg-style pool (pg's and Neon's alike). */
export interface PooledClient {
  query(text: string): Promise<unknown>;
  release(destroy?: boolean): void;
}

/** True when Postgres itself answered with this error (an SQLSTATE), here or in its causes. */
function answeredByServer(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return true;
  }
  return false;
}

/**
 * `atomic` on Postgres: the statements in order inside a real transaction, on a client of its
 * own. Not Drizzle's `db.transaction`: when a statement times out on a stuck server it sends
 * ROLLBACK on the same connection, where it queues behind the stuck statement and times out too,
 * and the client goes back to the pool still inside the transaction; the next transaction on it
 * (its BEGIN then a no-op) would commit the failed one's writes. Here a failure that the server
 * did not answer (a timeout, a dropped connection) destroys the connection, so the server rolls
 * back, and the error reaches the caller within one query timeout.
 */
function transactionAtomic<C extends PooledClient>(
  pool: { connect(): Promise<C> },
  bind: (client: C) => unknown,
): Database['atomic'] {
  return async function atomic<T extends AtomicStatement[]>(build: (db: Db) => [...T]) {
    const client = await pool.connect();
    let reusable = false;
    try {
      await client.query('begin');
      const results: unknown[] = [];
      // Built on this client, presented through the shared type, so that every statement runs in it.
      // (Without the schema: statements are query builders, and relational config costs 0.1 ms.)
      for (const statement of build(bind(client) as Db)) results.push(await statement);
      await client.query('commit');
      reusable = true;
      return results as AtomicResults<T>;
    } catch (err) {
      if (answeredByServer(err)) {
        reusable = await client.query('rollback').then(
          () => true,
          () => false,
        );
      }
      throw err;
    } finally {
      client.release(!reusable);
    }
  };
}

/**
 * A checked-out client has no 'error' listener of the pool's: a connection that drops inside a
 * transaction would emit 'error' with none, an uncaught exception that ends the process. The
 * query that was running still fails with the error; the pool drops the client on release.
 */
function keepClientErrorsQuiet(pool: {
  on(
    event: 'connect',
    listener: (client: { on(event: 'error', listener: () => void): unknown }) => void,
  ): unknown;
}) {
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
}
