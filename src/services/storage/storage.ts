/** One object of a listing. */
export interface StoredObject {
  key: string;
  lastModified: Date;
}

export interface ListOptions {
  /** Keys fetched per request (S3 `max-keys`, at most 1000); default 1000. */
  maxKeys?: number;
}

/**
 * Object storage for uploaded files (resumes). Two implementations: S3 (any S3-compatible server,
 * via aws4fetch; runs on Node and Workers) and the local disk (Node only, src/node/local-storage.ts).
 * This module uses web standards only.
 */
export interface ObjectStorage {
  readonly kind: 's3' | 'local';
  /** The S3 bucket name, or 'local'. */
  readonly bucket: string;
  put(
    key: string,
    body: Uint8Array,
    options: { contentType: string; metadata?: Record<string, string> },
  ): Promise<void>;
  /** Idempotent: deleting a missing object succeeds. */
  delete(key: string): Promise<void>;
  /**
   * S3: a presigned GET URL valid `expiresInSec` (default and max 900) whose response carries
   * `Content-Disposition: attachment` with the original filename safely encoded (see
   * `contentDisposition`) and the content type. Local: undefined (the route serves the bytes itself).
   */
  downloadUrl(
    key: string,
    options: { filename: string; contentType: string; expiresInSec?: number },
  ): Promise<string | undefined>;
  /** Reads an object (local storage serves downloads with it; tests use it for S3 too). undefined when missing. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Every object whose key starts with `prefix`, in key order, fetched a page at a time (memory
   * stays bounded however many there are). The storage sweep uses it to find orphans.
   */
  list(prefix: string, options?: ListOptions): AsyncIterable<StoredObject>;
  /** For /api/health: 'ok' | 'down' (S3) or 'local'. */
  probe(): Promise<'ok' | 'down' | 'local'>;
}

/** Longest presigned download URL lifetime (API.md: at most 15 minutes). */
export const MAX_DOWNLOAD_URL_SECONDS = 900;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The `Content-Disposition` value for downloading `filename` as an attachment (RFC 6266 + RFC 5987):
 * an ASCII fallback `filename="..."` in which quotes, backslashes, slashes, control characters and
 * non-ASCII characters are replaced by `_`, plus `filename*=UTF-8''<percent-encoded name>` for clients
 * that understand it. Control characters (CR/LF included) never reach the header; path separators
 * are replaced so a name like `../x` cannot name a path.
 */
export function contentDisposition(filename: string): string {
  const wellFormed = filename.replace(LONE_SURROGATE, '\uFFFD').normalize('NFC');
  const cleaned =
    Array.from(wellFormed.replace(CONTROL_CHARS, '_').replace(/[/\\]/g, '_').trim()).slice(0, 200).join('') ||
    'download';
  const fallback = cleaned.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(cleaned).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
