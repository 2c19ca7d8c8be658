import { AwsClient } from 'aws4fetch';
import { DependencyUnavailableError } from '../../errors';
import { describeError, type Logger } from '../../logger';
import {
  contentDisposition,
  MAX_DOWNLOAD_URL_SECONDS,
  type ObjectStorage,
  type StoredObject,
} from './storage';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** With temporary credentials (AWS_SESSION_TOKEN): sent as X-Amz-Security-Token, presigned URLs included. */
  sessionToken?: string;
  /** An S3-compatible endpoint (R2, MinIO, Ceph): path-style URLs `${endpoint}/${bucket}/${key}`. */
  endpoint?: string;
  fetch?: typeof fetch;
  logger?: Logger;
  /** Per-request timeout; default 15 s. */
  timeoutMs?: number;
}

export interface S3Storage extends ObjectStorage {
  readonly kind: 's3';
  /** Creates the bucket with a signed `PUT /<bucket>` unless it exists already. */
  ensureBucket(): Promise<void>;
}

/** S3 error codes that mean the credentials are wrong: a configuration error, reported as "storage unavailable". */
const CREDENTIAL_ERRORS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch']);
const PROBE_LOG_INTERVAL_MS = 60_000;
const METADATA_KEY = /^[a-z0-9][a-z0-9-]*$/i;

/** Each `/`-separated segment percent-encoded: a raw `+` would be signed as a space. */
export function encodeKey(key: string): string {
  if (!key || key.startsWith('/')) throw new Error(`Invalid object key: ${JSON.stringify(key)}`);
  return key.split('/').map(encodeURIComponent).join('/');
}

function xmlCode(body: string): string | undefined {
  return /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1];
}

/** S3 answers at most 1000 keys a request. */
const MAX_LIST_KEYS = 1000;
const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});/g, (_, name: string) => {
    if (!name.startsWith('#')) return XML_ENTITIES[name] ?? '';
    return String.fromCodePoint(name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)));
  });
}

/**
 * The first `<tag>...</tag>` within xml[from, to): its text, where the text starts and where the
 * element ends. Found with indexOf: linear, and S3's listings need no more than that.
 */
function element(xml: string, tag: string, from = 0, to = xml.length) {
  const open = `<${tag}>`;
  const start = xml.indexOf(open, from);
  if (start === -1 || start >= to) return undefined;
  const inner = start + open.length;
  const close = xml.indexOf(`</${tag}>`, inner);
  if (close === -1 || close > to) return undefined;
  return { text: xml.slice(inner, close), inner, end: close + tag.length + 3 };
}

/** One page of a ListObjectsV2 answer; throws (a plain Error) on anything else. */
function parseListPage(xml: string): { objects: StoredObject[]; nextToken?: string } {
  if (!xml.includes('<ListBucketResult')) throw new Error('the answer is not a ListBucketResult');
  const objects: StoredObject[] = [];
  for (let from = 0; ; ) {
    const contents = element(xml, 'Contents', from);
    if (!contents) break;
    const key = element(xml, 'Key', contents.inner, contents.end)?.text;
    const modified = element(xml, 'LastModified', contents.inner, contents.end)?.text;
    const lastModified = new Date(modified ?? '');
    if (key === undefined || Number.isNaN(lastModified.getTime()))
      throw new Error('an entry without Key or LastModified');
    // encoding-type=url: the key is URL-encoded (AWS writes a space as `+`; a `+` is always %2B).
    objects.push({ key: decodeURIComponent(unescapeXml(key).replaceAll('+', ' ')), lastModified });
    from = contents.end;
  }
  if (element(xml, 'IsTruncated')?.text !== 'true') return { objects };
  const token = element(xml, 'NextContinuationToken')?.text;
  if (!token) throw new Error('a truncated listing without NextContinuationToken');
  return { objects, nextToken: unescapeXml(token) };
}

