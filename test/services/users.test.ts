import { describe, expect, it } from 'vitest';
import type { UserStore } from '../../src/db/users';
import { AppError } from '../../src/errors';
import { createHydrator, createUserCache } from '../../src/services/users';

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
    expect(error).toBeInstanceOf(AppError);
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

describe('the user row cache', () => {
  const row = {
    id: 7,
    auth0Sub: 'auth0|h',
    email: 'h@example.com',
    name: null,
    picture: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };

  function countingStore() {
    const calls = { findBySub: 0 };
    const users: UserStore = {
      findBySub: async () => {
        calls.findBySub++;
        return row;
      },
      createIfAbsent: async () => row,
    };
    return { users, calls };
  }

  it('reads the row once for repeated requests of one subject', async () => {
    const { users, calls } = countingStore();
    const hydrate = createHydrator({ users, clock, cache: createUserCache({ now: () => 0 }) });
    for (let i = 0; i < 5; i++) await expect(hydrate(auth)).resolves.toEqual(row);
    expect(calls.findBySub).toBe(1);
  });

  it('reads it again once the entry is older than its time to live', async () => {
    const { users, calls } = countingStore();
    let now = 0;
    const hydrate = createHydrator({ users, clock, cache: createUserCache({ ttlMs: 1000, now: () => now }) });
    await hydrate(auth);
    now = 999;
    await hydrate(auth);
    expect(calls.findBySub).toBe(1);
    now = 1000;
    await hydrate(auth);
    expect(calls.findBySub).toBe(2);
  });

  it('reads it again after forget(sub), as a write to the row calls it', async () => {
    const { users, calls } = countingStore();
    const cache = createUserCache({ now: () => 0 });
    const hydrate = createHydrator({ users, clock, cache });
    await hydrate(auth);
    cache.forget(auth.sub);
    await hydrate(auth);
    expect(calls.findBySub).toBe(2);
  });

  it('holds at most maxEntries subjects, dropping the least recently used', () => {
    const cache = createUserCache({ maxEntries: 2, now: () => 0 });
    cache.set({ ...row, auth0Sub: 'a' });
    cache.set({ ...row, auth0Sub: 'b' });
    cache.get('a');
    cache.set({ ...row, auth0Sub: 'c' });
    expect(['a', 'b', 'c'].map((sub) => cache.get(sub)?.auth0Sub)).toEqual(['a', undefined, 'c']);
  });

  it('keeps nothing when a failure answered the request', async () => {
    const cache = createUserCache({ now: () => 0 });
    const users: UserStore = {
      findBySub: async () => undefined,
      createIfAbsent: async () => {
        throw new TypeError('driver bug');
      },
    };
    await expect(createHydrator({ users, clock, cache })(auth)).rejects.toMatchObject({
      code: 'hydrate_failure',
    });
    expect(cache.get(auth.sub)).toBeUndefined();
  });
});
