import { splitCsvRecord } from '../../csv';
import { JobInputSchema } from './job-input';

/**
 * Streaming parsers for `POST /api/jobs/import` (and `npm run jobs:import`): a JSON array, NDJSON or
 * CSV body becomes one item per job row, as the bytes arrive.
 *
 * Records are framed on bytes, not on decoded text. Every character that delimits a record (`[ ] { }
 * , " \ \n \r`) is ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte character, so a byte
 * scan finds the same boundaries as a text scan. Each record is then decoded on its own with a fatal
 * decoder: a character split across chunks is whole again by then, invalid UTF-8 fails only its row,
 * and the per-record cap counts real bytes. Memory stays at one record (up to the cap) plus one chunk.
 */

export type ImportFormat = 'json' | 'ndjson' | 'csv';

/** One row of an import: its parsed fields (not validated yet) or why it could not be read. */
export type ImportItem = { row: number; record: Record<string, unknown> } | { row: number; error: string };

export interface ImportParseOptions {
  /** Largest record (one array element, line or CSV row) kept in memory; larger rows fail alone. */
  maxRecordBytes?: number;
}

/**
 * 256 KiB: above the largest row the job schema accepts (a 20,000-character description written as
 * `\uXXXX` escapes, as Python's json.dumps does by default, is 120 KB), small enough that a giant
 * row cannot exhaust memory.
 */
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024;

/** The body as a whole is unusable (not a JSON array, no CSV header...): nothing row by row to report. */
export class ImportFormatError extends Error {
  override readonly name = 'ImportFormatError';
}

// A Map, not an object literal, so names like `constructor` do not resolve to Object.prototype members.
const formatsByMediaType = new Map<string, ImportFormat>([
  ['application/json', 'json'],
  ['application/x-ndjson', 'ndjson'],
  ['application/ndjson', 'ndjson'],
  ['application/jsonl', 'ndjson'],
  ['text/csv', 'csv'],
]);

// Bodies are read as UTF-8 only; ASCII is a subset of it.
const utf8Charsets = new Set(['utf-8', 'utf8', 'us-ascii']);

/** The import format a Content-Type names, or undefined when it names none we read (-> 415). */
export function importFormatOf(contentType: string | undefined): ImportFormat | undefined {
  if (!contentType) return undefined;
  const [mediaType = '', ...parameters] = contentType.split(';');
  const format = formatsByMediaType.get(mediaType.trim().toLowerCase());
  return format && parameters.every(isReadableParameter) ? format : undefined;
}

/** Any parameter is fine except a charset we would decode wrongly. */
function isReadableParameter(parameter: string): boolean {
  const [name = '', value = ''] = parameter.split('=');
  if (name.trim().toLowerCase() !== 'charset') return true;
  const charset = value.trim().replace(/^"(.*)"$/, '$1');
  return utf8Charsets.has(charset.toLowerCase());
}

/**
 * The rows of an import body, in order, as they stream in. Row numbers are 1-based: the element's
 * index for a JSON array, the physical line for NDJSON (blank lines count, so an editor's line number
 * finds it), the record after the header for CSV (blank records count, so row N is spreadsheet row
 * N + 1). Throws ImportFormatError when the body as a whole cannot be read; rows before the problem
 * have been yielded by then.
 */
export async function* parseImport(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  format: ImportFormat,
  options: ImportParseOptions = {},
): AsyncGenerator<ImportItem> {
  const maxBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const chunks = withoutBom(chunksOf(body));
  if (format === 'csv') {
    yield* csvItems(framesOf(chunks, new CsvFramer(maxBytes)));
    return;
  }
  const framer = format === 'json' ? new JsonArrayFramer(maxBytes) : new LineFramer(maxBytes);
  for await (const frame of framesOf(chunks, framer)) yield jsonItem(frame);
}

// ---------------------------------------------------------------------------------------------
// Bytes in

function isReadableStream(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): body is ReadableStream<Uint8Array> {
  return typeof (body as Partial<ReadableStream<Uint8Array>>).getReader === 'function';
}

