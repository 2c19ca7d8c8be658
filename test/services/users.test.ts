import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserStore, type UserStore } from '../../src/db/users';
import { AppError } from '../../src/errors';
import type { ManagementClient } from '../../src/services/auth/management';
import { createHydrator, createUserCache, MANAGEMENT_REFRESH_MS } from '../../src/services/users';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { manualClock } from './auth/support';

const auth = {
  sub: 'auth0|h',
  scopes: new Set<string>(),
  claims: { sub: 'auth0|h', email: 'h@example.com' },
};
const clock = { now: () => new Date() };

describe('hydration failures', () => {
  it('turns an unexpected failure into 500 hydrate_failure', async () => {
    const users: UserStore = {
      refreshProfile: async () => undefined,
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
      refreshProfile: async () => undefined,
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
      refreshProfile: async () => undefined,
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
      refreshProfile: async () => undefined,
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

describe('profile freshness without profile claims (the Management API)', () => {
  const sub = 'auth0|fresh';
  const claimless = { sub, scopes: new Set<string>(), claims: { sub } };
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('libsql');
  });
  afterAll(async () => {
    await db.dispose();
  });

  /** A Management API whose answers the test sets, counting the calls. */
  function management() {
    const state = { calls: 0, email: 'first@example.com', down: false };
    const client: ManagementClient = {
      async getUser() {
        state.calls++;
        if (state.down) throw new AppError('mgmt_api_error', 'Auth0 is down');
        return { email: state.email, name: null, picture: null };
      },
    };
    return { state, client };
  }

  it('asks again once a day at most, and stores what Auth0 says now', async () => {
    const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
    const { state, client } = management();
    const users = createUserStore(db.database);
    const hydrate = createHydrator({
      users,
      management: client,
      clock,
      cache: createUserCache({ now: () => 0 }),
    });
    expect((await hydrate(claimless)).email).toBe('first@example.com');
    state.email = 'second@example.com';
    clock.advance(MANAGEMENT_REFRESH_MS - 1000);
    expect((await hydrate(claimless)).email).toBe('first@example.com');
    expect(state.calls).toBe(1);
    clock.advance(1000);
    expect((await hydrate(claimless)).email).toBe('second@example.com');
    expect(state.calls).toBe(2);
    expect((await users.findBySub(sub))?.email).toBe('second@example.com');
    expect((await hydrate(claimless)).email).toBe('second@example.com');
    expect(state.calls).toBe(2);
  });

  it('serves the stored row when Auth0 fails on a refresh, and tries again an hour later', async () => {
    const clock = manualClock(Date.parse('2026-02-01T00:00:00Z'));
    const { state, client } = management();
    const users = createUserStore(db.database);
    const hydrate = createHydrator({ users, management: client, clock });
    const stored = await hydrate({
      ...claimless,
      sub: 'auth0|fresh-down',
      claims: { sub: 'auth0|fresh-down' },
    });
    const again = { ...claimless, sub: stored.auth0Sub, claims: { sub: stored.auth0Sub } };
    state.down = true;
    clock.advance(MANAGEMENT_REFRESH_MS);
    await expect(hydrate(again)).resolves.toEqual(stored);
    await expect(hydrate(again)).resolves.toEqual(stored);
    expect(state.calls).toBe(2); // the creation, then one failed refresh
    state.down = false;
    state.email = 'back@example.com';
    clock.advance(60 * 60 * 1000);
    expect((await hydrate(again)).email).toBe('back@example.com');
  });
});
