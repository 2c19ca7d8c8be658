import { type ApplicationStatus, applicationStatuses, responseStatuses } from './transitions';

/**
 * The numbers of `GET /api/applications/stats`, computed from the applications and the first
 * answer in each one's timeline (the store finds it: the first status entry into one of
 * `responseStatuses`). The definitions (also in the OpenAPI description, `statsDefinition`):
 *
 * - an application was **sent** when it has `applied_at` (set when it first reached applied or
 *   later, or given when it was made);
 * - it **got a response** when it was sent and its status was ever interviewing, offer, accepted or
 *   rejected (withdrawing is the applicant's act, not an answer);
 * - `response_rate` = responded / sent, between 0 and 1 (4 decimals); null when nothing was sent;
 * - `median_days_to_response`: over the applications that got a response through a recorded
 *   change (not those made already answered, whose answer time is unknown), the days from
 *   `applied_at` to the first change into a response status, never below 0; the median, 1 decimal;
 *   null without any;
 * - `by_month` (UTC, oldest first, months with something only): applications made that month,
 *   sent that month (`applied_at`), and first answered that month.
 */

export interface StatsInput {
  status: ApplicationStatus;
  createdAt: Date;
  appliedAt: Date | null;
  /**
   * Its first status entry into interviewing, offer, accepted or rejected (`responseStatuses`),
   * and whether that was the initial one (made already answered); null when there is none.
   */
  firstAnswer: { at: Date; initial: boolean } | null;
}

export interface MonthStats {
  month: string;
  created: number;
  applied: number;
  responses: number;
}

export interface ApplicationStats {
  by_status: Record<ApplicationStatus, number>;
  response_rate: number | null;
  median_days_to_response: number | null;
  by_month: MonthStats[];
}

export const statsDefinition =
  'An application was sent when it has applied_at. It got a response when it was sent and its status was ever ' +
  'interviewing, offer, accepted or rejected (withdrawn is not a response). response_rate = responded / sent ' +
  '(0 to 1, 4 decimals; null when nothing was sent). median_days_to_response = the median, over applications ' +
  'answered through a recorded status change, of the days from applied_at to the first change into interviewing, ' +
  'offer, accepted or rejected (at least 0; 1 decimal; null when there is none); applications created already ' +
  'answered count in the rate but have no answer time. by_month (UTC, oldest first, only months with something): ' +
  'created = made that month, applied = applied_at in that month, responses = first answered that month.';

const dayMs = 86_400_000;

const monthOf = (date: Date) => date.toISOString().slice(0, 7);

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

const round = (value: number, decimals: number) => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

export function computeStats(applications: Iterable<StatsInput>): ApplicationStats {
  const byStatus = Object.fromEntries(applicationStatuses.map((s) => [s, 0])) as Record<
    ApplicationStatus,
    number
  >;
  const months = new Map<string, MonthStats>();
  const month = (date: Date) => {
    const key = monthOf(date);
    let entry = months.get(key);
    if (!entry) {
      entry = { month: key, created: 0, applied: 0, responses: 0 };
      months.set(key, entry);
    }
    return entry;
  };
  let sent = 0;
  let responded = 0;
  const days: number[] = [];

  for (const application of applications) {
    byStatus[application.status]++;
    month(application.createdAt).created++;
    if (!application.appliedAt) continue;
    sent++;
    month(application.appliedAt).applied++;
    const answer = application.firstAnswer;
    // Every change is recorded, so an answered status has its entry; this also holds for a
    // timeline that lost its entries somehow.
    if (!answer && !responseStatuses.has(application.status)) continue;
    responded++;
    month(answer?.at ?? application.createdAt).responses++;
    if (answer && !answer.initial) {
      days.push(Math.max(0, answer.at.getTime() - application.appliedAt.getTime()) / dayMs);
    }
  }

  const middle = median(days);
  return {
    by_status: byStatus,
    response_rate: sent === 0 ? null : round(responded / sent, 4),
    median_days_to_response: middle === null ? null : round(middle, 1),
    by_month: [...months.values()].sort((a, b) => (a.month < b.month ? -1 : 1)),
  };
}
