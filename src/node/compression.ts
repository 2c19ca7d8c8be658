import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Below this many bytes compression saves less than its headers and CPU cost. */
export const COMPRESSION_THRESHOLD = 1024;
/** JSON and text; never `text/event-stream`, whose events must leave one by one. */
const compressible =
  /^(?:application\/(?:[\w.+-]*\+)?json|text\/(?:plain|html|css|csv|markdown)|application\/javascript)\b/i;

type Encoding = 'br' | 'gzip';

/**
 * The choice for each Accept-Encoding value seen, so that it is parsed once: clients send a few
 * distinct values. Bounded: past the bound, new values are parsed every time.
 */
const chosenEncodings = new Map<string, Encoding | undefined>();
const MAX_CHOSEN_ENCODINGS = 128;

/** br when the client accepts it, else gzip; undefined when it accepts neither (q=0 refuses). */
export function chooseEncoding(acceptEncoding: string | null): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  if (chosenEncodings.has(acceptEncoding)) return chosenEncodings.get(acceptEncoding);
  const encoding = parseAcceptEncoding(acceptEncoding);
  if (chosenEncodings.size < MAX_CHOSEN_ENCODINGS) chosenEncodings.set(acceptEncoding, encoding);
  return encoding;
}

function parseAcceptEncoding(acceptEncoding: string): Encoding | undefined {
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const quality = (name: Encoding) => accepted.get(name) ?? accepted.get('*') ?? 0;
  const br = quality('br');
  const gz = quality('gzip');
  if (br > 0 && br >= gz) return 'br';
  if (gz > 0) return 'gzip';
  return undefined;
}

/**
 * @hono/node-server's own Response keeps `[status, body, headers]` under a private symbol (its
 * description is "cache") until something reads `body` or `headers`; reading either builds a web
 * Response and puts the answer on the adapter's streamed path: about 50 µs of CPU more for a small
 * JSON answer to every client that sends Accept-Encoding (browsers and mobile HTTP stacks all do;
 * measured over HTTP). Its body is looked at there instead. Any other response, or a later
 * @hono/node-server that keeps it otherwise, goes the general way (test/node/compression.test.ts
 * notices the change).
 */
let pendingKey: symbol | undefined;

function pendingBodyOf(response: Response): { body: unknown } | undefined {
  pendingKey ??= Object.getOwnPropertySymbols(response).find((symbol) => symbol.description === 'cache');
  if (pendingKey === undefined) return undefined;
  const cache: unknown = (response as unknown as Record<symbol, unknown>)[pendingKey];
  return Array.isArray(cache) ? { body: cache[1] } : undefined;
}

/** A body not yet read and under the threshold (or none): sent as it is, without touching it. */
function isSmallPendingAnswer(response: Response): boolean {
  const pending = pendingBodyOf(response);
  if (!pending) return false;
  const { body } = pending;
  if (body === null || body === undefined) return true;
  // A string's UTF-8 length is at least its length: only a short one needs counting.
  if (typeof body === 'string')
    return body.length < COMPRESSION_THRESHOLD && Buffer.byteLength(body) < COMPRESSION_THRESHOLD;
  return body instanceof Uint8Array && body.byteLength < COMPRESSION_THRESHOLD;
}

/**
 * Response compression for the Node server (on Workers the edge compresses). Bodies are
 * compressed on libuv's thread pool (node:zlib's asynchronous calls), not on the event loop.
 * Only complete, compressible answers of 1 KiB and more: a stream (chat's SSE) is passed as it is.
 * Brotli at quality 4 (close to gzip's CPU cost, smaller output), gzip at level 6.
 */
export function withCompression<Args extends unknown[]>(
  fetch: (request: Request, ...rest: Args) => Response | Promise<Response>,
): (request: Request, ...rest: Args) => Promise<Response> {
  return async (request, ...rest) => {
    const response = await fetch(request, ...rest);
    const encoding = chooseEncoding(request.headers.get('accept-encoding'));
    if (!encoding || request.method === 'HEAD') return response;
    const { status } = response;
    if (status < 200 || status === 204 || status === 206) return response;
    // Before `body` or `headers` is read: reading them costs a small answer more than the rest.
    if (isSmallPendingAnswer(response)) return response;
    if (!response.body) return response;
    const { headers } = response;
    const type = headers.get('content-type');
    if (!type || !compressible.test(type) || headers.has('content-encoding')) return response;
    if (/\bno-transform\b/i.test(headers.get('cache-control') ?? '')) return response;
    const length = headers.get('content-length');
    if (length !== null && Number(length) < COMPRESSION_THRESHOLD) return response;

    const body = new Uint8Array(await response.arrayBuffer());
    const out = new Headers(headers);
    out.append('Vary', 'Accept-Encoding');
    if (body.byteLength < COMPRESSION_THRESHOLD) {
      return new Response(body, { status: response.status, statusText: response.statusText, headers: out });
    }
    const compressed =
      encoding === 'br'
        ? await brotli(body, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 4,
              [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength,
              [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            },
          })
        : await gzipped(body, { level: 6 });
    out.set('Content-Encoding', encoding);
    out.set('Content-Length', String(compressed.byteLength));
    return new Response(compressed, {
      status: response.status,
      statusText: response.statusText,
      headers: out,
    });
  };
}
