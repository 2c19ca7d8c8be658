import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * Every error code of the API contract (../shared/API.md, "Error codes"), plus `method_not_allowed`
 * (405) and `request_timeout` (408: a request body that stopped arriving), documented in the README.
 */
export type ErrorCode =
  | 'validation_error'
  | 'file_required'
  | 'missing_or_invalid_authorization'
  | 'token_expired'
  | 'invalid_token'
  | 'auth_failure'
  | 'insufficient_scope'
  | 'not_found'
  | 'method_not_allowed'
  | 'user_not_found_in_auth0'
  | 'conflict'
  | 'request_timeout'
  | 'file_too_large'
  | 'payload_too_large'
  | 'unsupported_file_type'
  | 'unreadable_document'
  | 'rate_limited'
  | 'hydrate_failure'
  | 'server_error'
  | 'mgmt_api_error'
  | 'llm_upstream_error'
  | 'storage_unavailable'
  | 'vector_store_unavailable'
  | 'database_unavailable'
  | 'llm_not_configured';

export type ErrorDetails = Record<string, string[]>;

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

/**
 * Each error code's HTTP status (the contract's error table): the one place where the codes that
 * services and routes speak meet HTTP. Services name what went wrong; the status follows.
 */
export const errorStatus = {
  validation_error: 400,
  file_required: 400,
  missing_or_invalid_authorization: 401,
  token_expired: 401,
  invalid_token: 401,
  auth_failure: 401,
  insufficient_scope: 403,
  not_found: 404,
  user_not_found_in_auth0: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  conflict: 409,
  file_too_large: 413,
  payload_too_large: 413,
  unsupported_file_type: 415,
  unreadable_document: 422,
  rate_limited: 429,
  hydrate_failure: 500,
  server_error: 500,
  mgmt_api_error: 502,
  llm_upstream_error: 502,
  storage_unavailable: 503,
  vector_store_unavailable: 503,
  database_unavailable: 503,
  llm_not_configured: 503,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;

/**
 * The one way a handler, middleware or service reports a failure the client should see: a code of
 * the contract and a message for humans (no HTTP status: `errorStatus` gives it). `onError` turns
 * it into the envelope; anything that is not an AppError (or a dependency failure `toAppError`
 * knows) becomes a logged 500.
 */
export class AppError extends Error {
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: { details?: ErrorDetails; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = errorStatus[code];
  }

  toBody(): ErrorBody {
    return this.options.details
      ? { error: this.code, message: this.message, details: this.options.details }
      : { error: this.code, message: this.message };
  }
}

export const notFound = (what = 'Resource') => new AppError('not_found', `${what} not found`);

/** A request body that stopped arriving: answered, and the connection closed (the rest will not come). */
export const stalledBody = (idleMs: number) => () =>
  new AppError('request_timeout', `The request body stopped arriving for ${idleMs / 1000} s`, {
    headers: { Connection: 'close' },
  });

export const validationError = (details: ErrorDetails, message = 'The request is not valid') =>
  new AppError('validation_error', message, { details });

/** A dependency (database, storage, vector store) could not be reached or answered with a server fault. */
export class DependencyUnavailableError extends Error {
  constructor(
    readonly dependency: 'database' | 'storage' | 'vector_store',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DependencyUnavailableError';
  }
}

const dependencyCodes = {
  database: 'database_unavailable',
  storage: 'storage_unavailable',
  vector_store: 'vector_store_unavailable',
} as const satisfies Record<DependencyUnavailableError['dependency'], ErrorCode>;

/** Error codes from the Postgres and SQLite drivers that mean "the database is not there", not "bad query". */
const unavailableDatabaseCodes = new Set([
  // The libSQL client's code for an HTTP failure of the server (a refused token, a 5xx): SQL
  // errors come back as results with SQLite's own codes, never as this.
  'SERVER_ERROR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57014', // query_canceled (a statement_timeout set on the role)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'SQLITE_CANTOPEN',
  'SQLITE_BUSY',
  'SQLITE_IOERR',
]);

function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current && chain.length < 6) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** The constraint kind of a driver error, normalised across libSQL and Postgres. */
export function constraintViolation(err: unknown): 'unique' | 'foreign_key' | undefined {
  for (const e of errorChain(err)) {
    const code = codeOf(e);
    const message = e instanceof Error ? e.message : '';
    if (code === '23505' || /UNIQUE constraint failed/i.test(message)) return 'unique';
    if (code === '23503' || /FOREIGN KEY constraint failed/i.test(message)) return 'foreign_key';
  }
  return undefined;
}

/**
 * The one place that maps failures of dependencies to the contract's error codes. Returns
 * undefined for errors that are bugs (they become a logged 500 `server_error`).
 */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  for (const e of errorChain(err)) {
    if (e instanceof DependencyUnavailableError) {
      return new AppError(
        dependencyCodes[e.dependency],
        `The ${e.dependency.replace('_', ' ')} is unavailable`,
        {
          cause: e,
        },
      );
    }
    const code = codeOf(e);
    // pg gives up waiting for a connection, or for a query's answer (query_timeout), with a plain
    // Error and no code; so do the drivers' own "Connection terminated" errors, and a query sent on
    // a client whose connection has dropped ("Client has encountered a connection error and is not
    // queryable": the ROLLBACK of a transaction cut by a Postgres that stopped, pg and Neon alike).
    const poolTimeout =
      e instanceof Error &&
      /timeout exceeded when trying to connect|^Query read timeout$|^Connection terminated|^Client (has encountered a connection error|was closed) and is not queryable$/i.test(
        e.message,
      );
    if ((code && unavailableDatabaseCodes.has(code)) || poolTimeout) {
      return new AppError('database_unavailable', 'The database is unavailable', { cause: e });
    }
  }
  if (constraintViolation(err) === 'unique') {
    return new AppError('conflict', 'A record with the same unique key already exists', { cause: err });
  }
  return undefined;
}
