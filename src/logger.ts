/** Structured logs: one JSON object a line. Never give it tokens, secrets or request bodies. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export function createJsonLogger(write: (line: string) => void, base: LogFields = {}): Logger {
  const log =
    (level: string) =>
    (message: string, fields: LogFields = {}) => {
      write(JSON.stringify({ time: new Date().toISOString(), level, message, ...base, ...fields }));
    };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** The fields of an error worth logging: name, message, code, and the same for its causes. */
export function describeError(err: unknown): LogFields {
  if (!(err instanceof Error)) return { error: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    error: err.name,
    error_message: err.message,
    ...(code !== undefined ? { error_code: code } : {}),
    ...(err.stack ? { stack: err.stack } : {}),
    ...(err.cause ? { cause: describeError(err.cause) } : {}),
  };
}
