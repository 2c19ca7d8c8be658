import type { Telemetry } from '../../services/telemetry';

/**
 * Database calls as telemetry sees them: one call per statement sent, named by its first keyword.
 * Wrapped at the driver's client, below Drizzle, because Drizzle has no hook that sees a
 * statement's end or failure.
 */
const operations = new Set(['select', 'insert', 'update', 'delete', 'with', 'begin', 'commit', 'rollback']);

/** `select`, `insert`, …; `other` for the rest, so the label set stays small. */
export function statementOperation(statement: unknown): string {
  const text =
    typeof statement === 'string'
      ? statement
      : typeof (statement as { text?: unknown })?.text === 'string'
        ? (statement as { text: string }).text
        : typeof (statement as { sql?: unknown })?.sql === 'string'
          ? (statement as { sql: string }).sql
          : '';
  const start = text.trimStart();
  const space = start.search(/[\s(]/);
  const word = (space === -1 ? start : start.slice(0, space)).toLowerCase();
  return operations.has(word) ? word : 'other';
}

type QueryFn = (...args: unknown[]) => unknown;
const observed = Symbol('jobmate.observed');

/** A pg (or Neon) client's promise-form `query` runs inside `telemetry.call`; callback form is left alone. */
function observeQuery(target: { query: QueryFn; [observed]?: true }, telemetry: Telemetry) {
  if (target[observed]) return;
  target[observed] = true;
  const query = target.query.bind(target);
  target.query = (...args: unknown[]) => {
    if (typeof args[args.length - 1] === 'function') return query(...args);
    return telemetry.call('database', statementOperation(args[0]), () => query(...args) as Promise<unknown>);
  };
}

/**
 * A pg-pool (pg or Neon): `pool.query` (Drizzle outside transactions) and the clients
 * `pool.connect()` hands out (Drizzle's transactions, migrations). pg-pool's own `query` connects
 * with a callback and is already counted, so callback-form calls pass through.
 */
export function observePgPool(pool: object, telemetry: Telemetry | undefined): void {
  if (!telemetry) return;
  const target = pool as { query: QueryFn; connect: QueryFn };
  observeQuery(target, telemetry);
  const connect = target.connect.bind(target);
  target.connect = (...args: unknown[]) => {
    if (args.length > 0) return connect(...args);
    return (connect() as Promise<{ query: QueryFn }>).then((client) => {
      observeQuery(client, telemetry);
      return client;
    });
  };
}

/** A libSQL client: `execute` and `batch` (Drizzle's only calls outside migrations). */
export function observeLibsqlClient(client: object, telemetry: Telemetry | undefined): void {
  if (!telemetry) return;
  const target = client as { execute: QueryFn; batch: QueryFn };
  const execute = target.execute.bind(target);
  const batch = target.batch.bind(target);
  target.execute = (...args: unknown[]) =>
    telemetry.call('database', statementOperation(args[0]), () => execute(...args) as Promise<unknown>);
  target.batch = (...args: unknown[]) =>
    telemetry.call('database', 'batch', () => batch(...args) as Promise<unknown>);
}
