import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// The SQLite engine `@libsql/client` itself runs for `file:` URLs (its dependency, not a direct one of
// ours). The client's own API cannot serve here: it lends a connection per call and rolls back any
// transaction still open when the call returns, while a Hrana stream keeps its transaction between
// requests (BEGIN in one step, COMMIT in another, or in a later HTTP request).
import Database from 'libsql';

/**
 * A libSQL server stand-in on loopback: Hrana over HTTP as `sqld` (libsql-server) speaks it, backed
 * by a real SQLite database file. Written from docs/HRANA_3_SPEC.md of tursodatabase/libsql and
 * from libsql-server's `hrana` module (status codes, error messages and codes, batons), for the
 * calls `@libsql/client` 0.18 makes (`@libsql/hrana-client` 0.10):
 *
 * - the client opens its HTTP client with protocol version 2 and never probes: every call is
 *   `POST /v2/pipeline` (JSON). A call is one stream: `execute` + `close`, or `store_sql`s, a
 *   `batch` (BEGIN, the statements each on the condition `ok` of the step before, COMMIT, ROLLBACK
 *   on `not ok` of COMMIT) + `close`. A transaction (`client.transaction`, the migrator) keeps its
 *   stream across HTTP requests with the `baton` each response returns.
 * - also served, for a client that asks for them: `GET /v2`, `GET /v3` (200), `POST /v3/pipeline`
 *   (adds `get_autocommit` and the `is_autocommit` condition) and `POST /v3/cursor` (JSON lines).
 *   Protobuf is not: `GET /v3-protobuf` answers 404, which tells a probing client to use JSON.
 *
 * What a real server does and this does too: `Authorization: Bearer <token>` checked (401 with
 * sqld's JSON body otherwise); values as Hrana encodes them (integers as decimal strings, floats,
 * text, base64 blobs, null); SQLite's errors as `{message: "SQLite error: <sqlite message>", code:
 * "SQLITE_<primary code>"}` (`SQLITE_UNKNOWN` for SQLITE_ERROR, as sqld names it); protocol errors
 * (a reused or forged baton, an unknown `sql_id`, a condition naming a later step) as 400 text; an
 * expired stream as 500 `STREAM_EXPIRED`; `affected_row_count` for INSERT/UPDATE/DELETE only and
 * `last_insert_rowid` for INSERT only; arguments checked against the statement's parameters
 * (`ARGS_INVALID`), one statement per `execute` (`SQL_MANY_STATEMENTS`); 50 stored SQL texts of at
 * most 5 kB per stream; streams expire after 10 s without a request, rolling back what they held.
 *
 * Where it is simpler: one SQLite connection serves every stream. Requests run one at a time (each
 * runs to its end without yielding), and a stream whose transaction is still open after its request
 * keeps the connection: other streams' requests wait for its COMMIT, ROLLBACK, close or expiry (up to
 * `lockTimeoutMs`, then their statements fail with SQLITE_BUSY), where sqld gives each stream its own
 * connection and lets readers through. Connection state (PRAGMAs, temp tables) is therefore shared.
 * SQL is split into statements and its parameters found by a small lexer of its own (quotes,
 * comments, trigger bodies), where sqld uses a full parser: a syntax error is reported by SQLite
 * (`SQLite error: near "…": syntax error`) rather than as `SQL_PARSE_ERROR`. `describe` guesses
 * `is_readonly` from the statement's keyword. The statistics fields sqld adds to results
 * (`rows_read`, `rows_written`) and replication indexes are not produced.
 */

export interface HranaStandInOptions {
  /** The SQLite database file (created when missing). */
  file: string;
  /** Defaults to a random token. */
  authToken?: string;
  /** A stream without requests for this long is closed (sqld: 10 s). */
  streamExpiryMs?: number;
  /** How long a request waits for another stream's open transaction before SQLITE_BUSY. */
  lockTimeoutMs?: number;
}

export interface HranaRequestRecord {
  method: string;
  path: string;
  status: number;
  /** The pipeline continued a stream (a baton was sent). */
  baton: boolean;
  /** The `type`s of the stream requests (pipeline) or `cursor`. */
  requests: string[];
}