/** The body's chunks. Stopping early (a format error, a consumer that gives up) cancels the body. */
async function* chunksOf(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (!isReadableStream(body)) {
    yield* body;
    return;
  }
  const reader = body.getReader();
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        return;
      }
      if (value.length > 0) yield value;
    }
  } finally {
    // Cancelling tells the source (a request body, a file) to stop; it rejects when the stream failed.
    if (!ended) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

const BOM = [0xef, 0xbb, 0xbf];

/** Drops a UTF-8 byte order mark at the start of the body, even when it arrives a byte at a time. */
async function* withoutBom(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let head: Uint8Array | undefined = new Uint8Array(0);
  for await (const chunk of chunks) {
    if (!head) {
      yield chunk;
      continue;
    }
    const start = concatBytes([head, chunk], head.length + chunk.length);
    if (start.length < BOM.length && isBomPrefix(start)) {
      head = start;
      continue;
    }
    head = undefined;
    const rest = startsWithBom(start) ? start.subarray(BOM.length) : start;
    if (rest.length > 0) yield rest;
  }
  // A body shorter than a BOM that looked like its start: not UTF-8, let decoding report it.
  if (head && head.length > 0) yield head;
}

function startsWithBom(bytes: Uint8Array): boolean {
  return bytes.length >= BOM.length && isBomPrefix(bytes.subarray(0, BOM.length));
}

function isBomPrefix(bytes: Uint8Array): boolean {
  return bytes.every((b, i) => b === BOM[i]);
}

function concatBytes(parts: Uint8Array[], length: number): Uint8Array {
  const whole = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.length;
  }
  return whole;
}

// Fatal: invalid UTF-8 fails the row instead of becoming U+FFFD. ignoreBOM: a record's own leading
// U+FEFF is data (the body's BOM is already gone). decode() without `stream` is stateless, so one is shared.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Framing: chunks -> one record's bytes at a time

/** A record's bytes (the delimiter excluded) or why it has none. */
type Frame = { row: number; bytes: Uint8Array } | { row: number; error: string };

interface Framer {
  /** The records that end in this chunk; the unfinished one is kept for the next. */
  push(chunk: Uint8Array): Frame[];
  /** The records left when the body ends. */
  finish(): Frame[];
}

