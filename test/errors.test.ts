import { describe, expect, it } from 'vitest';
import { DependencyUnavailableError, toAppError } from '../src/errors';

describe('mapping dependency failures', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a Postgres shutdown', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['a pg-pool wait timeout', new Error('timeout exceeded when trying to connect')],
    [
      'a wrapped driver error',
      new Error('Failed query', { cause: Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }) }),
    ],
  ])('maps %s to 503 database_unavailable', (_name, err) => {
    expect(toAppError(err)).toMatchObject({ status: 503, code: 'database_unavailable' });
  });

  it('maps a storage outage to 503 storage_unavailable', () => {
    expect(toAppError(new DependencyUnavailableError('storage', 'down'))).toMatchObject({
      status: 503,
      code: 'storage_unavailable',
    });
  });

  it('maps unique violations of both drivers to 409 conflict', () => {
    expect(toAppError(Object.assign(new Error('dup'), { code: '23505' }))).toMatchObject({ status: 409 });
    expect(toAppError(new Error('UNIQUE constraint failed: jobs.source'))).toMatchObject({ status: 409 });
  });

  it('leaves bugs unmapped (they become a logged 500)', () => {
    expect(toAppError(new TypeError('x is undefined'))).toBeUndefined();
  });
});