export interface HranaStandIn {
  /** `http://127.0.0.1:<port>`: the URL a libSQL client takes. */
  url: string;
  authToken: string;
  /** Every HTTP request served, in order. */
  log: HranaRequestRecord[];
  /** Streams open now (available or in a request). */
  openStreams(): number;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type SqlValue = null | bigint | number | string | Uint8Array;
type Version = 2 | 3;

/** A protocol violation: sqld answers the whole HTTP request 400 text/plain and drops the stream. */
class ProtocolError extends Error {}
/** A statement's failure: a `{type: "error"}` result, or a step error of a batch. */
class StmtError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
  toProto() {
    return { message: this.message, code: this.code };
  }
}
/** The stream of a baton expired: sqld answers 500 with a JSON error. */
class StreamExpiredError extends Error {}

const deserialize = (what: string) =>
  new ProtocolError(`Cannot deserialize client message from JSON: ${what}`);

function object(value: unknown, what: string): Json {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Json;
  throw deserialize(`${what}: expected an object`);
}

function array(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  throw deserialize(`${what}: expected an array`);
}

function optionalInt(value: unknown, what: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw deserialize(`${what}: expected an integer`);
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  throw deserialize(`${what}: expected a string`);
}

// ---- values ----

const minInteger = -(2n ** 63n);
const maxInteger = 2n ** 63n - 1n;

function decodeValue(raw: unknown): SqlValue {
  const value = object(raw, 'value');
  switch (value.type) {
    case 'null':
      return null;
    case 'integer': {
      if (typeof value.value !== 'string' || !/^[+-]?\d+$/.test(value.value)) {
        throw deserialize('invalid value: expected decimal integer as a string');
      }
      const integer = BigInt(value.value);
      if (integer < minInteger || integer > maxInteger) throw deserialize('integer out of range');
      return integer;
    }
    case 'float':
      if (typeof value.value !== 'number') throw deserialize('float value: expected a number');
      return value.value;
    case 'text':
      if (typeof value.value !== 'string') throw deserialize('text value: expected a string');
      return value.value;
    case 'blob':
      if (typeof value.base64 !== 'string') throw deserialize('blob value: expected `base64`');
      return Buffer.from(value.base64, 'base64');
    default:
      throw deserialize(`unknown variant \`${String(value.type)}\` of Value`);
  }
}

function encodeValue(value: unknown): Json {
  if (value === null || value === undefined) return { type: 'null' };
  if (typeof value === 'bigint') return { type: 'integer', value: value.toString() };
  if (typeof value === 'number') return { type: 'float', value };
  if (typeof value === 'string') return { type: 'text', value };
  if (value instanceof Uint8Array) {
    return {
      type: 'blob',
      base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
    };
  }
  throw new Error(`unexpected value from SQLite: ${typeof value}`);
}

// ---- a small SQL lexer: statements, parameters, the statement's kind ----

type TokenType =
  | 'space'
  | 'comment'
  | 'string'
  | 'quoted'
  | 'word'
  | 'param'
  | 'semi'
  | 'open'
  | 'close'
  | 'other';
interface Token {
  type: TokenType;
  text: string;
}