async function* framesOf(chunks: AsyncIterable<Uint8Array>, framer: Framer): AsyncGenerator<Frame> {
  for await (const chunk of chunks) yield* framer.push(chunk);
  yield* framer.finish();
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function isWhitespace(b: number | undefined): boolean {
  return b === SPACE || b === LF || b === CR || b === TAB;
}

function skipWhitespace(chunk: Uint8Array, from: number): number {
  let i = from;
  while (i < chunk.length && isWhitespace(chunk[i])) i++;
  return i;
}

function withoutTrailingCr(bytes: Uint8Array): Uint8Array {
  return bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
}

function tooLarge(row: number, maxBytes: number): Frame {
  return { row, error: `row too large: over ${maxBytes} bytes` };
}

/**
 * The bytes of the record being framed, gathered across chunks. Past the cap they are dropped and
 * only the fact is remembered, while the framer goes on scanning for the record's end.
 */
class RecordBytes {
  private parts: Uint8Array[] = [];
  private size = 0;
  private overflowed = false;

  constructor(readonly maxBytes: number) {}

  get isEmpty(): boolean {
    return this.size === 0 && !this.overflowed;
  }

  /** Keeps the record's part in this chunk, as it goes on in the next (copied: a source may reuse its memory). */
  carry(part: Uint8Array): void {
    if (this.overflowed || part.length === 0) return;
    this.size += part.length;
    if (this.size > this.maxBytes) this.overflow();
    else this.parts.push(part.slice());
  }

  /** The whole record ending with `last`, or undefined when it is over the cap; resets for the next. */
  take(last: Uint8Array): Uint8Array | undefined {
    const { parts, size, overflowed } = this;
    this.reset();
    if (overflowed || size + last.length > this.maxBytes) return undefined;
    return parts.length === 0 ? last : concatBytes([...parts, last], size + last.length);
  }

  reset(): void {
    this.parts = [];
    this.size = 0;
    this.overflowed = false;
  }

  private overflow(): void {
    this.overflowed = true;
    this.parts = [];
  }
}

type JsonPhase = 'before-array' | 'before-element' | 'element' | 'after-array';

/**
 * Top-level elements of a JSON array. Inside an element only strings (with their escapes) and the
 * nesting depth matter: a `,` or `]` at depth 0 ends it. Whether the element is valid JSON is left to
 * JSON.parse, so a malformed element whose end can still be found fails alone. A stray closer at
 * depth 0 (`{"a":1}}`) stays in the element for the same reason; only `]` ends the array.
 */
class JsonArrayFramer implements Framer {
  private phase: JsonPhase = 'before-array';
  private row = 0;
  private afterComma = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private readonly record: RecordBytes;

  constructor(maxBytes: number) {
    this.record = new RecordBytes(maxBytes);
  }

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let elementStart = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.phase === 'element') {
        const end = this.scanElement(chunk, i);
        if (end < 0) {
          this.record.carry(chunk.subarray(elementStart));
          break;
        }
        frames.push(this.elementFrame(chunk.subarray(elementStart, end)));
        this.afterComma = chunk[end] === COMMA;
        this.phase = this.afterComma ? 'before-element' : 'after-array';
        i = end + 1;
        continue;
      }
      i = skipWhitespace(chunk, i);
      if (i === chunk.length) break;
      const b = chunk[i]!;
      if (this.phase === 'before-array') {
        if (b !== OPEN_BRACKET) throw notAnArray(b);
        this.phase = 'before-element';
        i++;
      } else if (this.phase === 'after-array') {
        throw new ImportFormatError("The body goes on after the JSON array's closing ]");
      } else if (b === COMMA || b === CLOSE_BRACKET) {
        // `[,` `,,` `,]`: no element where one is due. Reported as that row, the array goes on.
        if (b === COMMA || this.afterComma)
          frames.push({ row: ++this.row, error: 'no value: a stray comma' });
        this.afterComma = b === COMMA;
        if (b === CLOSE_BRACKET) this.phase = 'after-array';
        i++;
      } else {
        this.startElement();
        elementStart = i;
      }
    }
    return frames;
  }

  finish(): Frame[] {
    if (this.phase === 'after-array') return [];
    if (this.phase === 'before-array') {
      throw new ImportFormatError('The body is empty; an import takes a JSON array of jobs');
    }
    const where = this.phase === 'element' ? `inside row ${this.row}` : `after row ${this.row}`;
    const inString = this.phase === 'element' && this.inString ? ' (in an unterminated string)' : '';
    throw new ImportFormatError(`The JSON array is not closed: the body ends ${where}${inString}`);
  }

  private startElement(): void {
    this.phase = 'element';
    this.row++;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** The index of the `,` or `]` that ends the element, or -1 when it goes on past this chunk. */
  private scanElement(chunk: Uint8Array, from: number): number {
    // Locals, not fields, in the hot loop.
    let { depth, inString, escaped } = this;
    let end = -1;
    for (let i = from; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) {
        inString = true;
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        depth++;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        if (depth > 0) depth--;
        else if (b === CLOSE_BRACKET) {
          end = i;
          break;
        }
      } else if (b === COMMA && depth === 0) {
        end = i;
        break;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return end;
  }

  private elementFrame(last: Uint8Array): Frame {
    const bytes = this.record.take(last);
    return bytes ? { row: this.row, bytes } : tooLarge(this.row, this.record.maxBytes);
  }
}

function notAnArray(first: number): ImportFormatError {
  const what = first === OPEN_BRACE ? 'a JSON object' : 'not a JSON array';
  return new ImportFormatError(`The body is ${what}; an import takes a JSON array of jobs`);
}

/**
 * NDJSON lines, numbered as an editor numbers them. A JSON text cannot hold a raw newline (it is
 * escaped inside strings), so every LF ends a record.
 */
class LineFramer implements Framer {
  private line = 0;
  private readonly record: RecordBytes;

  constructor(maxBytes: number) {
    this.record = new RecordBytes(maxBytes);
  }

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(LF, from);
      if (newline < 0) {
        this.record.carry(chunk.subarray(from));
        return frames;
      }
      const frame = this.lineFrame(chunk.subarray(from, newline));
      if (frame) frames.push(frame);
      from = newline + 1;
    }
  }

  finish(): Frame[] {
    if (this.record.isEmpty) return [];
    const frame = this.lineFrame(new Uint8Array(0));
    return frame ? [frame] : [];
  }

  /** The line's frame; none for a blank line, which only takes its line number. */
  private lineFrame(last: Uint8Array): Frame | undefined {
    this.line++;
    const bytes = this.record.take(last);
    if (!bytes) return tooLarge(this.line, this.record.maxBytes);
    const text = withoutTrailingCr(bytes);
    return text.every(isWhitespace) ? undefined : { row: this.line, bytes: text };
  }
}

