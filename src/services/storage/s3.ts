import { AwsClient } from 'aws4fetch';
import { DependencyUnavailableError } from '../../errors';
import { describeError, type Logger } from '../../logger';
import { contentDisposition, MAX_DOWNLOAD_URL_SECONDS, type ObjectStorage } from './storage';

export interface S3StorageOptions {
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
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

export function createS3Storage(options: S3StorageOptions): S3Storage {
  const { bucket, region, logger } = options;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 15_000;
  const client = new AwsClient({
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
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
