import { Unzip, type UnzipFile, UnzipInflate } from 'fflate';
import { AppError } from '../../errors';

const MAIN_PART = 'word/document.xml';
/**
 * Compressed bytes handed to the inflater at a time. Deflate expands at most ~1032:1, so one
 * push produces at most ~16 MiB before the byte counter gets a chance to stop it (smaller pushes
 * make fflate markedly slower).
 */
const PUSH_SIZE = 16 * 1024;

/**
 * The text of a .docx, reading only `word/document.xml`. The inflated bytes are counted as they
 * come out of the inflater, so a decompression bomb stops at `maxInflatedBytes` whatever sizes the
 * zip headers claim (fflate's `unzipSync` filter trusts those headers: not safe). The declared size
 * only makes refusal cheaper: a part that says it is too big is refused before inflating, and one
 * that inflates past what it declared is refused at once (honest zips never do).
 */
export function extractDocxText(bytes: Uint8Array, maxInflatedBytes: number): string {
  return docxXmlToText(readMainPart(bytes, maxInflatedBytes));
}

function readMainPart(bytes: Uint8Array, maxInflatedBytes: number): string {
  const reader = new MainPartReader(maxInflatedBytes);
  const unzip = new Unzip((file) => reader.onFile(file));
  unzip.register(UnzipInflate);
  try {
    for (let at = 0; at < bytes.length && !reader.stopped; at += PUSH_SIZE) {
      const end = Math.min(at + PUSH_SIZE, bytes.length);
      unzip.push(bytes.subarray(at, end), end === bytes.length);
    }
  } catch (err) {
    throw damaged(err);
  }
  reader.rethrow();
  if (!reader.found) throw new AppError('unreadable_document', 'the .docx has no document.xml part');
  if (!reader.done) throw damaged('the main part ended early');
  return reader.xml();
}

function bomb(): AppError {
  return new AppError('unreadable_document', 'the document expands too much: a decompression bomb?');
}

function damaged(cause: unknown): AppError {
  return new AppError('unreadable_document', 'the .docx file is damaged', { cause });
}

/** Collects `word/document.xml` from fflate's streaming callbacks, counting what it inflates. */
class MainPartReader {
  found = false;
  done = false;
  private inflated = 0;
  private declared = Number.POSITIVE_INFINITY;
  private failure: AppError | undefined;
  private readonly parts: string[] = [];
  private readonly decoder = new TextDecoder();

  constructor(private readonly maxInflatedBytes: number) {}

  onFile(file: UnzipFile): void {
    // Only the first entry with that name; every other entry stays compressed and is never inflated.
    if (file.name !== MAIN_PART || this.found) return;
    this.found = true;
    // Absent when the zip was written in streaming mode (sizes in a data descriptor).
    if (file.originalSize !== undefined && file.originalSize > 0) {
      this.declared = file.originalSize;
      if (file.originalSize > this.maxInflatedBytes) {
        this.fail(file, bomb());
        return;
      }
    }
    file.ondata = (err, data, final) => this.onData(file, err, data, final);
    file.start();
  }

  private onData(file: UnzipFile, err: Error | null, data: Uint8Array | null, final: boolean): void {
    if (this.failure) return;
    if (err) {
      this.fail(file, damaged(err));
      return;
    }
    if (data) {
      this.inflated += data.length;
      if (this.inflated > Math.min(this.maxInflatedBytes, this.declared)) {
        this.fail(file, bomb());
        return;
      }
      this.parts.push(this.decoder.decode(data, { stream: true }));
    }
    if (final) {
      this.parts.push(this.decoder.decode());
      this.done = true;
    }
  }

  /**
   * Records the failure; the push loop stops at `stopped`. (Throwing would not help: fflate's
   * inflater catches errors thrown by `ondata` and hands them back to `ondata`.)
   */
  private fail(file: UnzipFile, error: AppError): void {
    this.failure = error;
    this.parts.length = 0;
    file.terminate();
  }

