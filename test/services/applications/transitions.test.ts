import { describe, expect, it } from 'vitest';
import {
  type ApplicationStatus,
  applicationStatuses,
  canMove,
  describeTransitions,
  moveStatus,
  transitions,
} from '../../../src/services/applications/transitions';

const now = new Date('2026-03-01T10:00:00Z');

describe('the transition table', () => {
  // Written out in full: a change to the table has to change this too.
  const allowed: Record<ApplicationStatus, ApplicationStatus[]> = {
    saved: ['applied', 'interviewing', 'withdrawn'],
    applied: ['interviewing', 'offer', 'rejected', 'withdrawn'],
    interviewing: ['offer', 'rejected', 'withdrawn'],
    offer: ['accepted', 'rejected', 'withdrawn'],
    accepted: [],
    rejected: ['interviewing'],
    withdrawn: ['applied'],
  };

  it.each(applicationStatuses.flatMap((from) => applicationStatuses.map((to) => [from, to] as const)))(
    '%s -> %s is allowed exactly when the table says so',
    (from, to) => {
      expect(canMove(from, to)).toBe(allowed[from].includes(to));
    },
  );

  it('never goes back to saved', () => {
    expect(applicationStatuses.filter((from) => transitions[from].includes('saved'))).toEqual([]);
  });

  it('reaches accepted only from offer, and nothing leaves accepted', () => {
    expect(applicationStatuses.filter((from) => transitions[from].includes('accepted'))).toEqual(['offer']);
    expect(transitions.accepted).toEqual([]);
  });

  it('is written out in words for the OpenAPI descriptions', () => {
    expect(describeTransitions()).toBe(
      'saved → applied, interviewing, withdrawn; applied → interviewing, offer, rejected, withdrawn; ' +
        'interviewing → offer, rejected, withdrawn; offer → accepted, rejected, withdrawn; ' +
        'accepted → nothing (final); rejected → interviewing; withdrawn → applied',
    );
  });
});

describe('moveStatus', () => {
  it('leaves the status it already has unchanged', () => {
    expect(moveStatus({ status: 'applied', appliedAt: now }, 'applied', now)).toEqual({ kind: 'unchanged' });
  });

  it('refuses a move the table does not have, naming the moves there are', () => {
    expect(moveStatus({ status: 'interviewing', appliedAt: now }, 'applied', now)).toEqual({
      kind: 'refused',
      message: 'An application that is interviewing can become offer, rejected, withdrawn, not applied',
    });
  });

  it('refuses any move out of accepted, saying it is final', () => {
    expect(moveStatus({ status: 'accepted', appliedAt: now }, 'withdrawn', now)).toEqual({
      kind: 'refused',
      message: 'An application that is accepted cannot change status',
    });
  });

  it.each(['applied', 'interviewing'] as const)('sets applied_at to now on first reaching %s', (to) => {
    expect(moveStatus({ status: 'saved', appliedAt: null }, to, now)).toEqual({
      kind: 'moved',
      from: 'saved',
      to,
      appliedAt: now,
    });
  });

  it('keeps an applied_at that is set', () => {
    const earlier = new Date('2026-01-01T00:00:00Z');
    expect(moveStatus({ status: 'withdrawn', appliedAt: earlier }, 'applied', now)).toMatchObject({
      appliedAt: earlier,
    });
  });

  it('does not set applied_at when a saved application is withdrawn', () => {
    expect(moveStatus({ status: 'saved', appliedAt: null }, 'withdrawn', now)).toMatchObject({
      kind: 'moved',
      appliedAt: null,
    });
  });
});
