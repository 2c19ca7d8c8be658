import type { Logger } from '../../logger';
import { describeError, silentLogger } from '../../logger';
import {
  limitWindowMs,
  type ReleaseSlot,
  secondsUntilFree,
  tooManyAtOnce,
  tooManyPerMinute,
  type UserLimiter,
} from '../limits';

/**
 * Per-user chat limits on Workers: one Durable Object per user id holds the user's open answers and
 * the starts of the last minute, so the limits hold whichever isolate (or app instance) serves a
 * request. The worker talks to it over the object's fetch handler (plain JSON), which needs no
 * Workers types at compile time; the class is exported from src/worker.ts and bound as
 * `CHAT_LIMITS` in wrangler.toml.
 *
 * An open answer is a lease with an expiry (the chat deadline plus a margin): released when the
 * stream ends or the client leaves, and forgotten anyway once expired, so a release that never
 * arrives (an isolate that died mid-stream) cannot block a user for good.
 */

/** The Workers runtime objects used here, as far as they are used (no @cloudflare/workers-types). */
export interface DurableObjectStubLike {
  fetch(input: string, init?: RequestInit): Promise<Response>;
}

export interface DurableObjectNamespaceLike<Id = unknown> {
  idFromName(name: string): Id;
  get(id: Id): DurableObjectStubLike;
}

export interface DurableObjectStorageLike {
  get<T>(key: string): Promise<T | undefined>;
  put<T>(key: string, value: T): Promise<void>;
  deleteAll(): Promise<void>;
  setAlarm(scheduledTime: number): Promise<void>;
}

export interface DurableObjectStateLike {
  storage: DurableObjectStorageLike;
  blockConcurrencyWhile<T>(callback: () => Promise<T>): Promise<T>;
}

/** What one user's object keeps: open leases (id -> expiry, ms) and the starts of the last minute. */
export interface LimitsBook {
  leases: Record<string, number>;
  starts: number[];
}

export interface LimitsRequest {
  maxConcurrent: number;
  perMinute: number;
  leaseMs: number;
}

export type AcquireAnswer =
  | { granted: true; lease: string }
  | { granted: false; limit: 'per_minute'; retryAfter: number }
  | { granted: false; limit: 'concurrent' };

/** The book without expired leases and starts older than the window. */
export function pruneBook(book: LimitsBook, now: number): LimitsBook {
  const leases: Record<string, number> = {};
  for (const [id, expires] of Object.entries(book.leases)) if (expires > now) leases[id] = expires;
  return { leases, starts: book.starts.filter((t) => now - t < limitWindowMs) };
}

/** The same rules as the in-memory limits (services/limits.ts): the minute first, then the slots. */
export function decideAcquire(
  book: LimitsBook,
  limits: LimitsRequest,
  now: number,
  lease: string,
): { book: LimitsBook; answer: AcquireAnswer } {
  const current = pruneBook(book, now);
  if (current.starts.length >= limits.perMinute) {
    const retryAfter = secondsUntilFree(current.starts[0] ?? now, now);
    return { book: current, answer: { granted: false, limit: 'per_minute', retryAfter } };
  }
  if (Object.keys(current.leases).length >= limits.maxConcurrent) {
    return { book: current, answer: { granted: false, limit: 'concurrent' } };
  }
  return {
    book: {
      leases: { ...current.leases, [lease]: now + limits.leaseMs },
      starts: [...current.starts, now],
    },
    answer: { granted: true, lease },
  };
}

/** When the book becomes empty by itself: every lease expired and every start out of the window. */
function emptyAt(book: LimitsBook): number | undefined {
  const times = [...Object.values(book.leases), ...book.starts.map((t) => t + limitWindowMs)];
  return times.length === 0 ? undefined : Math.max(...times);
}

const bookKey = 'book';

/** The Durable Object: one per user id (`idFromName(String(userId))`). */
export class ChatLimits {
  private book: LimitsBook = { leases: {}, starts: [] };

  constructor(private readonly state: DurableObjectStateLike) {
    // Nothing is answered before the stored book is back in memory.
    void state.blockConcurrencyWhile(async () => {
      this.book = (await state.storage.get<LimitsBook>(bookKey)) ?? this.book;
    });
  }

