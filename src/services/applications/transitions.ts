/**
 * The statuses of an application and the moves between them. One table, read by the service (a
 * move not in it is a 409 `conflict`), by the OpenAPI descriptions (built from it, so the document
 * cannot drift from the rule) and by the stats.
 */

export const applicationStatuses = [
  'saved',
  'applied',
  'interviewing',
  'offer',
  'accepted',
  'rejected',
  'withdrawn',
] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

/**
 * Where each status may go. Forwards along saved → applied → interviewing → offer → accepted, with
 * the exits a real search has (rejected by the employer, withdrawn by the applicant), and two ways
 * back in that happen: an employer that comes back after a rejection (→ interviewing) and an
 * applicant who applies again after withdrawing (→ applied). Never back to `saved`, never
 * backwards along the line (an interview does not un-happen), `accepted` only from `offer`, and
 * `accepted` is final. Setting the status an application already has is not a move: it changes
 * nothing and records nothing.
 */
export const transitions: Readonly<Record<ApplicationStatus, readonly ApplicationStatus[]>> = {
  saved: ['applied', 'interviewing', 'withdrawn'],
  applied: ['interviewing', 'offer', 'rejected', 'withdrawn'],
  interviewing: ['offer', 'rejected', 'withdrawn'],
  offer: ['accepted', 'rejected', 'withdrawn'],
  accepted: [],
  rejected: ['interviewing'],
  withdrawn: ['applied'],
};

export const canMove = (from: ApplicationStatus, to: ApplicationStatus): boolean =>
  transitions[from].includes(to);

/**
 * Statuses that mean the application was sent: reaching one sets `applied_at` when it is not set.
 * `withdrawn` is not among them (one can withdraw what was only saved).
 */
export const appliedOrLater: ReadonlySet<ApplicationStatus> = new Set([
  'applied',
  'interviewing',
  'offer',
  'accepted',
  'rejected',
]);

/** Statuses that mean the employer answered: the stats' "response". */
export const responseStatuses: ReadonlySet<ApplicationStatus> = new Set([
  'interviewing',
  'offer',
  'accepted',
  'rejected',
]);

/** What setting `to` on an application in `from` does. */
export type StatusMove =
  | { kind: 'unchanged' }
  | { kind: 'refused'; message: string }
  | { kind: 'moved'; from: ApplicationStatus; to: ApplicationStatus; appliedAt: Date | null };

/**
 * Decides a status change: refused when the table has no such move; otherwise the move, with
 * `applied_at` set to `now` when the application reaches applied-or-later for the first time.
 */
export function moveStatus(
  current: { status: ApplicationStatus; appliedAt: Date | null },
  to: ApplicationStatus,
  now: Date,
): StatusMove {
  if (current.status === to) return { kind: 'unchanged' };
  if (!canMove(current.status, to)) {
    const allowed = transitions[current.status];
    return {
      kind: 'refused',
      message:
        allowed.length === 0
          ? `An application that is ${current.status} cannot change status`
          : `An application that is ${current.status} can become ${allowed.join(', ')}, not ${to}`,
    };
  }
  const appliedAt = current.appliedAt ?? (appliedOrLater.has(to) ? now : null);
  return { kind: 'moved', from: current.status, to, appliedAt };
}

/** The table in words, for the OpenAPI descriptions: "saved → applied, interviewing, withdrawn; …". */
export function describeTransitions(): string {
  return applicationStatuses
    .map((from) => {
      const to = transitions[from];
      return `${from} → ${to.length > 0 ? to.join(', ') : 'nothing (final)'}`;
    })
    .join('; ');
}
