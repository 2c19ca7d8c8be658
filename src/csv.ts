/**
 * The project's one CSV reader (RFC 4180): a quoted field may hold commas, line breaks and `""` for a
 * quote. The rules, shared by the job importer (src/services/jobs/import-parser.ts, which frames records
 * on bytes as they stream in) and `parseCsvText` (a whole text, for scripts):
 * - records end at LF outside quotes; a CR before that LF is dropped, any other CR is data;
 * - a quote opens a quoted field only at the start of a field; elsewhere it is text, so one stray
 *   quote cannot swallow the rest of the file;
 * - after a closing quote comes a comma or the end of the record;
 * - a blank record (an empty line) is no record.
 * Runtime-neutral: strings only.
 */

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

// Where a scan for the end of a record stands within it.
const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_IN_QUOTED = 3; // a `"` inside a quoted field: `""` (a literal quote) or the closing quote

/**
 * One CSV record's fields (RFC 4180: `""` is a quote inside a quoted field, which may hold commas and
 * newlines), or what is wrong with it. The record's end was found by the framing rules above.
 */
export function splitCsvRecord(text: string): string[] | string {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) {
      const comma = text.indexOf(',', i);
      fields.push(text.slice(i, comma < 0 ? undefined : comma));
      if (comma < 0) return fields;
      i = comma + 1;
      continue;
    }
    let value = '';
    let from = i + 1;
    for (;;) {
      const quote = text.indexOf('"', from);
      // A framer only ends a record inside quotes at the end of the text.
      if (quote < 0) return `an unterminated quote in field ${fields.length + 1}`;
      if (text.charCodeAt(quote + 1) === QUOTE) {
        value += text.slice(from, quote + 1);
        from = quote + 2;
        continue;
      }
      value += text.slice(from, quote);
      i = quote + 1;
      break;
    }
    fields.push(value);
    if (i === text.length) return fields;
    if (text.charCodeAt(i) !== COMMA) return `text after the closing quote of field ${fields.length}`;
    i++;
  }
}

/**
 * The records of a whole CSV text, each split into its fields; a leading byte order mark is dropped
 * and blank records are skipped. Throws on a malformed record (`CSV line 12: text after the closing
 * quote of field 2`), naming the line the record starts on, rather than guessing.
 */
export function parseCsvText(text: string): string[][] {
  const rows: string[][] = [];
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let recordStart = start;
  // The importer's CsvFramer runs the same scan on bytes.
  let state = FIELD_START;
  for (let i = start; i < text.length; i++) {
    if (state === QUOTED) {
      // Inside quotes only the next quote matters: jump to it.
      const quote = text.indexOf('"', i);
      if (quote < 0) break;
      i = quote;
      state = QUOTE_IN_QUOTED;
      continue;
    }
    const c = text.charCodeAt(i);
    if (c === LF) {
      addRecord(rows, text, start, recordStart, i);
      recordStart = i + 1;
      state = FIELD_START;
    } else if (c === COMMA) state = FIELD_START;
    else if (c === QUOTE) state = state === UNQUOTED ? UNQUOTED : QUOTED;
    else state = UNQUOTED;
  }
  // The last record, or one whose quote runs to the end (which splitCsvRecord reports).
  if (recordStart < text.length) addRecord(rows, text, start, recordStart, text.length);
  return rows;
}

/** Splits the record text[from, to) (a trailing CR dropped) into `rows`, unless it is blank. */
function addRecord(rows: string[][], text: string, start: number, from: number, to: number): void {
  const end = to > from && text.charCodeAt(to - 1) === CR ? to - 1 : to;
  if (end === from) return;
  const fields = splitCsvRecord(text.slice(from, end));
  if (typeof fields === 'string') {
    let line = 1;
    for (let i = text.indexOf('\n', start); i >= 0 && i < from; i = text.indexOf('\n', i + 1)) line++;
    throw new Error(`CSV line ${line}: ${fields}`);
  }
  rows.push(fields);
}
