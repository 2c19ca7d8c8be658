import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client as LibsqlClient } from '@libsql/client';
import pg from 'pg';
import {
  AdoptError,
  type FlaskSource,
  type FlaskTable,
  type SourceRow,
  type SourceValue,
} from '../services/adopt/adopt';

/**
 * The Flask backend's database, opened read-only from the URL its settings use: SQLAlchemy's
 * `sqlite:///relative.db`, `sqlite:////absolute.db` (also `sqlite+pysqlite:`), a `file:` URL, or
 * Postgres as `postgresql://`, `postgres://` or SQLAlchemy's `postgresql+psycopg2://`.
 */
export type FlaskLocation = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

const usage = 'use sqlite:///relative/path.db, sqlite:////absolute/path.db, file:path.db or postgresql://…';

/** Where the URL points, or AdoptError for a URL that names no Flask database. Relative paths start at `cwd`. */
export function parseFlaskUrl(text: string, cwd = process.cwd()): FlaskLocation {
  const scheme = /^([a-z][a-z0-9.+-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) throw new AdoptError(`"${text}" is not a database URL: ${usage}`);
  const [base = ''] = text.split('?');
  if (scheme === 'sqlite' || scheme.startsWith('sqlite+')) {
    // SQLAlchemy: three slashes, then the path (a fourth slash makes it absolute); no host.
    const rest = base.slice(scheme.length + 1);
    if (!rest.startsWith('//') || rest.slice(2, 3) !== '/') {
      throw new AdoptError(`"${text}" names no SQLite file: ${usage}`);
    }
    return sqliteFile(rest.slice(3), cwd, text);
  }
  if (scheme === 'file') {
    // libSQL's forms: file:relative, file:/absolute, file:///absolute (file://localhost/absolute).
    let rest = base.slice('file:'.length);
    if (rest.startsWith('//')) {
      const slash = rest.indexOf('/', 2);
      const host = rest.slice(2, slash === -1 ? undefined : slash);
      if (host !== '' && host.toLowerCase() !== 'localhost') {
        throw new AdoptError(
          `"${text}" names a host; a file: URL takes file:/absolute/path or file:relative/path`,
        );
      }
      rest = slash === -1 ? '' : rest.slice(slash);
    }
    return sqliteFile(decodePath(rest, text), cwd, text);
  }
  if (scheme === 'postgres' || scheme === 'postgresql' || scheme.startsWith('postgresql+')) {
    // pg reads libpq URLs; SQLAlchemy's `+driver` is only its choice of Python driver.
    const url = `postgresql:${text.slice(scheme.length + 1)}`;
    if (!URL.canParse(url)) throw new AdoptError(`"${redactUrl(text)}" is not a valid Postgres URL`);
    return { kind: 'postgres', url };
  }
  throw new AdoptError(`Unknown database URL scheme "${scheme}:": ${usage}`);
}

function decodePath(text: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new AdoptError(`"${url}" has a bad %-escape in its path`);
  }
}

function sqliteFile(file: string, cwd: string, url: string): FlaskLocation {
  if (file === '' || file === ':memory:') {
    throw new AdoptError(`"${url}" is an in-memory database, which has nothing to adopt: ${usage}`);
  }
  return { kind: 'sqlite', file: path.resolve(cwd, file) };
}

/** The URL without its password, for messages. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9.+-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

export function describeFlaskLocation(location: FlaskLocation): string {
  return location.kind === 'sqlite' ? `SQLite file ${location.file}` : `Postgres ${redactUrl(location.url)}`;
}

/** A FlaskSource with the connection it reads through. */
export interface OpenFlaskSource extends FlaskSource {
  close(): Promise<void>;
}

/** Opens the source read-only and checks that it answers; AdoptError when it cannot be opened. */
export async function openFlaskSource(location: FlaskLocation): Promise<OpenFlaskSource> {
  const where = describeFlaskLocation(location);
  try {
    return location.kind === 'sqlite'
      ? await sqliteSource(location.file)
      : await postgresSource(await connectPostgresReadOnly(location.url));
  } catch (err) {
    if (err instanceof AdoptError) throw err;
    throw new AdoptError(`Cannot open the source database (${where}): ${messageOf(err)}`);
  }
}

/**
 * An error's message. Node reports a refused connection to a name with several addresses as an
 * AggregateError without one: its errors say what happened.
 */
