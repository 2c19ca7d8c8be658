import type { MigrationMeta } from 'drizzle-orm/migrator';

/**
 * Applying drizzle-kit migrations so that any number of replicas can start at once.
 *
 * Drizzle's own migrators read the last applied migration and then apply the rest with no lock:
 * two processes starting together both see the same state and the second fails ("relation already
 * exists"). These do the same work under a lock each database already has — a Postgres advisory
 * lock, SQLite's write lock — so the second waits, then finds nothing left to do. They keep
 * drizzle's bookkeeping (the `__drizzle_migrations` table, its hash and `created_at` columns), so a
 * database migrated by `drizzle-kit migrate` or by an earlier version of this code is understood.
 */
export type Migration = MigrationMeta;

const table = '__drizzle_migrations';

/** The advisory lock key of Jobmate's migrations (any fixed bigint; this one is "jobmate" in ASCII). */
export const MIGRATION_LOCK_KEY = '116396286882405';

function pending<T extends { created_at: unknown }>(
  migrations: readonly Migration[],
  last: T | undefined,
): Migration[] {
  const appliedUpTo = last ? Number(last.created_at) : Number.NEGATIVE_INFINITY;
  return migrations.filter((m) => m.folderMillis > appliedUpTo);
}

/** The part of a libSQL client the SQLite migrator needs. */
export interface SqliteMigrationClient {
  execute(statement: string | { sql: string; args: (string | number)[] }): Promise<{ rows: unknown[] }>;
  transaction(mode: 'write'): Promise<{
    execute(statement: string | { sql: string; args: (string | number)[] }): Promise<{ rows: unknown[] }>;
    commit(): Promise<void>;
    rollback(): Promise<void>;
    close(): void;
  }>;
}

/**
 * SQLite (libSQL file or server): everything inside one `BEGIN IMMEDIATE` transaction, which takes
 * the database's write lock before the applied migrations are read. A second process waits for it
 * (the client's busy timeout), then reads the new state. All of it commits or none of it does.
 */
export async function migrateSqlite(client: SqliteMigrationClient, migrations: readonly Migration[]) {
  await client.execute(
    `CREATE TABLE IF NOT EXISTS "${table}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
  );
  const tx = await client.transaction('write');
  try {
    const { rows } = await tx.execute(
      `SELECT id, hash, created_at FROM "${table}" ORDER BY created_at DESC LIMIT 1`,
    );
    for (const migration of pending(migrations, rows[0] as { created_at: unknown } | undefined)) {
      for (const statement of migration.sql) if (statement.trim()) await tx.execute(statement);
      await tx.execute({
        sql: `INSERT INTO "${table}" ("hash", "created_at") VALUES (?, ?)`,
        args: [migration.hash, migration.folderMillis],
      });
    }
    await tx.commit();
  } catch (err) {
    await tx.rollback().catch(() => {});
    throw err;
  } finally {
    tx.close();
  }
}

/** The part of a pg (or Neon) pool client the Postgres migrator needs. */
export interface PostgresMigrationClient {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Postgres: on one connection, a session advisory lock around the whole run (waited for, with no
 * statement timeout, however long another replica's migrations take), then drizzle's schema and
 * table, then the pending migrations in one transaction.
 */
export async function migratePostgres(client: PostgresMigrationClient, migrations: readonly Migration[]) {
  await client.query('SET statement_timeout = 0');
  await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS drizzle');
    await client.query(
      `CREATE TABLE IF NOT EXISTS drizzle."${table}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`,
    );
    const { rows } = await client.query(
      `SELECT id, hash, created_at FROM drizzle."${table}" ORDER BY created_at DESC LIMIT 1`,
    );
    const todo = pending(migrations, rows[0] as { created_at: unknown } | undefined);
    if (todo.length === 0) return;
    await client.query('BEGIN');
    try {
      for (const migration of todo) {
        for (const statement of migration.sql) if (statement.trim()) await client.query(statement);
        await client.query(`INSERT INTO drizzle."${table}" ("hash", "created_at") VALUES ($1, $2)`, [
          migration.hash,
          migration.folderMillis,
        ]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
    await client.query('RESET statement_timeout').catch(() => {});
  }
}
