import type { Clock } from '../clock';
import { ApiError } from '../errors';

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
      if (times.every((t) => now - t >= 60_000)) recent.delete(userId);
    }
  };

  return {
    /** Takes a slot or throws 429; call the returned release when the work ends. */
    acquire(userId: number): () => void {
      const now = options.clock.now().getTime();
      if (++calls % 1024 === 0) sweep(now);
      const times = (recent.get(userId) ?? []).filter((t) => now - t < 60_000);
      if (times.length >= options.perMinute) {
        recent.set(userId, times);
        const retryAfter = Math.max(1, Math.ceil((60_000 - (now - (times[0] ?? now))) / 1000));
        throw new ApiError(429, 'rate_limited', `At most ${options.perMinute} ${options.what} a minute`, {
          headers: { 'Retry-After': String(retryAfter) },
        });
      }
      const current = open.get(userId) ?? 0;
      if (current >= options.maxConcurrent) {
        throw new ApiError(429, 'rate_limited', `At most ${options.maxConcurrent} ${options.what} at once`, {
          headers: { 'Retry-After': '5' },
        });
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