// Where the CSV scan stands within a record (RFC 4180).
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3; // a `"` inside a quoted field: `""` (a literal quote) or the closing quote

/**
 * CSV records (row 0 is the header), split on LF outside quotes with a trailing CR dropped. A quote
 * opens a quoted field only at the start of a field; elsewhere it is text, so one stray quote cannot
 * swallow the rest of the file. These are the rules of src/csv.ts (whose splitCsvRecord splits each
 * record and whose parseCsvText runs this scan on a whole text). Blank records are framed (empty
 * bytes) so the reader can tell a blank header from a missing one.
 */
class CsvFramer implements Framer {
  private row = 0;
  private state = FIELD_START;
  private readonly record: RecordBytes;

  constructor(maxBytes: number) {
    this.record = new RecordBytes(maxBytes);
  }

  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let state = this.state;
    let recordStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (state === QUOTED) {
        // Inside quotes only the next quote matters: jump to it.
        const quote = chunk.indexOf(QUOTE, i);
        if (quote < 0) break;
        i = quote;
        state = QUOTE_IN_QUOTED;
        continue;
      }
      const b = chunk[i]!;
      if (b === LF) {
        frames.push(this.recordFrame(chunk.subarray(recordStart, i)));
        recordStart = i + 1;
        state = FIELD_START;
      } else if (b === COMMA) state = FIELD_START;
      else if (b === QUOTE) state = state === UNQUOTED ? UNQUOTED : QUOTED;
      else state = UNQUOTED;
    }
    this.state = state;
    this.record.carry(chunk.subarray(recordStart));
    return frames;
  }

  finish(): Frame[] {
    if (this.state === QUOTED) {
      this.record.reset();
      return [{ row: this.row++, error: 'unterminated quoted field: the quote runs to the end of the body' }];
    }
    return this.record.isEmpty ? [] : [this.recordFrame(new Uint8Array(0))];
  }

  private recordFrame(last: Uint8Array): Frame {
    const row = this.row++;
    const bytes = this.record.take(last);
    return bytes ? { row, bytes: withoutTrailingCr(bytes) } : tooLarge(row, this.record.maxBytes);
  }
}

