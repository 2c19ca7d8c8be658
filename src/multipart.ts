/**
 * Reads one file part out of a multipart/form-data body (RFC 7578) with a single copy of the
 * bytes: the body is gathered into one buffer (sized from Content-Length when the client sent
 * it) and the file is a view into it. `Request.formData()` holds the body two or three times
 * over (its chunks, the joined body, the File, then our copy), which for 10 MiB uploads is most
 * of the server's memory peak.
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

/** Gathers a stream into one buffer; `sizeHint` (Content-Length) avoids the join when it is right. */
export async function readAll(body: ReadableStream<Uint8Array>, sizeHint?: number): Promise<Uint8Array> {
  const reader = body.getReader();
  let buffer = sizeHint !== undefined && sizeHint > 0 ? new Uint8Array(sizeHint) : undefined;
  let length = 0;
  const overflow: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (buffer && overflow.length === 0 && length + value.byteLength <= buffer.byteLength) {
      buffer.set(value, length);
    } else {
      // More than Content-Length said, or no hint: keep the chunks and join them at the end.
      if (buffer && overflow.length === 0) overflow.push(buffer.subarray(0, length));
      overflow.push(value);
    }
    length += value.byteLength;
  }
  if (overflow.length === 0) return buffer ? buffer.subarray(0, length) : new Uint8Array();
  buffer = new Uint8Array(length);
  let at = 0;
  for (const chunk of overflow) {
    buffer.set(chunk, at);
    at += chunk.byteLength;
  }
  return buffer;
}

function indexOfBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = haystack.byteLength - needle.byteLength;
  let i = haystack.indexOf(first as number, from);
  while (i !== -1 && i <= last) {
    let j = 1;
    while (j < needle.byteLength && haystack[i + j] === needle[j]) j++;
    if (j === needle.byteLength) return i;
    i = haystack.indexOf(first as number, i + 1);
  }
  return -1;
}

/** A Content-Disposition parameter: `name="x"`, `name=x`, or RFC 5987 `name*=UTF-8''x`. */
function dispositionParam(header: string, param: string): string | undefined {
  const extended = new RegExp(`;\\s*${param}\\*\\s*=\\s*UTF-8''([^;\\s]*)`, 'i').exec(header);
  if (extended?.[1] !== undefined) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      // A malformed escape: fall back to the plain parameter.
    }
  }
  const quoted = new RegExp(`;\\s*${param}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header);
  if (quoted?.[1] !== undefined) {
    // Browsers escape `"`, CR and LF in names as %22, %0D and %0A (HTML's form encoding); some
    // clients write \" instead. Other backslashes stay: old browsers sent Windows paths.
    return quoted[1]
      .replace(/\\"/g, '"')
      .replace(/%(22|0D|0A)/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  }
  const token = new RegExp(`;\\s*${param}\\s*=\\s*([^;\\s"]+)`, 'i').exec(header);
  return token?.[1];
}

const encoder = new TextEncoder();
const headerDecoder = new TextDecoder();

/**
 * The file in the part named `field`, or undefined when no such file part exists. Throws
 * MultipartError when the body is not well-formed multipart.
 */
export function findFilePart(body: Uint8Array, boundary: string, field: string): MultipartFile | undefined {
  const delimiter = encoder.encode(`--${boundary}`);
  // The first delimiter may follow a preamble; later ones always follow a CRLF.
  let at = indexOfBytes(body, delimiter, 0);
  if (at === -1) throw new MultipartError('no boundary delimiter in the body');
  const nextDelimiter = encoder.encode(`\r\n--${boundary}`);
  for (;;) {
    let cursor = at + delimiter.byteLength;
    // "--" after a delimiter closes the body.
    if (body[cursor] === 0x2d && body[cursor + 1] === 0x2d) return undefined;
    const headersEnd = indexOfBytes(body, encoder.encode('\r\n\r\n'), cursor);
    if (headersEnd === -1) throw new MultipartError('a part has no end to its headers');
    const headers = headerDecoder.decode(body.subarray(cursor, headersEnd)).split('\r\n');
    cursor = headersEnd + 4;
    const end = indexOfBytes(body, nextDelimiter, cursor);
    if (end === -1) throw new MultipartError('a part is not closed by a boundary');
    const disposition = headers.find((h) => /^content-disposition\s*:/i.test(h));
    if (disposition && /^content-disposition\s*:\s*form-data\s*(;|$)/i.test(disposition)) {
      const name = dispositionParam(disposition, 'name');
      const filename = dispositionParam(disposition, 'filename');
      if (name === field && filename !== undefined) {
        return { filename, bytes: body.subarray(cursor, end) };
      }
    }
    at = end + 2;
  }
}
