import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { addResponseHeader } from './response-headers';

/**
 * Every API answer is about one caller or changes at any time: shared caches must not keep it,
 * and a client's own cache must ask again (`no-cache`), which the ETags below make cheap. The
 * default: a handler that sets its own Cache-Control (`no-store` on a download) keeps it. A
 * function, not a middleware: the app calls it from the one middleware of every `/api` route.
 */
export function privateNoCache(c: Context<AppEnv>): void {
  addResponseHeader(c, 'Cache-Control', 'private, no-cache');
}

/** Headers a 304 keeps (RFC 9110: those a 200 would have sent that concern caching). */
const kept304Headers = ['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary'];

/** Whether `If-None-Match` names `etag` (weak comparison: W/ is ignored on both sides). */
function matches(etag: string, ifNoneMatch: string | undefined): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const tag = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === tag);
}

/** A weak tag from a hex digest: 128 bits tell two answers apart well enough. */
const weakTag = (hex: string) => `W/"${hex.slice(0, 32)}"`;

/** Where the runtime has no synchronous hash: WebCrypto's SHA-1 (enough for a cache validator). */
async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-1', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The 304 for a response whose tag the client named: no body, the caching headers only. */
function notModified(headers: Headers, etag: string): Response {
  const kept = new Headers();
  for (const name of kept304Headers) {
    const value = headers.get(name);
    if (value !== null) kept.set(name, value);
  }
  kept.set('ETag', etag);
  return new Response(null, { status: 304, headers: kept });
}

/** Replaces the context's response with another one, as it is. */
function replaceResponse(c: Context, res: Response) {
  // Unset first: assigning over a response copies all of its headers onto the new one.
  c.res = undefined;
  c.res = res;
}

/** What `c.json` takes after the object: a status or a ResponseInit, then headers. */
type JsonArg = number | ResponseInit | Response;
type JsonHeaders = Record<string, string | string[]>;
/** A JSON answer's text, and its tag once computed. */
type Serialised = { text: string; etag?: string };

/** Answers marked by `lastingAnswer`. */
const lastingAnswers = new WeakSet<object>();

/** Freezes a JSON value and everything in it. */
function deepFreeze(value: unknown) {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
}

/**
 * Marks a JSON answer that is sent as it is again and again while it lives (a page of a list
 * served from the job store's page cache): the read validators keep its text and tag with it, so
 * it is serialised and hashed once, not on every request. It is frozen, with everything in it,
 * since a change would not show in the kept text.
 */
export function lastingAnswer<T extends object>(answer: T): T {
  deepFreeze(answer);
  lastingAnswers.add(answer);
  return answer;
}

/**
 * Weak ETags on the GET reads, and 304 Not Modified when `If-None-Match` names the current one:
 * a client that polls a list or a profile gets a few bytes instead of the page. Weak because the
 * same representation may be sent gzip- or br-encoded (see the Node adapter's compression).
 *
 * Not Hono's `etag()`: it clones the response, reads the copy as a stream and hashes it with the
 * asynchronous WebCrypto, then sets the header on the finished response (which makes
 * @hono/node-server rebuild it): together about as much CPU as a cached job list itself. Here
 * `c.json` is replaced for the request so that the JSON is tagged from the text it is serialised
 * to: with a synchronous `hash` (Node's node:crypto) the handler's one response carries its ETag
 * as built, or is a 304; with WebCrypto the tag is added to that response afterwards. Any other
 * answer (bytes of a file) is read back once as text and hashed.
 */
export function readValidators(options: { hash?: (text: string) => string } = {}): MiddlewareHandler<AppEnv> {
  const { hash } = options;
  const tagOf = async (text: string) => weakTag(hash ? hash(text) : await sha1Hex(text));
  // The text and tag of each lasting answer this app sent, for as long as the answer lives.
  const kept = new WeakMap<object, Serialised>();
  const serialise = (object: unknown): Serialised => {
    if (typeof object !== 'object' || object === null || !lastingAnswers.has(object)) {
      return { text: JSON.stringify(object) };
    }
    let known = kept.get(object);
    if (!known) {
      known = { text: JSON.stringify(object) };
      kept.set(object, known);
    }
    return known;
  };

  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const ifNoneMatch = c.req.header('If-None-Match');
    // `c.json`'s own way to a response (Hono's newResponse takes a status or an init, then headers).
    const respond = c.newResponse as (data: string, arg?: JsonArg, headers?: JsonHeaders) => Response;
    // The handler's JSON answer and its text, when the tag is still to be computed (WebCrypto).
    let untagged: { res: Response; serialised: Serialised } | undefined;
    // Assigned as it is written, not through a named const: tsx (which runs the server) names
    // every such closure with a defineProperty call, on every request.
    c.json = ((object: unknown, arg?: JsonArg, headers?: JsonHeaders): Response => {
      const serialised = serialise(object);
      // As Hono's c.json builds it: the object's text, its media type unless the handler names one.
      const res = respond(serialised.text, arg, { 'Content-Type': 'application/json', ...headers });
      // Errors (onError answers through here too) carry no tag; a handler's own tag is kept.
      if (!res.ok || res.status === 204 || res.headers.has('ETag')) return res;
      if (!hash) {
        untagged = { res, serialised };
        return res;
      }
      serialised.etag ??= weakTag(hash(serialised.text));
      const { etag } = serialised;
      if (matches(etag, ifNoneMatch)) return notModified(res.headers, etag);
      res.headers.set('ETag', etag);
      return res;
    }) as typeof c.json;
    await next();

    const res = c.res;
    if (!res.ok || res.status === 204) return;
    const own = res.headers.get('ETag');
    if (own !== null) {
      if (matches(own, ifNoneMatch)) {
        await res.body?.cancel();
        replaceResponse(c, notModified(res.headers, own));
      }
      return;
    }
    if (untagged?.res === res) {
      const { serialised } = untagged;
      serialised.etag ??= await tagOf(serialised.text);
      const { etag } = serialised;
      if (matches(etag, ifNoneMatch)) replaceResponse(c, notModified(res.headers, etag));
      else res.headers.set('ETag', etag);
      return;
    }
    // Not a c.json answer: read back (in memory, no waiting) and sent again as read.
    const body = await res.text();
    const etag = await tagOf(body);
    if (matches(etag, ifNoneMatch)) {
      replaceResponse(c, notModified(res.headers, etag));
      return;
    }
    const headers = new Headers(res.headers);
    headers.set('ETag', etag);
    replaceResponse(c, new Response(body, { status: res.status, statusText: res.statusText, headers }));
  };
}

/**
 * The GET reads that carry ETags: job postings and user data that a client polls. (`/api/me` is
 * left out: its answer is smaller than a revalidation's headers.)
 */
export const validatedReads = [
  '/api/profile',
  '/api/jobs',
  '/api/jobs/*',
  '/api/resumes',
  '/api/resumes/*',
  '/api/conversations',
  '/api/conversations/*',
];
