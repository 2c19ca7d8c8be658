/** Structured logs: one JSON object a line. Never give it tokens, secrets or request bodies. */
export type LogFields = Record<string, unknown>;

export const logLevels = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface Logger {
  /** Detail for diagnosing (SQL text, for one); only written with `LOG_LEVEL=debug`. */
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const quiet = () => {};

/** Writes the levels at `level` and above (default `info`). */
export function createJsonLogger(
  write: (line: string) => void,
  base: LogFields = {},
  level: LogLevel = 'info',
): Logger {
  const from = logLevels.indexOf(level);
  const log = (name: LogLevel) =>
    logLevels.indexOf(name) < from
      ? quiet
      : (message: string, fields: LogFields = {}) => {
          write(JSON.stringify({ time: new Date().toISOString(), level: name, message, ...base, ...fields }));
        };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };

/**
 * An error's message as it may be logged. A failed query's error (Drizzle's) carries the query's
 * parameters — resume text, chat messages, e-mail addresses — so only its SQL text is kept; a
 * Postgres error that ends by quoting the offending input (`invalid input syntax for type uuid:
 * "…"`) has that input left out.
 */
function loggableMessage(err: Error): string {
  const query = (err as { query?: unknown; params?: unknown }).query;
  if (typeof query === 'string' && 'params' in err) return `Failed query: ${query}`;
  const quoted = err.message.lastIndexOf(': "');
  if (
    typeof (err as { severity?: unknown }).severity === 'string' &&
    quoted !== -1 &&
    err.message.endsWith('"')
  ) {
    return `${err.message.slice(0, quoted)}: "[redacted]"`;
  }
  return err.message;
}

/** The frames of a stack, without the first line(s): those repeat the message, which may hold data. */
function framesOf(stack: string): string {
  const at = stack.indexOf('\n    at ');
  return at === -1 ? '' : stack.slice(at);
}

/**
 * The fields of an error worth logging: name, message, code, frames, and the same for its causes.
 * Redacted: query parameters never appear (see `loggableMessage`).
 */
export function describeError(err: unknown): LogFields {
  if (!(err instanceof Error)) return { error: String(err) };
  const code = (err as { code?: unknown }).code;
  const message = loggableMessage(err);
  return {
    error: err.name,
    error_message: message,
    ...(code !== undefined ? { error_code: code } : {}),
    ...(err.stack ? { stack: `${err.name}: ${message}${framesOf(err.stack)}` } : {}),
    ...(err.cause ? { cause: describeError(err.cause) } : {}),
  };
}
