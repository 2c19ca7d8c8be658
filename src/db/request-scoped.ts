import type { Database, Db } from './database';

/**
 * A Database that is, at every call, the one `current()` returns: the database of the request
 * being served. The Workers entry builds its app once per isolate, but a Postgres pool cannot
 * outlive its request there (its sockets belong to the request), so each request opens its own
 * and this forwards to it. `describe` is what does not change between requests (dialect, tables).
 *
 * Stores keep `database.db` from when they were made; that `db` forwards each property it is
 * asked for (`select`, `insert`, `$count`, …) to the current request's Drizzle database.
 */
export function requestScopedDatabase(
  current: () => Database,
  describe: Pick<Database, 'dialect' | 'driver' | 'tables' | 'maxParameters'>,
): Database {
  const db = new Proxy({} as Db, {
    get(_target, key) {
      const real = current().db;
      const value: unknown = Reflect.get(real, key, real);
      return typeof value === 'function' ? value.bind(real) : value;
    },
  });
  return {
    ...describe,
    db,
    atomic: (build) => current().atomic(build),
    ping: () => current().ping(),
    migrate: (migrations) => current().migrate(migrations),
    poolStats: () => current().poolStats?.() ?? { total: 0, idle: 0, waiting: 0 },
    // Each request's own database is closed by whoever opened it, not through this view.
    async close() {},
  };
}
