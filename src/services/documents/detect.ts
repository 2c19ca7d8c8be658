import { AppError } from '../../errors';

/**
 * What kind of resume a file is. The extension says what the client claims; the bytes must agree,
 * because a renamed file would otherwise reach a parser that was never meant for it.
 */
export type DocumentKind = 'pdf' | 'docx' | 'txt';

const KIND_BY_EXTENSION: Record<string, DocumentKind> = { pdf: 'pdf', docx: 'docx', txt: 'txt' };

/** PDF readers accept the `%PDF-` header anywhere in the first 1024 bytes (ISO 32000 implementation note). */
const PDF_MAGIC = [0x25, 0x50, 0x44, 0x46, 0x2d];
const PDF_HEADER_WINDOW = 1024;
const ZIP_LOCAL_HEADER = 0x04034b50;
const ZIP_EOCD = 0x06054b50;
const ZIP64_EOCD_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP_CENTRAL_ENTRY = 0x02014b50;
const DOCX_MAIN_PART = 'word/document.xml';
/** More control characters than this share of a text means "binary" (a few stray ones happen in real files). */
const MAX_CONTROL_RATIO = 0.02;

/**
 * Says which kind the file is, or throws:
 * - 415 `unsupported_file_type` when the extension is not .pdf/.docx/.txt or the bytes do not match it;
 * - 422 `unreadable_document` when the file is empty (checked after the extension, so an empty
 *   `.exe` is still "unsupported"). The route may map emptiness to a 400 before calling this.
 */
export function detectDocumentKind(filename: string, bytes: Uint8Array): DocumentKind {
  const extension = extensionOf(filename);
  const kind = extension === undefined ? undefined : KIND_BY_EXTENSION[extension];
  if (!kind) {
    const named = extension === undefined ? 'has no extension' : `is named .${extension}`;
    throw unsupported(`the file ${named}; expected a .pdf, .docx or .txt file`);
  }
  if (bytes.length === 0) throw new AppError('unreadable_document', 'the file is empty');
  if (!contentMatches(kind, bytes)) {
    throw unsupported(`the file is named .${extension} but its content is ${describeContent(bytes)}`);
  }
  return kind;
}

/** The last extension, lower-cased, of the base name (clients sometimes send `C:\fakepath\x.pdf`). */
export function extensionOf(filename: string): string | undefined {
  const base = filename.trim().split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  return base.slice(dot + 1).toLowerCase();
}

function unsupported(message: string): AppError {
  return new AppError('unsupported_file_type', message);
}

function contentMatches(kind: DocumentKind, bytes: Uint8Array): boolean {
  switch (kind) {
    case 'pdf':
      return isPdf(bytes);
    case 'docx':
      return isDocx(bytes);
    case 'txt':
      // A PDF with only uncompressed streams is valid UTF-8: it must not become "text".
      return !startsWith(bytes, PDF_MAGIC) && looksLikeText(bytes);
  }
}

/** A human description of what the bytes are, for the 415 message. */
function describeContent(bytes: Uint8Array): string {
  if (isPdf(bytes)) return 'a PDF';
  if (isDocx(bytes)) return 'a Word (.docx) document';
  if (isZip(bytes)) return 'a ZIP archive, not a Word (.docx) document';
  if (startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0])) return 'a legacy Office file (.doc), not a .docx';
  if (startsWith(bytes, [0x4d, 0x5a])) return 'a Windows program';
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return 'a program (ELF)';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return 'a PNG image';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'a JPEG image';
  if (looksLikeText(bytes)) return 'plain text';
  return 'binary data of an unknown kind';
}

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}

export function isPdf(bytes: Uint8Array): boolean {
  const last = Math.min(PDF_HEADER_WINDOW, bytes.length - PDF_MAGIC.length);
  for (let i = 0; i <= last; i++) {
    if (bytes[i] === PDF_MAGIC[0] && startsWith(bytes, PDF_MAGIC, i)) return true;
  }
  return false;
}

function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && view(bytes).getUint32(0, true) === ZIP_LOCAL_HEADER;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A zip whose central directory names `word/document.xml`. Reads only the directory: nothing is inflated. */
export function isDocx(bytes: Uint8Array): boolean {
  if (!isZip(bytes)) return false;
  const directory = centralDirectory(bytes);
  if (!directory) return false;
  return centralEntryNames(bytes, directory).includes(DOCX_MAIN_PART);
}

interface CentralDirectory {
  offset: number;
  entries: number;
}