  async fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (request.method !== 'POST') return new Response(null, { status: 405 });
    if (path === '/acquire') {
      const limits = parseLimits(await request.json().catch(() => undefined));
      if (!limits) return new Response(null, { status: 400 });
      // Decided and recorded without an await in between: the object runs one event at a time.
      const decision = decideAcquire(this.book, limits, Date.now(), crypto.randomUUID());
      await this.save(decision.book);
      return Response.json(decision.answer);
    }
    if (path === '/release') {
      const body = await request.json().catch(() => undefined);
      const lease = isRecord(body) && typeof body.lease === 'string' ? body.lease : undefined;
      if (!lease) return new Response(null, { status: 400 });
      const { [lease]: _released, ...leases } = this.book.leases;
      await this.save(pruneBook({ leases, starts: this.book.starts }, Date.now()));
      return new Response(null, { status: 204 });
    }
    return new Response(null, { status: 404 });
  }

  /** Forgets a user whose book has emptied by itself, so storage does not keep every user ever seen. */
  async alarm(): Promise<void> {
    await this.save(pruneBook(this.book, Date.now()));
  }

  private async save(book: LimitsBook): Promise<void> {
    this.book = book;
    const until = emptyAt(book);
    if (until === undefined) {
      await this.state.storage.deleteAll();
      return;
    }
    await this.state.storage.put(bookKey, book);
    await this.state.storage.setAlarm(until);
  }
}

/**
 * The worker's side: `acquire` asks the user's object for a slot and maps a refusal to the same 429
 * as on Node. The stub is made per acquire, and the release uses the same one: on Workers, I/O
 * objects belong to the request that made them.
 */
export function createDurableLimiter(options: {
  namespace: DurableObjectNamespaceLike;
  /** For the messages: "chat messages". */
  what: string;
  maxConcurrent: number;
  perMinute: number;
  /** How long an unreleased slot counts: longer than any answer can take. */
  leaseMs: number;
  logger?: Logger;
}): UserLimiter {
  const logger = options.logger ?? silentLogger;
  const limits: LimitsRequest = {
    maxConcurrent: options.maxConcurrent,
    perMinute: options.perMinute,
    leaseMs: options.leaseMs,
  };
  const post = (stub: DurableObjectStubLike, path: string, body: unknown) =>
    stub.fetch(`https://chat-limits${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  return {
    async acquire(userId) {
      const { namespace } = options;
      const stub = namespace.get(namespace.idFromName(String(userId)));
      const response = await post(stub, '/acquire', limits);
      if (!response.ok) throw new Error(`the chat limits object answered HTTP ${response.status}`);
      const answer = parseAnswer(await response.json());
      if (!answer) throw new Error('the chat limits object answered something unexpected');
      if (!answer.granted) {
        throw answer.limit === 'per_minute'
          ? tooManyPerMinute(options.what, options.perMinute, answer.retryAfter)
          : tooManyAtOnce(options.what, options.maxConcurrent);
      }
      let released = false;
      const release: ReleaseSlot = async () => {
        if (released) return;
        released = true;
        try {
          const done = await post(stub, '/release', { lease: answer.lease });
          await done.body?.cancel();
        } catch (err) {
          // The lease expires by itself; until then the user has one slot fewer.
          logger.warn('releasing a chat slot failed', { user_id: userId, ...describeError(err) });
        }
      };
      return release;
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const positiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0;

function parseLimits(body: unknown): LimitsRequest | undefined {
  if (!isRecord(body)) return undefined;
  const { maxConcurrent, perMinute, leaseMs } = body;
  if (!positiveInteger(maxConcurrent) || !positiveInteger(perMinute) || !positiveInteger(leaseMs))
    return undefined;
  return { maxConcurrent, perMinute, leaseMs };
}

function parseAnswer(body: unknown): AcquireAnswer | undefined {
  if (!isRecord(body)) return undefined;
  if (body.granted === true && typeof body.lease === 'string') return { granted: true, lease: body.lease };
  if (body.granted !== false) return undefined;
  if (body.limit === 'concurrent') return { granted: false, limit: 'concurrent' };
  if (body.limit === 'per_minute' && positiveInteger(body.retryAfter))
    return { granted: false, limit: 'per_minute', retryAfter: body.retryAfter };
  return undefined;
}