const isIdStart = (c: string) => /[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80;
const isIdChar = (c: string) => /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80;

function skipQuoted(sql: string, from: number, quote: string): number {
  let i = from + 1;
  for (;;) {
    const end = sql.indexOf(quote, i);
    if (end < 0) return sql.length;
    if (sql[end + 1] === quote) {
      i = end + 2;
      continue;
    }
    return end + 1;
  }
}

/** SQLite's tokens, as far as splitting and parameters need them (tokenize.c). */
function* lex(sql: string): Generator<Token> {
  let i = 0;
  while (i < sql.length) {
    const start = i;
    const c = sql[i] as string;
    let type: TokenType;
    if (/\s/.test(c)) {
      while (i < sql.length && /\s/.test(sql[i] as string)) i++;
      type = 'space';
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
      type = 'comment';
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
      type = 'comment';
    } else if (c === "'") {
      i = skipQuoted(sql, i, "'");
      type = 'string';
    } else if (c === '"' || c === '`') {
      i = skipQuoted(sql, i, c);
      type = 'quoted';
    } else if (c === '[') {
      const end = sql.indexOf(']', i + 1);
      i = end < 0 ? sql.length : end + 1;
      type = 'quoted';
    } else if (c === ';') {
      i++;
      type = 'semi';
    } else if (c === '(' || c === ')') {
      i++;
      type = c === '(' ? 'open' : 'close';
    } else if (c === '?') {
      i++;
      while (i < sql.length && /\d/.test(sql[i] as string)) i++;
      type = 'param';
    } else if (c === ':' || c === '@' || c === '$') {
      i++;
      while (i < sql.length && (isIdChar(sql[i] as string) || (c === '$' && sql.startsWith('::', i)))) {
        i += sql.startsWith('::', i) ? 2 : 1;
      }
      type = i > start + 1 ? 'param' : 'other';
    } else if (isIdStart(c)) {
      while (i < sql.length && isIdChar(sql[i] as string)) i++;
      type = 'word';
    } else if (/\d/.test(c)) {
      while (i < sql.length && /[0-9A-Za-z_.]/.test(sql[i] as string)) i++;
      type = 'other';
    } else {
      i++;
      type = 'other';
    }
    yield { type, text: sql.slice(start, i) };
  }
}

const meaningful = (t: Token) => t.type !== 'space' && t.type !== 'comment';

/**
 * The statements of `sql`, split at semicolons outside quotes, comments and trigger bodies
 * (`CREATE TRIGGER … BEGIN …; …; END`, with CASE … END inside).
 */
function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let hasTokens = false;
  let words: string[] = [];
  let trigger = false;
  let depth = 0;
  const finish = () => {
    if (hasTokens) statements.push(current);
    current = '';
    hasTokens = false;
    words = [];
    trigger = false;
    depth = 0;
  };
  for (const token of lex(sql)) {
    current += token.text;
    if (token.type === 'semi' && depth === 0) {
      finish();
      continue;
    }
    if (!meaningful(token)) continue;
    hasTokens = true;
    if (token.type !== 'word') continue;
    const word = token.text.toUpperCase();
    if (words.length < 3) {
      words.push(word);
      trigger ||=
        words[0] === 'CREATE' &&
        (words[1] === 'TRIGGER' ||
          ((words[1] === 'TEMP' || words[1] === 'TEMPORARY') && words[2] === 'TRIGGER'));
    }
    if (trigger) {
      if (word === 'BEGIN' || word === 'CASE') depth++;
      else if (word === 'END' && depth > 0) depth--;
    }
  }
  finish();
  return statements;
}

/**
 * The statement's parameters by index (SQLite's numbering): the name of each (`:a`, `@a`, `$a`,
 * `?3`), null for a nameless `?` and for an index no parameter names.
 */
function parameterNames(sql: string): (string | null)[] {
  const names: (string | null)[] = [];
  const seen = new Set<string>();
  for (const token of lex(sql)) {
    if (token.type !== 'param') continue;
    if (token.text === '?') {
      names.push(null);
    } else if (/^\?\d+$/.test(token.text)) {
      const index = Number(token.text.slice(1));
      while (names.length < index) names.push(null);
      names[index - 1] = token.text;
    } else if (!seen.has(token.text)) {
      seen.add(token.text);
      names.push(token.text);
    }
  }
  return names;
}

interface StatementKind {
  isExplain: boolean;
  /** INSERT or REPLACE (`last_insert_rowid` is reported). */
  isInsert: boolean;
  /** INSERT, REPLACE, UPDATE or DELETE (`affected_row_count` is reported). */
  isIud: boolean;
  isReadonly: boolean;
}