function messageOf(err: unknown): string {
  if (err instanceof AggregateError && !err.message) {
    return [...new Set(err.errors.map((e: unknown) => messageOf(e)))].join('; ');
  }
  if (err instanceof Error) return err.message || (err as { code?: string }).code || err.name;
  return String(err);
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Real column names by their lower-case form (SQLite and unquoted Postgres names ignore case). */
type ColumnNames = Map<string, string>;

function selectPage(
  table: FlaskTable,
  names: ColumnNames,
  columns: readonly string[],
  param: (n: number) => string,
) {
  const list = columns.map((c) => quote(names.get(c) ?? c)).join(', ');
  const id = quote(names.get('id') ?? 'id');
  return {
    first: `select ${list} from ${quote(table)} order by ${id} limit ${param(1)}`,
    next: `select ${list} from ${quote(table)} where ${id} > ${param(1)} order by ${id} limit ${param(2)}`,
  };
}

/**
 * A libSQL client that cannot write. @libsql/client has no read-only option, but it hands the
 * path to SQLite, which takes a `file:` URI there: `file:file:/path?mode=ro`, the inner URI
 * escaped so that the client's own URL parsing gives it back whole. `mode=ro` also keeps SQLite
 * from creating a missing file.
 */
export function openSqliteReadOnly(file: string): LibsqlClient {
  const inner = `file:${file.replace(/[%?#]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}?mode=ro`;
  return createClient({ url: `file:${encodeURIComponent(inner)}`, intMode: 'bigint', concurrency: 1 });
}

async function sqliteSource(file: string): Promise<OpenFlaskSource> {
  if (!existsSync(file)) throw new AdoptError(`Cannot open the source database: no file ${file}`);
  if (!statSync(file).isFile())
    throw new AdoptError(`Cannot open the source database: ${file} is not a file`);
  const client = openSqliteReadOnly(file);
  try {
    // Reads the header: a file that is not a database fails here rather than halfway.
    await client.execute('select count(*) from sqlite_schema');
  } catch (err) {
    client.close();
    throw err;
  }
  const names = new Map<FlaskTable, ColumnNames>();
  return {
    async columns(table) {
      const result = await client.execute({ sql: 'select name from pragma_table_info(?)', args: [table] });
      if (result.rows.length === 0) return undefined;
      const columns: ColumnNames = new Map(
        result.rows.map((row) => [String(row[0]).toLowerCase(), String(row[0])]),
      );
      names.set(table, columns);
      return new Set(columns.keys());
    },
    async stats(table) {
      const id = quote(names.get(table)?.get('id') ?? 'id');
      const result = await client.execute(`select count(*), max(${id}) from ${quote(table)}`);
      const row = result.rows[0];
      return { rows: Number(row?.[0] ?? 0), maxId: row?.[1] == null ? null : Number(row[1]) };
    },
    async rows(table, columns, afterId, limit) {
      const page = selectPage(table, names.get(table) ?? new Map(), columns, () => '?');
      const result = await client.execute(
        afterId === null ? { sql: page.first, args: [limit] } : { sql: page.next, args: [afterId, limit] },
      );
      return result.rows.map((row) => {
        const out: Record<string, SourceValue> = {};
        columns.forEach((column, i) => {
          out[column] = row[i] ?? null;
        });
        return out;
      });
    },
    async close() {
      client.close();
    },
  };
}

/**
 * A pg client whose session cannot write: every transaction read-only by default, set after
 * connecting rather than as a startup option, which PgBouncer refuses. Timestamps are kept as the
 * text Postgres sends: pg would read a `timestamp without time zone` in the machine's time zone.
 */
export async function connectPostgresReadOnly(url: string): Promise<pg.Client> {
  const types = new pg.TypeOverrides();
  for (const oid of [pg.types.builtins.DATE, pg.types.builtins.TIMESTAMP, pg.types.builtins.TIMESTAMPTZ]) {
    types.setTypeParser(oid, (text: string) => text);
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, types });
  // A dropped connection is also emitted as 'error'; the query that was running fails with it.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('set session characteristics as transaction read only');
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return client;
}

function sourceValue(value: unknown): SourceValue {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'boolean' ||
    value instanceof Uint8Array
  ) {
    return value;
  }
  if (value === undefined) return null;
  // Arrays and json: not columns the copy reads, but a value all the same.
  return JSON.stringify(value);
}

async function postgresSource(client: pg.Client): Promise<OpenFlaskSource> {
  // One snapshot for the whole run: counts and pages agree while the Flask app keeps writing, and
  // a read-only repeatable-read transaction blocks no writer.
  try {
    await client.query('begin isolation level repeatable read read only');
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  const names = new Map<FlaskTable, ColumnNames>();
  return {
    async columns(table) {
      const result = await client.query<{ column_name: string }>(
        'select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1',
        [table],
      );
      if (result.rows.length === 0) return undefined;
      const columns: ColumnNames = new Map(
        result.rows.map((r) => [r.column_name.toLowerCase(), r.column_name]),
      );
      names.set(table, columns);
      return new Set(columns.keys());
    },
    async stats(table) {
      const id = quote(names.get(table)?.get('id') ?? 'id');
      const result = await client.query<{ total: string; max_id: string | null }>(
        `select count(*) as total, max(${id})::bigint as max_id from ${quote(table)}`,
      );
      const row = result.rows[0];
      return { rows: Number(row?.total ?? 0), maxId: row?.max_id == null ? null : Number(row.max_id) };
    },
    async rows(table, columns, afterId, limit) {
      const page = selectPage(table, names.get(table) ?? new Map(), columns, (n) => `$${n}`);
      const result = await client.query<Record<string, unknown>>(
        afterId === null ? page.first : page.next,
        afterId === null ? [limit] : [afterId, limit],
      );
      const real = names.get(table);
      return result.rows.map((row): SourceRow => {
        const out: Record<string, SourceValue> = {};
        for (const column of columns) out[column] = sourceValue(row[real?.get(column) ?? column]);
        return out;
      });
    },
    async close() {
      await client.query('rollback').catch(() => {});
      await client.end();
    },
  };
}