// ---------------------------------------------------------------------------------------------
// Records: bytes -> items

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text`, cut to `max` characters with an ellipsis: user text quoted back in an error stays short. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** A JSON array element or NDJSON line as an item: a job is a JSON object. */
function jsonItem(frame: Frame): ImportItem {
  if ('error' in frame) return frame;
  const { row } = frame;
  const text = decodeUtf8(frame.bytes);
  if (text === undefined) return { row, error: 'not valid UTF-8' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { row, error: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  return isRecord(value)
    ? { row, record: value }
    : { row, error: `not a JSON object but ${describeJsonValue(value)}` };
}

async function* csvItems(frames: AsyncIterable<Frame>): AsyncGenerator<ImportItem> {
  let columns: string[] | undefined;
  for await (const frame of frames) {
    if (!columns) {
      columns = csvHeader(frame);
      continue;
    }
    // Blank records are skipped but keep their number, as a spreadsheet shows them.
    if ('bytes' in frame && frame.bytes.length === 0) continue;
    yield csvItem(frame, columns);
  }
  if (!columns) throw new ImportFormatError('The CSV body is empty; it needs a header row naming the fields');
}

const jobFieldNames = new Set(Object.keys(JobInputSchema.shape));
/** Columns a CSV may have: every job field and plenty of columns an export adds, not 50,000. */
const maxCsvColumns = 256;
const columnAliases = new Map([['type', 'job_type']]);

/**
 * The field a header cell names: case and surrounding space do not matter, nor spaces or hyphens
 * for underscores (`Job Type`, `salary-min`). Other names are kept as written, so the job schema
 * reports them as unknown fields.
 */
function fieldOfColumn(header: string): string {
  const name = header.trim();
  const normalized = name.toLowerCase().replace(/[\s-]+/g, '_');
  if (jobFieldNames.has(normalized)) return normalized;
  return columnAliases.get(normalized) ?? name;
}

function csvHeader(frame: Frame): string[] {
  if ('error' in frame) throw new ImportFormatError(`The CSV header row is unreadable: ${frame.error}`);
  const text = decodeUtf8(frame.bytes);
  if (text === undefined) throw new ImportFormatError('The CSV header row is not valid UTF-8');
  if (text.trim() === '') throw new ImportFormatError('The CSV header row is empty; it must name the fields');
  const cells = splitCsvRecord(text);
  if (typeof cells === 'string') throw new ImportFormatError(`The CSV header row has ${cells}`);
  if (cells.length > maxCsvColumns) {
    throw new ImportFormatError(
      `The CSV header has ${cells.length.toLocaleString('en-US')} columns; a job has ${jobFieldNames.size} fields (at most ${maxCsvColumns} columns are read)`,
    );
  }
  const columns = cells.map(fieldOfColumn);
  const firstColumn = new Map<string, number>();
  for (const [index, column] of columns.entries()) {
    if (column === '') throw new ImportFormatError(`The CSV header names no field for column ${index + 1}`);
    const first = firstColumn.get(column);
    if (first !== undefined) {
      throw new ImportFormatError(
        `The CSV header names ${clip(column, 64)} twice (columns ${first + 1} and ${index + 1})`,
      );
    }
    firstColumn.set(column, index);
  }
  return columns;
}

function csvItem(frame: Frame, columns: string[]): ImportItem {
  if ('error' in frame) return frame;
  const { row } = frame;
  const text = decodeUtf8(frame.bytes);
  if (text === undefined) return { row, error: 'not valid UTF-8' };
  const cells = splitCsvRecord(text);
  if (typeof cells === 'string') return { row, error: cells };
  if (cells.length !== columns.length) {
    return { row, error: `has ${cells.length} fields but the header has ${columns.length}` };
  }
  // fromEntries defines own properties, so a column named `__proto__` stays data.
  return {
    row,
    record: coerceCsvRecord(Object.fromEntries(columns.map((column, i) => [column, cells[i]!]))),
  };
}

// ---------------------------------------------------------------------------------------------
// CSV values

// 85000, 85,000 (thousands grouped by three), 85000.00: integers written the ways spreadsheets do.
const integerText = /^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?$/;
const booleanWords = new Map([
  ['true', true],
  ['yes', true],
  ['1', true],
  ['false', false],
  ['no', false],
  ['0', false],
]);

/**
 * A CSV row's text cells as the job schema expects them: empty (or blank) cells omitted, salaries as
 * numbers, `remote` as a boolean. Text that does not convert is kept, so the schema names the field.
 */
export function coerceCsvRecord(record: Record<string, string>): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  for (const [field, text] of Object.entries(record)) {
    const value = coerceCsvValue(field, text);
    if (value !== undefined) entries.push([field, value]);
  }
  return Object.fromEntries(entries);
}

function coerceCsvValue(field: string, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (field === 'salary_min' || field === 'salary_max') {
    return integerText.test(trimmed) ? Number(trimmed.replaceAll(',', '')) : text;
  }
  if (field === 'remote') return booleanWords.get(trimmed.toLowerCase()) ?? text;
  return text;
}