  get stopped(): boolean {
    return this.done || this.failure !== undefined;
  }

  rethrow(): void {
    if (this.failure) throw this.failure;
  }

  /** The XML, once complete. Parsing waits until then: a bomb is refused without paying for it. */
  xml(): string {
    return this.parts.join('');
  }
}

/** A tag's name: `w:t`, `mc:Fallback`; what follows it (attributes, `/`) is not needed. */
const TAG_NAME = /^\/?([A-Za-z_][\w.-]{0,63}(?::[\w.-]{1,63})?)/;

/**
 * WordprocessingML to plain text: the content of `<w:t>`, `<w:tab/>` as a tab, `<w:br/>` and
 * `<w:cr/>` as a newline, a newline after each paragraph, a tab after each table cell and a newline
 * after each row. Skipped: tab-stop definitions (`<w:tabs>`), deleted text (`<w:delText>` is not
 * `<w:t>`), and the legacy copy of drawings and text boxes in `<mc:Fallback>` (it repeats the text).
 *
 * One pass with `indexOf`: every character is looked at a bounded number of times, so hostile
 * markup (a `<` that is never closed, 16 MiB of `<!<!<!`) costs the same as a real document.
 * Attributes never contain a raw `>` in OOXML; a `<` with no `>` after it ends the document.
 */
export function docxXmlToText(xml: string): string {
  const out: string[] = [];
  const cellStarts: number[] = [];
  let inText = false;
  let skipDepth = 0;
  let at = 0;
  while (at < xml.length) {
    const open = xml.indexOf('<', at);
    const textEnd = open < 0 ? xml.length : open;
    if (textEnd > at && inText && skipDepth === 0) out.push(decodeEntities(xml.slice(at, textEnd)));
    if (open < 0) break;
    const close = xml.indexOf('>', open + 1);
    if (close < 0) break;
    at = close + 1;
    const first = xml.charCodeAt(open + 1);
    if (first === 0x3f /* ? */ || first === 0x21 /* ! */) continue; // declarations, comments
    const tag = xml.slice(open + 1, close);
    const name = TAG_NAME.exec(tag)?.[1];
    if (name === undefined) continue;
    const closing = first === 0x2f; /* / */
    const selfClosing = !closing && tag.endsWith('/');
    if (name === 'w:tabs' || name === 'mc:Fallback') {
      if (!selfClosing) skipDepth += closing ? -1 : 1;
      continue;
    }
    if (skipDepth > 0) continue;
    if (name === 'w:t') inText = !closing && !selfClosing;
    else if (name === 'w:tc' && !closing && !selfClosing) cellStarts.push(out.length);
    else if (closing) closeElement(name, out, cellStarts);
    else if (selfClosing) emptyElement(name, out);
  }
  return out.join('');
}

function emptyElement(name: string, out: string[]): void {
  if (name === 'w:tab') out.push('\t');
  else if (name === 'w:br' || name === 'w:cr' || name === 'w:p') out.push('\n');
  else if (name === 'w:noBreakHyphen') out.push('-');
}

function closeElement(name: string, out: string[], cellStarts: number[]): void {
  if (name === 'w:p') out.push('\n');
  else if (name === 'w:tc') {
    // A cell's last paragraph ended with a newline: it becomes the cell separator instead.
    const start = cellStarts.pop() ?? 0;
    const last = out.length - 1;
    if (last >= start && out[last] === '\n') out[last] = '\t';
    else out.push('\t');
  } else if (name === 'w:tr') {
    if (out[out.length - 1] === '\t') out[out.length - 1] = '\n';
    else out.push('\n');
  }
}

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML's five named entities and numeric ones (`&#233;`, `&#xE9;`); anything else is left as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{1,31});/g, (whole, ref: string) => {
    if (ref[0] !== '#') return NAMED_ENTITIES[ref] ?? whole;
    const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
    return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}