/** Finds the end-of-central-directory record (it may be followed by a comment of up to 64 KiB). */
function centralDirectory(bytes: Uint8Array): CentralDirectory | undefined {
  const dv = view(bytes);
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let at = bytes.length - 22; at >= lowest; at--) {
    if (dv.getUint32(at, true) !== ZIP_EOCD) continue;
    let entries = dv.getUint16(at + 10, true);
    let size = dv.getUint32(at + 12, true);
    let offset = dv.getUint32(at + 16, true);
    if (offset === 0xffffffff || entries === 0xffff) {
      const zip64 = zip64Directory(dv, at);
      if (!zip64) return undefined;
      ({ entries, size, offset } = zip64);
    }
    // Data prepended to the archive (self-extractors) shifts every offset: trust the record's position.
    if (offset + 4 > bytes.length || dv.getUint32(offset, true) !== ZIP_CENTRAL_ENTRY) offset = at - size;
    return offset >= 0 ? { offset, entries } : undefined;
  }
  return undefined;
}

function zip64Directory(
  dv: DataView,
  eocd: number,
): { entries: number; size: number; offset: number } | undefined {
  const locator = eocd - 20;
  if (locator < 0 || dv.getUint32(locator, true) !== ZIP64_EOCD_LOCATOR) return undefined;
  const record = Number(dv.getBigUint64(locator + 8, true));
  if (record + 56 > dv.byteLength || dv.getUint32(record, true) !== ZIP64_EOCD) return undefined;
  return {
    entries: Number(dv.getBigUint64(record + 32, true)),
    size: Number(dv.getBigUint64(record + 40, true)),
    offset: Number(dv.getBigUint64(record + 48, true)),
  };
}

/** The entries' names, stopping at the first malformed entry (a damaged directory yields what it can). */
function centralEntryNames(bytes: Uint8Array, directory: CentralDirectory): string[] {
  const dv = view(bytes);
  const decoder = new TextDecoder();
  const names: string[] = [];
  let at = directory.offset;
  for (let i = 0; i < directory.entries && at + 46 <= bytes.length; i++) {
    if (dv.getUint32(at, true) !== ZIP_CENTRAL_ENTRY) break;
    const nameLength = dv.getUint16(at + 28, true);
    const extraLength = dv.getUint16(at + 30, true);
    const commentLength = dv.getUint16(at + 32, true);
    if (at + 46 + nameLength > bytes.length) break;
    names.push(decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

/** Bytes of a text file looked at to tell its type; extraction decodes (and checks) it all. */
const TEXT_SAMPLE_BYTES = 256 * 1024;

/** Whether the file starts as text would: the rules of `decodeText`, applied to its first 256 KiB. */
export function looksLikeText(bytes: Uint8Array): boolean {
  if (bytes.byteLength <= TEXT_SAMPLE_BYTES) return decodeText(bytes) !== undefined;
  // A multi-byte character cut at the sample's end is not an error: decode as a stream would.
  const text = decodeByBom(bytes.subarray(0, TEXT_SAMPLE_BYTES), true);
  return text !== undefined && !text.includes('\0') && controlRatio(text) <= MAX_CONTROL_RATIO;
}

/**
 * The text of a plain-text file, or undefined when it is not text: UTF-16 LE/BE need a BOM,
 * anything else must be valid UTF-8 (a UTF-8 BOM is dropped). Text with NUL bytes or many
 * control characters is binary data that happens to decode.
 */
export function decodeText(bytes: Uint8Array): string | undefined {
  const text = decodeByBom(bytes);
  if (text === undefined || text.includes('\0')) return undefined;
  return controlRatio(text) > MAX_CONTROL_RATIO ? undefined : text;
}

function decodeByBom(bytes: Uint8Array, partial = false): string | undefined {
  let encoding = 'utf-8';
  let start = 0;
  if (startsWith(bytes, [0xef, 0xbb, 0xbf])) start = 3;
  else if (startsWith(bytes, [0xff, 0xfe])) [encoding, start] = ['utf-16le', 2];
  else if (startsWith(bytes, [0xfe, 0xff])) [encoding, start] = ['utf-16be', 2];
  try {
    // ignoreBOM: the BOM is already skipped; a second one would be content.
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start), {
      stream: partial,
    });
  } catch {
    return undefined;
  }
}

/** Share of C0/C1 control characters other than tab, newline, carriage return and form feed. */
function controlRatio(text: string): number {
  if (text.length === 0) return 0;
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) || (c >= 0x7f && c <= 0x9f)) {
      controls++;
    }
  }
  return controls / text.length;
}
