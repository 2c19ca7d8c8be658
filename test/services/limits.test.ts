import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { createUserLimits } from '../../src/services/limits';

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('createUserLimits', () => {
  let now = 0;
  const clock = { now: () => new Date(now) };

  it('allows `perMinute` starts in a sliding minute, then 429 with the seconds until one frees', () => {
    const limits = createUserLimits({ what: 'uploads', maxConcurrent: 10, perMinute: 2, clock });
    now = 1_000;
    limits.acquire(1)();
    now = 21_000;
    limits.acquire(1)();
    now = 31_000;
    const err = refusal(() => limits.acquire(1));
    expect([err.status, err.code, err.message]).toEqual([429, 'rate_limited', 'At most 2 uploads a minute']);
    expect(err.options.headers?.['Retry-After']).toBe('30');
    // Another user is not affected; the first one may start again once a minute has passed.
    limits.acquire(2)();
    now = 61_001;
    limits.acquire(1)();
  });

  it('allows `maxConcurrent` at once per user; a release frees a slot once', () => {
    const limits = createUserLimits({ what: 'chat messages', maxConcurrent: 1, perMinute: 100, clock });
    const release = limits.acquire(7);
    expect(refusal(() => limits.acquire(7)).message).toBe('At most 1 chat messages at once');
    release();
    release();
    const again = limits.acquire(7);
    expect(refusal(() => limits.acquire(7)).status).toBe(429);
    again();
  });
});
