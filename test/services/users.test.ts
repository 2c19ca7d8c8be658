import { describe, expect, it } from 'vitest';
import type { UserStore } from '../../src/db/users';
import { ApiError } from '../../src/errors';
import { createHydrator } from '../../src/services/users';

const auth = {
  sub: 'auth0|h',
  scopes: new Set<string>(),
  claims: { sub: 'auth0|h', email: 'h@example.com' },
};
const clock = { now: () => new Date() };

describe('hydration failures', () => {
  it('turns an unexpected failure into 500 hydrate_failure', async () => {
    const users: UserStore = {
      findBySub: async () => undefined,
      createIfAbsent: async () => {
        throw new TypeError('driver bug');
      },
    };
    const error = await createHydrator({ users, clock })(auth).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 500, code: 'hydrate_failure' });
  });

  it('lets a later call retry after a failure', async () => {
    let calls = 0;
    const row = {
      id: 1,
      auth0Sub: 'auth0|h',
      email: null,
      name: null,
      picture: null,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    const users: UserStore = {
      findBySub: async () => undefined,
      createIfAbsent: async () => {
        if (calls++ === 0) throw new Error('first fails');
        return row;
      },
    };
    const hydrate = createHydrator({ users, clock });
    await expect(hydrate(auth)).rejects.toMatchObject({ code: 'hydrate_failure' });
    await expect(hydrate(auth)).resolves.toEqual(row);
  });
});