export function createS3Storage(options: S3StorageOptions): S3Storage {
  const { bucket, region, logger } = options;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 15_000;
  const client = new AwsClient({
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    sessionToken: options.sessionToken,
    region,
    service: 's3',
    retries: 0,
  });
  const endpoint = options.endpoint?.replace(/(?<!\/)\/+$/, '');
  const bucketUrl = endpoint
    ? `${endpoint}/${encodeURIComponent(bucket)}`
    : `https://${bucket}.s3.${region}.amazonaws.com`;
  const objectUrl = (key: string) => `${bucketUrl}/${encodeKey(key)}`;
  let lastProbeLog = 0;

  /** Sends a signed request; maps network failures, 5xx and bad credentials to DependencyUnavailableError. */
  async function send(
    operation: string,
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: Uint8Array },
    accept: (status: number, code: string | undefined) => boolean = () => false,
  ): Promise<Response> {
    let response: Response;
    try {
      const request = await client.sign(url, init as RequestInit);
      response = await doFetch(request, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const reason =
        err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
          ? `no answer within ${timeoutMs} ms`
          : ((err as Error)?.message ?? String(err));
      logger?.warn('storage request failed', { operation, bucket, ...describeError(err) });
      throw new DependencyUnavailableError('storage', `S3 ${operation} failed: ${reason}`, { cause: err });
    }
    if (response.ok) return response;
    const requestId = response.headers.get('x-amz-request-id') ?? undefined;
    const body = init.method === 'HEAD' ? '' : await response.text().catch(() => '');
    const code = xmlCode(body);
    if (accept(response.status, code)) return response;
    const fields = { operation, bucket, status: response.status, s3_code: code, s3_request_id: requestId };
    if (response.status >= 500 || response.status === 429) {
      logger?.error('storage server error', fields);
      throw new DependencyUnavailableError(
        'storage',
        `S3 ${operation} failed: HTTP ${response.status}${code ? ` ${code}` : ''}`,
      );
    }
    if (response.status === 403 && code && CREDENTIAL_ERRORS.has(code)) {
      logger?.error('storage configuration error: S3 rejected the credentials', fields);
      throw new DependencyUnavailableError(
        'storage',
        `S3 rejected the credentials (${code}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY`,
      );
    }
    logger?.warn('storage request refused', fields);
    throw new Error(`S3 ${operation} failed: HTTP ${response.status} ${code ?? 'unknown error'}`);
  }

  /** One ListObjectsV2 request; whatever goes wrong, storage is unavailable for the caller. */
  async function listPage(prefix: string, maxKeys: number, token: string | undefined) {
    const query = [
      'list-type=2',
      `prefix=${encodeURIComponent(prefix)}`,
      'encoding-type=url',
      `max-keys=${maxKeys}`,
      ...(token ? [`continuation-token=${encodeURIComponent(token)}`] : []),
    ].join('&');
    const response = await send('ListObjectsV2', `${bucketUrl}/?${query}`, { method: 'GET' });
    try {
      return parseListPage(await response.text());
    } catch (err) {
      logger?.warn('storage listing unreadable', {
        operation: 'ListObjectsV2',
        bucket,
        ...describeError(err),
      });
      throw new DependencyUnavailableError('storage', `S3 ListObjectsV2 failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }

  return {
    kind: 's3',
    bucket,

    async put(key, body, { contentType, metadata = {} }) {
      const headers: Record<string, string> = { 'content-type': contentType };
      for (const [name, value] of Object.entries(metadata)) {
        if (!METADATA_KEY.test(name)) throw new Error(`Invalid metadata name: ${JSON.stringify(name)}`);
        // Header values must be ASCII: percent-encode (decodeURIComponent reads them back).
        headers[`x-amz-meta-${name.toLowerCase()}`] = encodeURIComponent(value);
      }
      await send('PutObject', objectUrl(key), { method: 'PUT', headers, body });
    },

    async delete(key) {
      await send('DeleteObject', objectUrl(key), { method: 'DELETE' }, (status, code) => {
        return status === 404 && code !== 'NoSuchBucket';
      });
    },

    async get(key) {
      const response = await send('GetObject', objectUrl(key), { method: 'GET' }, (status, code) => {
        return status === 404 && code !== 'NoSuchBucket';
      });
      if (response.status === 404) return undefined;
      try {
        return new Uint8Array(await response.arrayBuffer());
      } catch (err) {
        throw new DependencyUnavailableError('storage', 'S3 GetObject failed while reading the body', {
          cause: err,
        });
      }
    },

    async downloadUrl(key, { filename, contentType, expiresInSec = MAX_DOWNLOAD_URL_SECONDS }) {
      const seconds = Math.max(1, Math.min(MAX_DOWNLOAD_URL_SECONDS, Math.floor(expiresInSec)));
      const url = new URL(objectUrl(key));
      // X-Amz-Expires before signing: aws4fetch's default is 24 h.
      url.searchParams.set('X-Amz-Expires', String(seconds));
      url.searchParams.set('response-content-disposition', contentDisposition(filename));
      url.searchParams.set('response-content-type', contentType);
      const signed = await client.sign(url.toString(), { method: 'GET', aws: { signQuery: true } });
      return signed.url;
    },

    async *list(prefix, { maxKeys = MAX_LIST_KEYS } = {}) {
      if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > MAX_LIST_KEYS) {
        throw new Error(`maxKeys must be a whole number from 1 to ${MAX_LIST_KEYS}`);
      }
      let token: string | undefined;
      do {
        const page = await listPage(prefix, maxKeys, token);
        yield* page.objects;
        token = page.nextToken;
      } while (token);
    },

    async probe() {
      try {
        await send('HeadBucket', `${bucketUrl}/`, { method: 'HEAD' });
        return 'ok';
      } catch (err) {
        const now = Date.now();
        if (now - lastProbeLog >= PROBE_LOG_INTERVAL_MS) {
          lastProbeLog = now;
          logger?.warn('storage probe failed', { bucket, ...describeError(err) });
        }
        return 'down';
      }
    },

    async ensureBucket() {
      const head = await send('HeadBucket', `${bucketUrl}/`, { method: 'HEAD' }, (status) => status === 404);
      if (head.status !== 404) return;
      // Outside us-east-1, AWS wants the region in the body; S3-compatible servers use their own names.
      const body =
        !endpoint && region !== 'us-east-1'
          ? new TextEncoder().encode(
              `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${region}</LocationConstraint></CreateBucketConfiguration>`,
            )
          : undefined;
      await send(
        'CreateBucket',
        `${bucketUrl}/`,
        { method: 'PUT', ...(body ? { body, headers: { 'content-type': 'application/xml' } } : {}) },
        (status, code) => status === 409 && code === 'BucketAlreadyOwnedByYou',
      );
      logger?.info('storage bucket created', { bucket });
    },
  };
}