function statementKind(sql: string): StatementKind {
  const words: string[] = [];
  let depth = 0;
  for (const token of lex(sql)) {
    if (token.type === 'open') depth++;
    else if (token.type === 'close') depth--;
    else if (token.type === 'word' && depth === 0) words.push(token.text.toUpperCase());
  }
  let i = 0;
  const isExplain = words[0] === 'EXPLAIN';
  if (isExplain) i = words[1] === 'QUERY' && words[2] === 'PLAN' ? 3 : 1;
  let main = words[i];
  if (main === 'WITH') {
    main = words
      .slice(i + 1)
      .find((w) => ['SELECT', 'VALUES', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE'].includes(w));
  }
  const isInsert = !isExplain && (main === 'INSERT' || main === 'REPLACE');
  const isIud = isInsert || (!isExplain && (main === 'UPDATE' || main === 'DELETE'));
  const writesSchema = ['CREATE', 'DROP', 'ALTER', 'REINDEX', 'VACUUM', 'ANALYZE', 'ATTACH', 'DETACH'];
  const isReadonly =
    isExplain || (!isIud && !writesSchema.includes(main ?? '') && !(main === 'PRAGMA' && /=/.test(sql)));
  return { isExplain, isInsert, isIud, isReadonly };
}

// ---- statements ----

interface ParsedStmt {
  sql: string;
  args: SqlValue[];
  namedArgs: Map<string, SqlValue> | undefined;
  wantRows: boolean;
}

function resolveSql(sql: unknown, sqlId: unknown, sqls: Map<number, string>): string {
  const text = optionalString(sql, 'sql');
  const id = optionalInt(sqlId, 'sql_id');
  if (text !== undefined && id !== undefined) {
    throw new ProtocolError('Either `sql` or `sql_id` are required, but not both');
  }
  if (text !== undefined) return text;
  if (id === undefined) throw new ProtocolError('Either `sql` or `sql_id` are required');
  const stored = sqls.get(id);
  if (stored === undefined) throw new ProtocolError(`SQL text ${id} not found`);
  return stored;
}

/** sqld's `proto_stmt_to_query`: what is checked before anything runs. */
function parseStmt(raw: unknown, sqls: Map<number, string>): ParsedStmt {
  const stmt = object(raw, 'stmt');
  const sql = resolveSql(stmt.sql, stmt.sql_id, sqls);
  const statements = splitStatements(sql);
  if (statements.length === 0)
    throw new StmtError('SQL string does not contain any statement', 'SQL_NO_STATEMENT');
  if (statements.length > 1)
    throw new StmtError('SQL string contains more than one statement', 'SQL_MANY_STATEMENTS');
  const args = array(stmt.args, 'args').map(decodeValue);
  const named = array(stmt.named_args, 'named_args').map((raw) => {
    const arg = object(raw, 'named arg');
    if (typeof arg.name !== 'string') throw deserialize('named arg: expected `name`');
    return [arg.name, decodeValue(arg.value)] as const;
  });
  if (args.length > 0 && named.length > 0) {
    throw new StmtError(
      'Specifying both positional and named arguments is not supported',
      'ARGS_BOTH_POSITIONAL_AND_NAMED',
    );
  }
  const wantRows = stmt.want_rows === undefined || stmt.want_rows === null ? true : stmt.want_rows === true;
  return { sql, args, namedArgs: named.length > 0 ? new Map(named) : undefined, wantRows };
}

/** sqld's `Params::bind`: a value for every parameter, by position or by name, and no extra ones. */
function bindValues(stmt: ParsedStmt): SqlValue[] {
  const names = parameterNames(stmt.sql);
  const given = stmt.namedArgs ? stmt.namedArgs.size : stmt.args.length;
  const invalid = (why: string) =>
    new StmtError(`Arguments do not match SQL parameters: ${why}`, 'ARGS_INVALID');
  if (given > names.length) throw invalid(`too many parameters, expected ${names.length} found ${given}`);
  return names.map((name, i) => {
    let value: SqlValue | undefined;
    if (name === null) value = stmt.namedArgs ? undefined : stmt.args[i];
    else if (name.startsWith('?')) value = stmt.namedArgs ? undefined : stmt.args[Number(name.slice(1)) - 1];
    else value = stmt.namedArgs?.get(name) ?? stmt.namedArgs?.get(name.slice(1));
    if (value === undefined) throw invalid(`value for parameter ${name ?? i + 1} not found`);
    return value;
  });
}

/** SQLite's primary result codes as sqld names them (rusqlite's ErrorCode; SQLITE_ERROR is "unknown"). */
const primaryCodes: Record<number, string> = {
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  22: 'SQLITE_NOLFS',
  23: 'SQLITE_AUTH',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
};

function sqliteError(err: unknown): StmtError {
  const { rawCode, message } = err as { rawCode?: unknown; message?: unknown };
  if (typeof rawCode !== 'number') throw err;
  return new StmtError(`SQLite error: ${String(message)}`, primaryCodes[rawCode & 0xff] ?? 'SQLITE_UNKNOWN');
}

interface StmtResult {
  cols: { name: string | null; decltype: string | null }[];
  rows: Json[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
  query_duration_ms: number;
}

// ---- the connection, and which stream holds it ----

interface Stream {
  id: string;
  seq: bigint;
  sqls: Map<number, string>;
  /** False once a `close` request ran (the baton is then null). */
  open: boolean;
  state: 'available' | 'acquired' | 'expired';
  expiry?: NodeJS.Timeout;
}

class Connection {
  readonly db: Database.Database;
  /** The stream whose open transaction holds the connection between its requests. */
  owner: Stream | undefined;
  #waiters = new Set<() => void>();
  #changes: Database.Statement;

  constructor(file: string) {
    this.db = new Database(file);
    this.#changes = this.db.prepare('SELECT changes(), last_insert_rowid()');
    this.#changes.safeIntegers(true);
    this.#changes.raw(true);
  }

  get autocommit(): boolean {
    return !this.db.inTransaction;
  }

  changes(): { changes: bigint; lastInsertRowid: bigint } {
    const row = this.#changes.all([])[0] as [bigint, bigint];
    return { changes: row[0], lastInsertRowid: row[1] };
  }

  /** Resolves true when the owner lets go, false at `deadline`. */
  waitForRelease(deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (left <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (released: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve(released);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), left);
      this.#waiters.add(wake);
    });
  }

  /** After a request of `stream` (which had the connection): it keeps it while its transaction is open. */
  settle(stream: Stream) {
    if (!this.autocommit) this.owner = stream;
    else if (this.owner === stream) this.release();
  }

  /** The stream is gone (closed, expired, failed): its transaction is rolled back, as a dropped connection's. */
  abandon(stream: Stream, hadConnection: boolean) {
    if (this.owner !== stream && !hadConnection) return;
    if (!this.autocommit) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // nothing was open after all
      }
    }
    if (this.owner === stream) this.release();
  }

  release() {
    this.owner = undefined;
    for (const wake of [...this.#waiters]) wake();
  }
}

// ---- batons ----

function b64NoPad(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

// ---- the server ----

const MAX_SQL_COUNT = 50;
const MAX_STORED_SQL_BYTES = 5000;

export async function startHranaStandIn(options: HranaStandInOptions): Promise<HranaStandIn> {
  const authToken = options.authToken ?? randomBytes(24).toString('hex');
  const streamExpiryMs = options.streamExpiryMs ?? 10_000;
  const lockTimeoutMs = options.lockTimeoutMs ?? 5_000;
  const connection = new Connection(options.file);
  const batonKey = randomBytes(32);
  const streams = new Map<string, Stream>();
  const log: HranaRequestRecord[] = [];

  const encodeBaton = (stream: Stream) => {
    const payload = Buffer.alloc(16);
    Buffer.from(stream.id, 'hex').copy(payload, 0);
    payload.writeBigUInt64BE(stream.seq, 8);
    const mac = createHmac('sha256', batonKey).update(payload).digest();
    return b64NoPad(Buffer.concat([payload, mac]));
  };

  /** sqld's `stream::acquire`: a new stream, or the baton's, whose sequence number must match. */
  const acquireStream = (baton: string | undefined): Stream => {
    if (baton === undefined) {
      const stream: Stream = {
        id: randomBytes(8).toString('hex'),
        seq: randomBytes(8).readBigUInt64BE(),
        sqls: new Map(),
        open: true,
        state: 'acquired',
      };
      streams.set(stream.id, stream);
      return stream;
    }
    const data = Buffer.from(baton, 'base64');
    if (data.length !== 48 || b64NoPad(data) !== baton) throw new ProtocolError('Received an invalid baton');
    const payload = data.subarray(0, 16);
    const mac = createHmac('sha256', batonKey).update(payload).digest();
    if (!timingSafeEqual(mac, data.subarray(16))) throw new ProtocolError('Received an invalid baton');
    const stream = streams.get(payload.subarray(0, 8).toString('hex'));
    if (!stream) throw new ProtocolError('Received an invalid baton');
    if (stream.state === 'expired') throw new StreamExpiredError('The stream has expired due to inactivity');
    if (stream.state === 'acquired' || stream.seq !== payload.readBigUInt64BE(8)) {
      throw new ProtocolError('Received a baton that has already been used');
    }
    clearTimeout(stream.expiry);
    stream.state = 'acquired';
    stream.seq = BigInt.asUintN(64, stream.seq + 1n);
    return stream;
  };

  /** After a request: the stream is kept for the next baton (and expires unused), or removed. */
  const releaseStream = (stream: Stream) => {
    if (!stream.open) {
      streams.delete(stream.id);
      return;
    }
    stream.state = 'available';
    stream.expiry = setTimeout(() => {
      if (stream.state !== 'available') return;
      stream.state = 'expired';
      stream.sqls.clear();
      connection.abandon(stream, false);
      // Kept a while to answer "expired" rather than "invalid baton", as sqld does.
      setTimeout(() => streams.delete(stream.id), 300_000).unref();
    }, streamExpiryMs);
    stream.expiry.unref();
  };

  interface Context {
    stream: Stream;
    version: Version;
    /** The connection stayed with another stream's transaction past lockTimeoutMs. */
    locked: boolean;
  }

  const requireOpen = (ctx: Context) => {
    if (!ctx.stream.open) throw new ProtocolError('Stream for this baton was closed');
  };

  const execute = (ctx: Context, stmt: ParsedStmt): StmtResult => {
    if (ctx.locked) throw new StmtError('SQLite error: database is locked', 'SQLITE_BUSY');
    const values = bindValues(stmt);
    const kind = statementKind(stmt.sql);
    const started = performance.now();
    let cols: StmtResult['cols'] = [];
    let rows: unknown[][] = [];
    try {
      const prepared = connection.db.prepare(stmt.sql);
      prepared.safeIntegers(true);
      if (prepared.reader) {
        prepared.raw(true);
        cols = prepared.columns().map((c) => ({ name: c.name, decltype: c.type }));
        rows = prepared.all(values) as unknown[][];
      } else {
        prepared.run(values);
      }
    } catch (err) {
      throw sqliteError(err);
    }
    const { changes, lastInsertRowid } = kind.isIud
      ? connection.changes()
      : { changes: 0n, lastInsertRowid: 0n };
    return {
      cols,
      rows: stmt.wantRows ? rows.map((row) => row.map(encodeValue)) : [],
      affected_row_count: Number(changes),
      last_insert_rowid: kind.isInsert ? lastInsertRowid.toString() : null,
      query_duration_ms: performance.now() - started,
    };
  };

  type Cond =
    | { type: 'ok' | 'error'; step: number }
    | { type: 'not'; cond: Cond }
    | { type: 'and' | 'or'; conds: Cond[] }
    | { type: 'is_autocommit' };

  const parseCond = (raw: unknown, version: Version, stepIndex: number): Cond => {
    const cond = object(raw, 'condition');
    switch (cond.type) {
      case 'ok':
      case 'error': {
        const step = optionalInt(cond.step, 'step');
        if (step === undefined || step < 0 || step >= stepIndex) {
          throw new ProtocolError('Invalid reference to step in a batch condition');
        }
        return { type: cond.type, step };
      }
      case 'not':
        return { type: 'not', cond: parseCond(cond.cond, version, stepIndex) };
      case 'and':
      case 'or':
        return {
          type: cond.type,
          conds: array(cond.conds, 'conds').map((c) => parseCond(c, version, stepIndex)),
        };
      case 'is_autocommit':
        if (version < 3) {
          throw new ProtocolError(
            'BatchCond of type `is_autocommit` is only supported in protocol version hrana3 and higher',
          );
        }
        return { type: 'is_autocommit' };
      default:
        throw deserialize(`unknown variant \`${String(cond.type)}\` of BatchCond`);
    }
  };

  interface BatchSink {
    stepResult(step: number, result: StmtResult): void;
    stepError(step: number, error: StmtError): void;
  }

  /** sqld's `proto_batch_to_program` (checked first, as a whole) then its execution step by step. */
  const runBatch = (ctx: Context, raw: unknown, sink: BatchSink) => {
    const batch = object(raw, 'batch');
    const steps = array(batch.steps, 'steps').map((rawStep, i) => {
      const step = object(rawStep, 'step');
      return {
        stmt: parseStmt(step.stmt, ctx.stream.sqls),
        cond:
          step.condition === undefined || step.condition === null
            ? undefined
            : parseCond(step.condition, ctx.version, i),
      };
    });
    const outcome: ('ok' | 'error' | 'skipped')[] = [];
    const holds = (cond: Cond): boolean => {
      switch (cond.type) {
        case 'ok':
        case 'error':
          return outcome[cond.step] === cond.type;
        case 'not':
          return !holds(cond.cond);
        case 'and':
          return cond.conds.every(holds);
        case 'or':
          return cond.conds.some(holds);
        case 'is_autocommit':
          return ctx.locked || connection.autocommit;
      }
    };
    steps.forEach((step, i) => {
      if (step.cond && !holds(step.cond)) {
        outcome.push('skipped');
        return;
      }
      try {
        sink.stepResult(i, execute(ctx, step.stmt));
        outcome.push('ok');
      } catch (err) {
        if (!(err instanceof StmtError)) throw err;
        sink.stepError(i, err);
        outcome.push('error');
      }
    });
    return steps.length;
  };

  /** One stream request of a pipeline (sqld's `request::handle`). */
  const handleRequest = (ctx: Context, raw: unknown): Json => {
    const request = object(raw, 'request');
    const ok = (response: Json) => ({ type: 'ok', response: { type: request.type, ...response } });
    try {
      switch (request.type) {
        case 'close':
          if (ctx.stream.open && !ctx.locked) connection.abandon(ctx.stream, true);
          ctx.stream.open = false;
          return ok({});
        case 'execute': {
          requireOpen(ctx);
          return ok({ result: execute(ctx, parseStmt(request.stmt, ctx.stream.sqls)) });
        }
        case 'batch': {
          requireOpen(ctx);
          const stepResults: (StmtResult | null)[] = [];
          const stepErrors: (Json | null)[] = [];
          const count = runBatch(ctx, request.batch, {
            stepResult: (i, result) => {
              stepResults[i] = result;
            },
            stepError: (i, error) => {
              stepErrors[i] = error.toProto();
            },
          });
          const fill = <T>(list: (T | null)[]) => Array.from({ length: count }, (_, i) => list[i] ?? null);
          return ok({ result: { step_results: fill(stepResults), step_errors: fill(stepErrors) } });
        }
        case 'sequence': {
          requireOpen(ctx);
          const sql = resolveSql(request.sql, request.sql_id, ctx.stream.sqls);
          for (const statement of splitStatements(sql)) {
            execute(ctx, { sql: statement, args: [], namedArgs: undefined, wantRows: false });
          }
          return ok({});
        }
        case 'describe': {
          requireOpen(ctx);
          const sql = resolveSql(request.sql, request.sql_id, ctx.stream.sqls);
          const statements = splitStatements(sql);
          if (statements.length !== 1) {
            throw statements.length === 0
              ? new StmtError('SQL string does not contain any statement', 'SQL_NO_STATEMENT')
              : new StmtError('SQL string contains more than one statement', 'SQL_MANY_STATEMENTS');
          }
          let cols: { name: string; decltype: string | null }[];
          try {
            const prepared = connection.db.prepare(sql);
            cols = prepared.reader ? prepared.columns().map((c) => ({ name: c.name, decltype: c.type })) : [];
          } catch (err) {
            throw sqliteError(err);
          }
          const kind = statementKind(sql);
          return ok({
            result: {
              params: parameterNames(sql).map((name) => ({ name })),
              cols,
              is_explain: kind.isExplain,
              is_readonly: kind.isReadonly,
            },
          });
        }
        case 'store_sql': {
          const sqlId = optionalInt(request.sql_id, 'sql_id');
          if (sqlId === undefined || typeof request.sql !== 'string') {
            throw deserialize('store_sql: expected `sql_id` and `sql`');
          }
          if (ctx.stream.sqls.has(sqlId)) throw new ProtocolError(`SQL text ${sqlId} already exists`);
          if (ctx.stream.sqls.size >= MAX_SQL_COUNT) {
            throw new StmtError(
              `The server already stores ${ctx.stream.sqls.size} SQL texts, it cannot store more`,
              'SQL_STORE_TOO_MANY',
            );
          }
          const size = Buffer.byteLength(request.sql);
          if (size > MAX_STORED_SQL_BYTES) {
            throw new StmtError(
              `The statement is too large to be stored: ${size} B/5.0 KB`,
              'SQL_STORE_TOO_LARGE',
            );
          }
          ctx.stream.sqls.set(sqlId, request.sql);
          return ok({});
        }
        case 'close_sql': {
          const sqlId = optionalInt(request.sql_id, 'sql_id');
          if (sqlId === undefined) throw deserialize('close_sql: expected `sql_id`');
          ctx.stream.sqls.delete(sqlId);
          return ok({});
        }
        case 'get_autocommit':
          if (ctx.version < 3) {
            throw new ProtocolError(
              'The `get_autocommit` request is only supported in protocol version hrana3 and higher',
            );
          }
          requireOpen(ctx);
          return ok({ is_autocommit: ctx.locked || connection.autocommit });
        default:
          throw deserialize(`unknown variant \`${String(request.type)}\` of StreamRequest`);
      }
    } catch (err) {
      if (err instanceof StmtError) return { type: 'error', error: err.toProto() };
      throw err;
    }
  };

  /**
   * Runs `work` on the stream of `baton` once the connection is free for it, then keeps or drops
   * the stream. Nothing awaits between the wait and the end of `work`, so requests never interleave.
   */
  const onStream = async <T>(
    baton: string | undefined,
    version: Version,
    work: (ctx: Context) => T,
  ): Promise<T> => {
    const stream = acquireStream(baton);
    const deadline = Date.now() + lockTimeoutMs;
    let locked = false;
    while (connection.owner && connection.owner !== stream) {
      if (!(await connection.waitForRelease(deadline))) {
        locked = true;
        break;
      }
    }
    const ctx: Context = { stream, version, locked };
    let result: T;
    try {
      result = work(ctx);
    } catch (err) {
      // sqld drops the stream's guard: the stream and its connection are gone.
      connection.abandon(stream, !locked);
      streams.delete(stream.id);
      throw err;
    }
    if (!locked && stream.open) connection.settle(stream);
    releaseStream(stream);
    return result;
  };

  const pipeline = (body: Json, version: Version) =>
    onStream(optionalString(body.baton, 'baton'), version, (ctx) => {
      const results = array(body.requests, 'requests').map((request) => handleRequest(ctx, request));
      return { baton: ctx.stream.open ? encodeBaton(ctx.stream) : null, base_url: null, results };
    });

  const cursor = (body: Json) =>
    onStream(optionalString(body.baton, 'baton'), 3, (ctx) => {
      const lines: Json[] = [];
      requireOpen(ctx);
      try {
        runBatch(ctx, body.batch, {
          stepResult: (step, result) => {
            lines.push({ type: 'step_begin', step, cols: result.cols });
            for (const row of result.rows) lines.push({ type: 'row', row });
            lines.push({
              type: 'step_end',
              affected_row_count: result.affected_row_count,
              last_insert_rowid: result.last_insert_rowid,
            });
          },
          stepError: (step, error) => {
            lines.push({ type: 'step_error', step, error: error.toProto() });
          },
        });
      } catch (err) {
        if (!(err instanceof StmtError)) throw err;
        lines.push({ type: 'error', error: err.toProto() });
      }
      return [{ baton: ctx.stream.open ? encodeBaton(ctx.stream) : null, base_url: null }, ...lines];
    });

  const unauthorized = (reason: string) => ({ error: `Unauthorized: \`${reason}\`` });
  const authFailure = (header: string | undefined) => {
    if (!header) return unauthorized('Authentication is required but no JWT was specified');
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match)
      return unauthorized('The authentication scheme in the `Authorization` HTTP header is not supported');
    const given = Buffer.from(match[1] as string);
    const expected = Buffer.from(authToken);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return unauthorized('The JWT is invalid');
    }
    return undefined;
  };

  const readBody = async (req: IncomingMessage): Promise<Json> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      throw deserialize((err as Error).message);
    }
    return object(parsed, 'request body');
  };

  const routes: Record<string, { version: Version; kind: 'pipeline' | 'cursor' }> = {
    '/v2/pipeline': { version: 2, kind: 'pipeline' },
    '/v3/pipeline': { version: 3, kind: 'pipeline' },
    '/v3/cursor': { version: 3, kind: 'cursor' },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, record: HranaRequestRecord) => {
    const send = (status: number, type: string, body: string) => {
      record.status = status;
      res.writeHead(status, { 'content-type': type }).end(body);
    };
    const path = record.path;
    if (req.method === 'GET') {
      if (path === '/v2' || path === '/v3')
        return send(200, 'text/plain', 'Hello, this is HTTP API v2 (Hrana over HTTP)');
      if (path === '/health') return send(200, 'text/plain', '');
      return send(404, 'text/plain', 'not found');
    }
    const route = req.method === 'POST' ? routes[path] : undefined;
    if (!route) return send(404, 'text/plain', 'not found');
    const refused = authFailure(req.headers.authorization);
    if (refused) return send(401, 'application/json', JSON.stringify(refused));
    try {
      const body = await readBody(req);
      record.baton = typeof body.baton === 'string';
      if (route.kind === 'pipeline') {
        record.requests = array(body.requests, 'requests').map((r) => String((r as Json)?.type));
        return send(200, 'application/json', JSON.stringify(await pipeline(body, route.version)));
      }
      record.requests = ['cursor'];
      const lines = await cursor(body);
      return send(200, 'text/plain', lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    } catch (err) {
      if (err instanceof ProtocolError) return send(400, 'text/plain', err.message);
      if (err instanceof StreamExpiredError) {
        return send(
          500,
          'application/json',
          JSON.stringify({ message: err.message, code: 'STREAM_EXPIRED' }),
        );
      }
      return send(500, 'application/json', JSON.stringify({ error: `Internal Error: \`${String(err)}\`` }));
    }
  };

  const server: Server = createServer((req, res) => {
    const record: HranaRequestRecord = {
      method: req.method ?? '',
      path: new URL(req.url ?? '/', 'http://standin').pathname.replace(/(?<=.)\/+$/, ''),
      status: 0,
      baton: false,
      requests: [],
    };
    log.push(record);
    handle(req, res, record).catch((err: unknown) => {
      record.status = 500;
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    authToken,
    log,
    openStreams: () => [...streams.values()].filter((s) => s.state !== 'expired').length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams.values()) clearTimeout(stream.expiry);
        server.closeAllConnections();
        server.close(() => {
          connection.db.close();
          resolve();
        });
      }),
  };
}
