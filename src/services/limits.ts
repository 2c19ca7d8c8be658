import type { Clock } from '../clock';
import { AppError } from '../errors';

/** Gives back a slot taken by `acquire`. Safe to call more than once; never rejects. */
export type ReleaseSlot = () => Promise<void>;

/**
 * Per-user limits as the chat flow sees them, wherever they are kept: in memory on Node
 * (`inMemoryLimiter`), in a Durable Object per user on Workers (services/chat/limits-object.ts),
 * so that they hold across isolates.
 */
export interface UserLimiter {
  /** Takes a slot, or rejects with 429 `rate_limited` (with `Retry-After`). */
  acquire(userId: number): Promise<ReleaseSlot>;
}

/** The length of the sliding window of the per-minute limits. */
export const limitWindowMs = 60_000;

/** Whole seconds (at least one) until the oldest start in the window, at `oldest`, leaves it. */
export function secondsUntilFree(oldest: number, now: number): number {
  return Math.max(1, Math.ceil((limitWindowMs - (now - oldest)) / 1000));
}

export function tooManyPerMinute(what: string, perMinute: number, retryAfterSeconds: number): AppError {
  return new AppError('rate_limited', `At most ${perMinute} ${what} a minute`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

/** When a slot frees is unknown (an answer or upload ends when it ends): a short, fixed wait. */
export function tooManyAtOnce(what: string, maxConcurrent: number): AppError {
  return new AppError('rate_limited', `At most ${maxConcurrent} ${what} at once`, {
    headers: { 'Retry-After': '5' },
  });
}

/**
 * Per-user limits on one kind of work (chat answers, resume uploads): how many run at once, and
 * how many start in a sliding minute. Beyond either, 429 `rate_limited` with `Retry-After`. In
 * memory, per server process or isolate.
 */
export function createUserLimits(options: {
  /** What is limited, for the messages: "chat messages", "uploads". */
  what: string;
  maxConcurrent: number;
  perMinute: number;
  clock: Clock;
}) {
  const open = new Map<number, number>();
  const recent = new Map<number, number[]>();
  let calls = 0;

  /** Forgets users whose last minute is over: without it the map would keep every user ever seen. */
  const sweep = (now: number) => {
    for (const [userId, times] of recent) {
      if (times.every((t) => now - t >= limitWindowMs)) recent.delete(userId);
    }
  };

  return {
    /** Takes a slot or throws 429; call the returned release when the work ends. */
    acquire(userId: number): () => void {
      const now = options.clock.now().getTime();
      if (++calls % 1024 === 0) sweep(now);
      const times = (recent.get(userId) ?? []).filter((t) => now - t < limitWindowMs);
      if (times.length >= options.perMinute) {
        recent.set(userId, times);
        throw tooManyPerMinute(options.what, options.perMinute, secondsUntilFree(times[0] ?? now, now));
      }
      const current = open.get(userId) ?? 0;
      if (current >= options.maxConcurrent) {
        throw tooManyAtOnce(options.what, options.maxConcurrent);
      }
      times.push(now);
      recent.set(userId, times);
      open.set(userId, current + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (open.get(userId) ?? 1) - 1;
        if (left <= 0) open.delete(userId);
        else open.set(userId, left);
      };
    },
  };
}

export type UserLimits = ReturnType<typeof createUserLimits>;

/** `createUserLimits` behind the asynchronous interface: one process or isolate holds them. */
export function inMemoryLimiter(limits: UserLimits): UserLimiter {
  return {
    async acquire(userId) {
      const release = limits.acquire(userId);
      return async () => release();
    },
  };
}
