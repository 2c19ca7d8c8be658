import { describe, expect, it } from 'vitest';
import { computeStats, median, type StatsInput } from '../../../src/services/applications/stats';
import type { ApplicationStatus } from '../../../src/services/applications/transitions';

const t = (iso: string) => new Date(iso);

/** An application made at `created` in its first status, then moved at the times given. */
function application(
  created: string,
  first: ApplicationStatus,
  moves: [string, ApplicationStatus][] = [],
  appliedAt?: string,
): StatsInput {
  let status = first;
  const statusEntries: StatsInput['statusEntries'][number][] = [{ at: t(created), from: null, to: first }];
  for (const [at, to] of moves) {
    statusEntries.push({ at: t(at), from: status, to });
    status = to;
  }
  return { status, createdAt: t(created), appliedAt: appliedAt ? t(appliedAt) : null, statusEntries };
}

describe('computeStats', () => {
  it('answers zeros for every status, null rates and no months without applications', () => {
    expect(computeStats([])).toEqual({
      by_status: { saved: 0, applied: 0, interviewing: 0, offer: 0, accepted: 0, rejected: 0, withdrawn: 0 },
      response_rate: null,
      median_days_to_response: null,
      by_month: [],
    });
  });

  it('counts by current status', () => {
    const stats = computeStats([
      application('2026-01-01T00:00:00Z', 'saved'),
      application('2026-01-01T00:00:00Z', 'saved', [['2026-01-02T00:00:00Z', 'withdrawn']]),
      application('2026-01-01T00:00:00Z', 'applied', [], '2026-01-01T00:00:00Z'),
    ]);
    expect(stats.by_status).toMatchObject({ saved: 1, withdrawn: 1, applied: 1, interviewing: 0 });
  });

  it('takes the response rate over sent applications only, to four decimals', () => {
    const sent = (moves: [string, ApplicationStatus][]) =>
      application('2026-01-01T00:00:00Z', 'applied', moves, '2026-01-01T00:00:00Z');
    const stats = computeStats([
      sent([['2026-01-03T00:00:00Z', 'interviewing']]),
      sent([]),
      sent([]),
      // Never sent: outside the rate.
      application('2026-01-01T00:00:00Z', 'saved'),
    ]);
    expect(stats.response_rate).toBe(0.3333);
  });

  it('does not count withdrawing as a response', () => {
    const stats = computeStats([
      application(
        '2026-01-01T00:00:00Z',
        'applied',
        [['2026-01-05T00:00:00Z', 'withdrawn']],
        '2026-01-01T00:00:00Z',
      ),
    ]);
    expect(stats).toMatchObject({ response_rate: 0, median_days_to_response: null });
  });

  it('counts a response that came before a later withdrawal', () => {
    const stats = computeStats([
      application(
        '2026-01-01T00:00:00Z',
        'applied',
        [
          ['2026-01-03T00:00:00Z', 'interviewing'],
          ['2026-01-09T00:00:00Z', 'withdrawn'],
        ],
        '2026-01-01T00:00:00Z',
      ),
    ]);
    expect(stats).toMatchObject({ response_rate: 1, median_days_to_response: 2 });
  });

  it('measures days from applied_at to the first change into a response status; the median of an even count is the mean of the middle two', () => {
    const stats = computeStats([
      application(
        '2026-01-01T00:00:00Z',
        'applied',
        [['2026-01-02T12:00:00Z', 'interviewing']],
        '2026-01-01T00:00:00Z',
      ),
      application(
        '2026-01-01T00:00:00Z',
        'applied',
        [
          ['2026-01-04T00:00:00Z', 'rejected'],
          ['2026-01-20T00:00:00Z', 'interviewing'],
        ],
        '2026-01-01T00:00:00Z',
      ),
    ]);
    // 1.5 and 3 days.
    expect(stats.median_days_to_response).toBe(2.3);
  });

  it('counts an application made already answered in the rate, without an answer time', () => {
    const stats = computeStats([
      application('2026-02-10T00:00:00Z', 'interviewing', [], '2026-01-15T00:00:00Z'),
    ]);
    expect(stats).toMatchObject({
      response_rate: 1,
      median_days_to_response: null,
      by_month: [
        { month: '2026-01', created: 0, applied: 1, responses: 0 },
        { month: '2026-02', created: 1, applied: 0, responses: 1 },
      ],
    });
  });

  it('never measures a negative time to respond (applied_at given after the answer)', () => {
    const stats = computeStats([
      application(
        '2026-01-01T00:00:00Z',
        'applied',
        [['2026-01-02T00:00:00Z', 'interviewing']],
        '2026-01-05T00:00:00Z',
      ),
    ]);
    expect(stats.median_days_to_response).toBe(0);
  });

  it('groups by UTC month, oldest first, only months with something', () => {
    const stats = computeStats([
      application('2026-03-01T00:30:00+01:00', 'saved'),
      application(
        '2025-12-31T12:00:00Z',
        'applied',
        [['2026-03-02T00:00:00Z', 'rejected']],
        '2025-12-31T12:00:00Z',
      ),
    ]);
    expect(stats.by_month).toEqual([
      { month: '2025-12', created: 1, applied: 1, responses: 0 },
      { month: '2026-02', created: 1, applied: 0, responses: 0 },
      { month: '2026-03', created: 0, applied: 0, responses: 1 },
    ]);
  });
});

describe('median', () => {
  it.each([
    [[], null],
    [[5], 5],
    [[9, 1, 5], 5],
    [[4, 1, 3, 2], 2.5],
  ])('of %j is %s', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});
