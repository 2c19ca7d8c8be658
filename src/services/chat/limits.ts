import type { Clock } from '../../clock';
import { ApiError } from '../../errors';

/**
 * Per-user limits on chat: streams open at once, and messages in a sliding minute. In memory, per
 * server process (a shared store would be needed to enforce them across instances).
 */
export function createChatLimits(options: { maxConcurrent: number; perMinute: number; clock: Clock }) {
  const open = new Map<number, number>();
  const recent = new Map<number, number[]>();

  return {
    /** Takes a slot or throws 429; call the returned release when the stream ends. */
    acquire(userId: number): () => void {
      const now = options.clock.now().getTime();
      const times = (recent.get(userId) ?? []).filter((t) => now - t < 60_000);
      if (times.length >= options.perMinute) {
        const retryAfter = Math.max(1, Math.ceil((60_000 - (now - (times[0] ?? now))) / 1000));
        throw new ApiError(429, 'rate_limited', `At most ${options.perMinute} chat messages a minute`, {
          headers: { 'Retry-After': String(retryAfter) },
        });
      }
      const current = open.get(userId) ?? 0;
      if (current >= options.maxConcurrent) {
        throw new ApiError(429, 'rate_limited', `At most ${options.maxConcurrent} answers at once`, {
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
