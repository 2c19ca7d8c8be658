import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors';
import { decideAcquire, type LimitsBook, pruneBook } from '../../../src/services/chat/limits-object';
import { createUserLimits, inMemoryLimiter } from '../../../src/services/limits';

/**
 * The two homes of the per-user chat limits: memory (Node) behind the asynchronous interface, and
 * the bookkeeping of the Durable Object (Workers), which must apply the same rules. The object
 * itself runs inside workerd in test/workers/parity-chat.test.ts.
 */

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('inMemoryLimiter', () => {
  it('refuses a slot beyond maxConcurrent with 429 until one is released, once', async () => {
    const limiter = inMemoryLimiter(
      createUserLimits({
        what: 'chat messages',
        maxConcurrent: 1,
        perMinute: 100,
        clock: { now: () => new Date() },
      }),
    );
    const release = await limiter.acquire(3);
    const err = await refusal(limiter.acquire(3));
    expect([err.status, err.code, err.options.headers?.['Retry-After']]).toEqual([429, 'rate_limited', '5']);
    await release();
    await release();
    const again = await limiter.acquire(3);
    await refusal(limiter.acquire(3));
    await again();
  });
});

describe('the Durable Object’s book', () => {
  const limits = { maxConcurrent: 2, perMinute: 3, leaseMs: 10_000 };
  const empty: LimitsBook = { leases: {}, starts: [] };

  it('grants a lease that expires after leaseMs and records the start', () => {
    const { book, answer } = decideAcquire(empty, limits, 1_000, 'a');
    expect(answer).toEqual({ granted: true, lease: 'a' });
    expect(book).toEqual({ leases: { a: 11_000 }, starts: [1_000] });
  });

  it('refuses beyond maxConcurrent open leases, without recording the start', () => {
    const open: LimitsBook = { leases: { a: 50_000, b: 50_000 }, starts: [1_000, 2_000] };
    const { book, answer } = decideAcquire(open, limits, 3_000, 'c');
    expect(answer).toEqual({ granted: false, limit: 'concurrent' });
    expect(book).toEqual(open);
  });

  it('refuses beyond perMinute starts with the seconds until the oldest leaves the minute', () => {
    const busy: LimitsBook = { leases: {}, starts: [1_000, 21_000, 31_000] };
    expect(decideAcquire(busy, limits, 31_500, 'd').answer).toEqual({
      granted: false,
      limit: 'per_minute',
      retryAfter: 30,
    });
    expect(decideAcquire(busy, limits, 61_001, 'd').answer).toEqual({ granted: true, lease: 'd' });
  });

  it('forgets a lease whose release never came once it has expired', () => {
    const stuck: LimitsBook = { leases: { a: 5_000, b: 5_000 }, starts: [] };
    expect(decideAcquire(stuck, limits, 4_999, 'c').answer).toMatchObject({ granted: false });
    expect(decideAcquire(stuck, limits, 5_000, 'c').answer).toEqual({ granted: true, lease: 'c' });
  });

  it('prunes to nothing once every lease has expired and every start is a minute old', () => {
    expect(pruneBook({ leases: { a: 5_000 }, starts: [1_000] }, 61_000)).toEqual(empty);
  });
});
