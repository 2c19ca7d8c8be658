/**
 * Reads one file part out of a multipart/form-data body (RFC 7578) with a single copy of the
 * bytes: the body is gathered into one buffer (sized from Content-Length when the client sent
 * it) and the file is a view into it. `Request.formData()` holds the body two or three times
 * over (its chunks, the joined body, the File, then our copy), which for 10 MiB uploads is most
 * of the server's memory peak.
 *
 * The delimiters are found while the body streams in, chunk by chunk, by an automaton that looks
 * at each byte once: the scan costs the same whatever the content (a body of dashes against a
 * boundary of dashes included), and it is spread over the chunks as they arrive instead of one
 * pass over 10 MiB when the last one has come.
 */

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

export interface MultipartFile {
  /** The part's file name as the client sent it (not yet cleaned). */
  filename: string;
  bytes: Uint8Array;
}

/** The boundary parameter of a multipart/form-data Content-Type, or undefined. */
export function multipartBoundary(contentType: string): string | undefined {
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Parts a body may have: a form with a file has one or a few. */
const maxDelimiters = 1_000;

/**
 * Finds every multipart delimiter (`--boundary` at the start of the body or after a CRLF) in a
 * body fed chunk by chunk. A deterministic automaton (Knuth-Morris-Pratt's, with its transitions
 * tabulated) looks at each byte once; while no prefix of the delimiter is pending it jumps to the
 * next CR with `indexOf` (memchr), so ordinary file bytes cost almost nothing.
 */
export class DelimiterScanner {
  /** Offsets of `--boundary` in the body, ascending. */
  readonly delimiters: number[] = [];
  private readonly needle: Uint8Array;
  /** transitions[state * 256 + byte]: the length of the needle prefix matched after `byte`. */
  private readonly transitions: Uint16Array;
  private state: number;

  constructor(boundary: string) {
    this.needle = encoder.encode(`\r\n--${boundary}`);
    this.transitions = automaton(this.needle);
    // A body may start with the delimiter: scan as if a CRLF came before it.
    this.state = 2;
  }

  feed(chunk: Uint8Array, offset: number): void {
    const { needle, transitions } = this;
    const m = needle.byteLength;
    const first = needle[0]!;
    let state = this.state;
    for (let i = 0; i < chunk.byteLength; i++) {
      if (state === 0) {
        i = chunk.indexOf(first, i);
        if (i === -1) break;
      }
      state = transitions[state * 256 + chunk[i]!]!;
      if (state === m) {
        if (this.delimiters.length >= maxDelimiters) throw new MultipartError('the body has too many parts');
        // The delimiter starts after the CRLF.
        this.delimiters.push(offset + i - m + 3);
      }
    }
    this.state = state;
  }
}

function automaton(needle: Uint8Array): Uint16Array {
  const m = needle.byteLength;
  // fallback[i]: the longest proper prefix of needle[0..i] that is also its suffix.
  const fallback = new Uint16Array(m);
  for (let i = 1, k = 0; i < m; i++) {
    while (k > 0 && needle[i] !== needle[k]) k = fallback[k - 1]!;
    if (needle[i] === needle[k]) k++;
    fallback[i] = k;
  }
  const transitions = new Uint16Array((m + 1) * 256);
  for (let state = 0; state <= m; state++) {
    const back = state === 0 ? 0 : fallback[state - 1]!;
    for (let byte = 0; byte < 256; byte++) {
      transitions[state * 256 + byte] =
        state < m && needle[state] === byte ? state + 1 : state === 0 ? 0 : transitions[back * 256 + byte]!;
    }
  }
  return transitions;
}

/**
 * A Content-Disposition parameter: `name="x"`, `name=x`, or RFC 5987 `name*=UTF-8''x`. One literal
 * pattern per parameter and form (no patterns built at run time, so each can be checked for linear
 * matching: see test/regex-safety.test.ts).
 */
const DISPOSITION_PARAMS = {
  name: {
    extended: /;\s*name\*\s*=\s*UTF-8''([^;\s]*)/i,
    quoted: /;\s*name\s*=\s*"((?:[^"\\]|\\.)*)"/i,
    token: /;\s*name\s*=\s*([^;\s"]+)/i,
  },
  filename: {
    extended: /;\s*filename\*\s*=\s*UTF-8''([^;\s]*)/i,
    quoted: /;\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i,
    token: /;\s*filename\s*=\s*([^;\s"]+)/i,
  },
} as const;

function dispositionParam(header: string, param: keyof typeof DISPOSITION_PARAMS): string | undefined {
  const patterns = DISPOSITION_PARAMS[param];
  const extended = patterns.extended.exec(header);
  if (extended?.[1] !== undefined) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      // A malformed escape: fall back to the plain parameter.
    }
  }
  const quoted = patterns.quoted.exec(header);
  if (quoted?.[1] !== undefined) {
    // Browsers escape `"`, CR and LF in names as %22, %0D and %0A (HTML's form encoding); some
    // clients write \" instead. Other backslashes stay: old browsers sent Windows paths.
    return quoted[1]
      .replace(/\\"/g, '"')
      .replace(/%(22|0D|0A)/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
  return patterns.token.exec(header)?.[1];
}

/** A part's headers longer than this are not a form field's (browsers send well under 1 KiB). */
const maxPartHeaderBytes = 16 * 1024;

/** The CRLF CRLF that ends a part's headers, looked for at most `maxPartHeaderBytes` after `from`. */
function headersEndIn(body: Uint8Array, from: number, end: number): number {
  const limit = Math.min(end, from + maxPartHeaderBytes + 4);
  for (let i = body.indexOf(0x0d, from); i !== -1 && i + 3 < limit; i = body.indexOf(0x0d, i + 1)) {
    if (body[i + 1] === 0x0a && body[i + 2] === 0x0d && body[i + 3] === 0x0a) return i;
  }
  return -1;
}

const encoder = new TextEncoder();
const headerDecoder = new TextDecoder();

/**
 * The file in the part named `field`, or undefined when no such file part exists. Throws
 * MultipartError when the body is not well-formed multipart. `delimiters` are the offsets a
 * DelimiterScanner found while the body streamed in; without them the body is scanned here.
 */
export function findFilePart(
  body: Uint8Array,
  boundary: string,
  field: string,
  delimiters?: readonly number[],
): MultipartFile | undefined {
  if (!delimiters) {
    const scanner = new DelimiterScanner(boundary);
    scanner.feed(body, 0);
    delimiters = scanner.delimiters;
  }
  if (delimiters.length === 0) throw new MultipartError('no boundary delimiter in the body');
  const delimiterLength = 2 + encoder.encode(boundary).byteLength;
  for (let d = 0; d < delimiters.length; d++) {
    let cursor = delimiters[d]! + delimiterLength;
    // "--" after a delimiter closes the body.
    if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) return undefined;
    const next = delimiters[d + 1];
    if (next === undefined) throw new MultipartError('a part is not closed by a boundary');
    // The part ends at the CRLF before the next delimiter.
    const end = next - 2;
    const headersEnd = headersEndIn(body, cursor, end);
    if (headersEnd === -1) {
      throw new MultipartError('a part has no end to its headers (or they are over 16 KiB)');
    }
    const headers = headerDecoder.decode(body.subarray(cursor, headersEnd)).split('\r\n');
    cursor = headersEnd + 4;
    const disposition = headers.find((h) => /^content-disposition\s*:/i.test(h));
    if (disposition && /^content-disposition\s*:\s*form-data\s*(;|$)/i.test(disposition)) {
      const name = dispositionParam(disposition, 'name');
      const filename = dispositionParam(disposition, 'filename');
      if (name === field && filename !== undefined) {
        return { filename, bytes: body.subarray(cursor, Math.max(cursor, end)) };
      }
    }
  }
  return undefined;
}
