import { describe, expect, it } from 'vitest';
import { computeStats, median, type StatsInput } from '../../../src/services/applications/stats';
import type { ApplicationStatus } from '../../../src/services/applications/transitions';

const t = (iso: string) => new Date(iso);

/**
 * An application as the store gives it to the stats: made at `created`, now in `status`, sent at
 * `applied` (if it was), first answered at `answered` (a recorded change, or `initial`: made so).
 */
function application(
  created: string,
  status: ApplicationStatus,
  options: { applied?: string; answered?: string; initial?: boolean } = {},
): StatsInput {
  return {
    status,
    createdAt: t(created),
    appliedAt: options.applied ? t(options.applied) : null,
    firstAnswer: options.answered ? { at: t(options.answered), initial: options.initial ?? false } : null,
  };
}

const sent = (status: ApplicationStatus, answered?: string) =>
  application('2026-01-01T00:00:00Z', status, { applied: '2026-01-01T00:00:00Z', answered });

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
      application('2026-01-01T00:00:00Z', 'withdrawn'),
      sent('applied'),
    ]);
    expect(stats.by_status).toMatchObject({ saved: 1, withdrawn: 1, applied: 1, interviewing: 0 });
  });

  it('takes the response rate over sent applications only, to four decimals', () => {
    const stats = computeStats([
      sent('interviewing', '2026-01-03T00:00:00Z'),
      sent('applied'),
      sent('applied'),
      // Never sent: outside the rate.
      application('2026-01-01T00:00:00Z', 'saved'),
    ]);
    expect(stats.response_rate).toBe(0.3333);
  });

  it('does not count a sent application withdrawn without an answer', () => {
    expect(computeStats([sent('withdrawn')])).toMatchObject({
      response_rate: 0,
      median_days_to_response: null,
    });
  });

  it('counts an answer that came before a later withdrawal', () => {
    expect(computeStats([sent('withdrawn', '2026-01-03T00:00:00Z')])).toMatchObject({
      response_rate: 1,
      median_days_to_response: 2,
    });
  });

  it('measures days from applied_at to the first answer; the median of an even count is the mean of the middle two', () => {
    // 1.5 and 3 days: 2.25, to one decimal.
    const stats = computeStats([
      sent('interviewing', '2026-01-02T12:00:00Z'),
      sent('rejected', '2026-01-04T00:00:00Z'),
    ]);
    expect(stats.median_days_to_response).toBe(2.3);
  });

  it('counts an application made already answered in the rate, without an answer time', () => {
    const stats = computeStats([
      application('2026-02-10T00:00:00Z', 'interviewing', {
        applied: '2026-01-15T00:00:00Z',
        answered: '2026-02-10T00:00:00Z',
        initial: true,
      }),
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

  it('counts an answered status without a recorded entry as answered when it was made', () => {
    const stats = computeStats([
      application('2026-03-05T00:00:00Z', 'offer', { applied: '2026-03-01T00:00:00Z' }),
    ]);
    expect(stats).toMatchObject({
      response_rate: 1,
      median_days_to_response: null,
      by_month: [{ month: '2026-03', created: 1, applied: 1, responses: 1 }],
    });
  });

  it('never measures a negative time to respond (applied_at given after the answer)', () => {
    const stats = computeStats([
      application('2026-01-01T00:00:00Z', 'interviewing', {
        applied: '2026-01-05T00:00:00Z',
        answered: '2026-01-02T00:00:00Z',
      }),
    ]);
    expect(stats.median_days_to_response).toBe(0);
  });

  it('groups by UTC month, oldest first, only months with something', () => {
    const stats = computeStats([
      application('2026-03-01T00:30:00+01:00', 'saved'),
      application('2025-12-31T12:00:00Z', 'rejected', {
        applied: '2025-12-31T12:00:00Z',
        answered: '2026-03-02T00:00:00Z',
      }),
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
