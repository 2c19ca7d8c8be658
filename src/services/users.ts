import type { JWTPayload } from 'jose';
import type { Clock } from '../clock';
import type { UserProfile, UserStore } from '../db/users';
import { AppError, toAppError } from '../errors';
import type { ManagementClient } from './auth/management';
import type { AuthContext } from './auth/verifier';

export type Hydrator = (auth: AuthContext) => Promise<UserProfile>;

/**
 * A claim by its plain name or as an Auth0 namespaced custom claim (`https://example.com/email`),
 * which is how Auth0 puts profile data into access tokens.
 */
function claim(claims: JWTPayload, name: string): string | null {
  const plain = claims[name];
  if (typeof plain === 'string') return profileText(plain);
  for (const [key, value] of Object.entries(claims)) {
    if (key.endsWith(`/${name}`) && typeof value === 'string') return profileText(value);
  }
  return null;
}

/**
 * A profile field from Auth0 (claims or the Management API) as stored: without NUL characters,
 * which Postgres refuses in text, and null when empty.
 */
export function profileText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.replaceAll('\u0000', '');
  return text === '' ? null : text;
}

/**
 * Get-or-create the `user_profiles` row of the token's subject. Profile data comes from the
 * token's claims when it has them, otherwise from the Management API (when configured).
 * Concurrent first requests for one subject share one lookup; the unique index settles races
 * between processes.
 */
export function createHydrator(deps: {
  users: UserStore;
  management?: ManagementClient;
  clock: Clock;
  /** Rows already read, by subject (see createUserCache). Absent: every request reads the row. */
  cache?: UserCache;
}): Hydrator {
  const inFlight = new Map<string, Promise<UserProfile>>();
  const { cache } = deps;

  async function create(auth: AuthContext): Promise<UserProfile> {
    const existing = await deps.users.findBySub(auth.sub);
    if (existing) return existing;
    const fromClaims = {
      email: claim(auth.claims, 'email'),
      name: claim(auth.claims, 'name'),
      picture: claim(auth.claims, 'picture'),
    };
    const hasClaims = fromClaims.email !== null || fromClaims.name !== null;
    const profile = hasClaims || !deps.management ? fromClaims : await deps.management.getUser(auth.sub);
    return deps.users.createIfAbsent({ auth0Sub: auth.sub, ...profile }, deps.clock.now());
  }

  return (auth) => {
    const cached = cache?.get(auth.sub);
    if (cached) return Promise.resolve(cached);
    let pending = inFlight.get(auth.sub);
    if (!pending) {
      pending = create(auth)
        .then((user) => {
          cache?.set(user);
          return user;
        })
        .catch((err: unknown) => {
          throw (
            toAppError(err) ??
            new AppError('hydrate_failure', 'The user profile could not be loaded', { cause: err })
          );
        })
        .finally(() => inFlight.delete(auth.sub));
      inFlight.set(auth.sub, pending);
    }
    return pending;
  };
}

export interface UserCache {
  get(sub: string): UserProfile | undefined;
  set(user: UserProfile): void;
  /** Drops a subject's row: whatever writes to a `user_profiles` row calls it. */
  forget(sub: string): void;
}

/**
 * `user_profiles` rows by subject, so that an authenticated request that needs its user does not
 * read the row every time. Safe to keep briefly: a row is written once, when it is created, and any
 * later writer calls `forget`. Bounded (least recently used dropped first) and aged out, so a row
 * changed by another process is seen within `ttlMs`.
 */
export function createUserCache(options: {
  maxEntries?: number;
  ttlMs?: number;
  now: () => number;
}): UserCache {
  const maxEntries = options.maxEntries ?? 10_000;
  const ttlMs = options.ttlMs ?? 60_000;
  const entries = new Map<string, { user: UserProfile; storedAt: number }>();
  return {
    get(sub) {
      const entry = entries.get(sub);
      if (!entry) return undefined;
      entries.delete(sub);
      if (options.now() - entry.storedAt >= ttlMs) return undefined;
      entries.set(sub, entry); // re-inserted last: Map order is the eviction order
      return entry.user;
    },
    set(user) {
      if (maxEntries <= 0) return;
      entries.delete(user.auth0Sub);
      entries.set(user.auth0Sub, { user, storedAt: options.now() });
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
    },
    forget(sub) {
      entries.delete(sub);
    },
  };
}
