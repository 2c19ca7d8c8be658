import { createClient } from '@libsql/client/web';
import { drizzle } from 'drizzle-orm/libsql/web';
import { DependencyUnavailableError } from '../../errors';
import type { Database, DriverOptions } from '../database';
import { libsqlDatabase } from './libsql-database';

/**
 * A remote libSQL server (Turso, `sqld`) from Workers: `@libsql/client/web`, Hrana over HTTP.
 *
 * Every client call is one or more `fetch`es (`POST /v2/pipeline`), made by the request that made
 * the call; nothing holds a socket between calls. So, unlike a Postgres pool, one client serves the
 * whole isolate. `libsql://` means HTTPS here (`?tls=0` for plain HTTP); `ws(s)://` would open a
 * WebSocket, which belongs to the request that opened it, and `file:` has no disk to open.
 */

/** A URL of a remote libSQL server that this driver reaches over HTTP. */
export function isRemoteLibsqlUrl(url: string): boolean {
  return /^(libsql|https?):\/\//i.test(url);
}

export interface LibsqlWebOptions extends DriverOptions {
  /** The server's token (Turso: `turso db tokens create`), sent as `Authorization: Bearer`. */
  authToken?: string;
  /** Defaults to the global `fetch`. */
  fetch?: (input: Request | string | URL, init?: RequestInit) => Promise<Response>;
  /**
   * How long one call to the server may take (default 15 s): a server that does not answer is
   * 503 `database_unavailable` then, not a request that hangs.
   */
  timeoutMs?: number;
}

export function createLibsqlWebDatabase(url: string, options: LibsqlWebOptions = {}): Database {
  if (!isRemoteLibsqlUrl(url)) {
    throw new Error('the libSQL web client takes a libsql://, https:// or http:// URL');
  }
  const { authToken, fetch: fetchImpl, timeoutMs = 15_000, ...driverOptions } = options;
  // Called as a plain function by the client: Workers' `fetch` must not lose its `this`.
  const send = fetchImpl ?? ((input: Request | string | URL, init?: RequestInit) => fetch(input, init));
  const timedFetch = async (input: Request | string | URL, init?: RequestInit): Promise<Response> => {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await send(input, { ...init, signal });
    } catch (err) {
      if (deadline.aborted) {
        throw new DependencyUnavailableError(
          'database',
          `the libSQL server gave no answer within ${timeoutMs} ms`,
          {
            cause: err,
          },
        );
      }
      throw new DependencyUnavailableError('database', 'the libSQL server could not be reached', {
        cause: err,
      });
    }
  };
  const client = createClient({
    url,
    authToken,
    fetch: timedFetch,
    // The client queues calls beyond `concurrency` (20 by default) and starts a queued one when
    // another finishes: on Workers that would be from the continuation of another request, which
    // may be over by then. Calls are never queued here; the server applies its own limits.
    concurrency: Number.MAX_SAFE_INTEGER,
  });
  return libsqlDatabase(client, drizzle, driverOptions);
}
