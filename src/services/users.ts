import type { JWTPayload } from 'jose';
import type { Clock } from '../clock';
import type { ProfileFields, UserProfile, UserStore } from '../db/users';
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

/** A row without token claims is refreshed from the Management API at most this often. */
export const MANAGEMENT_REFRESH_MS = 24 * 60 * 60 * 1000;
/** After a failed refresh from the Management API, the next try waits this long (per subject). */
const MANAGEMENT_RETRY_MS = 60 * 60 * 1000;
/** Subjects whose refresh failed recently, remembered at most (the oldest forgotten first). */
const MAX_RETRY_ENTRIES = 10_000;

/** The profile fields the token's claims carry (email, name, picture), null where absent. */
type ClaimedProfile = { email: string | null; name: string | null; picture: string | null };

function claimsProfile(claims: JWTPayload): ClaimedProfile {
  return {
    email: claim(claims, 'email'),
    name: claim(claims, 'name'),
    picture: claim(claims, 'picture'),
  };
}

/** A token that names its user (e-mail or name) speaks for the profile; one without does not. */
const hasProfileClaims = (claimed: ClaimedProfile) => claimed.email !== null || claimed.name !== null;

/**
 * Get-or-create the `user_profiles` row of the token's subject, kept fresh. Profile data comes from
 * the token's claims when it has them, otherwise from the Management API (when configured).
 * - A token issued after the row was last written whose claims differ updates the row (an e-mail
 *   changed in Auth0 shows up with the next token, not never).
 * - A row of tokens without profile claims is refreshed from the Management API at most once a
 *   day; if Auth0 does not answer, the stored row serves and the next try waits an hour.
 * Concurrent requests for one subject share one lookup; the unique index settles races between
 * processes.
 */
export function createHydrator(deps: {
  users: UserStore;
  management?: ManagementClient;
  clock: Clock;
  /** Rows already read, by subject (see createUserCache). Absent: every request reads the row. */
  cache?: UserCache;
}): Hydrator {
  const inFlight = new Map<string, Promise<UserProfile>>();
  const retryManagementAt = new Map<string, number>();
  const { cache, management } = deps;
  const now = () => deps.clock.now().getTime();

  /** What the token says that the row does not, when the token is newer than the row. */
  function claimChanges(
    row: UserProfile,
    auth: AuthContext,
    claimed: ClaimedProfile,
  ): ProfileFields | undefined {
    const iat = auth.claims.iat;
    if (typeof iat === 'number' && iat * 1000 <= row.updatedAt.getTime()) return undefined;
    const changes: ProfileFields = {};
    for (const [field, value] of Object.entries(claimed) as [keyof ProfileFields, string | null][]) {
      if (value !== null && value !== row[field]) changes[field] = value;
    }
    return Object.keys(changes).length > 0 ? changes : undefined;
  }

  function managementDue(row: UserProfile, claimed: ClaimedProfile): boolean {
    if (!management || hasProfileClaims(claimed)) return false;
    if (now() - row.updatedAt.getTime() < MANAGEMENT_REFRESH_MS) return false;
    return (retryManagementAt.get(row.auth0Sub) ?? 0) <= now();
  }

  async function refreshFromManagement(row: UserProfile): Promise<UserProfile> {
    try {
      const profile = await management!.getUser(row.auth0Sub);
      retryManagementAt.delete(row.auth0Sub);
      return (await deps.users.refreshProfile(row.auth0Sub, profile, deps.clock.now())) ?? row;
    } catch {
      // Auth0 is down or forgot the user: the stored profile is still good to serve.
      retryManagementAt.delete(row.auth0Sub);
      retryManagementAt.set(row.auth0Sub, now() + MANAGEMENT_RETRY_MS);
      for (const oldest of retryManagementAt.keys()) {
        if (retryManagementAt.size <= MAX_RETRY_ENTRIES) break;
        retryManagementAt.delete(oldest);
      }
      return row;
    }
  }

  async function load(
    auth: AuthContext,
    claimed: ClaimedProfile,
    known: UserProfile | undefined,
  ): Promise<UserProfile> {
    const existing = known ?? (await deps.users.findBySub(auth.sub));
    if (existing) {
      const changes = claimChanges(existing, auth, claimed);
      if (changes) return (await deps.users.refreshProfile(auth.sub, changes, deps.clock.now())) ?? existing;
      if (managementDue(existing, claimed)) return refreshFromManagement(existing);
      return existing;
    }
    const profile = hasProfileClaims(claimed) || !management ? claimed : await management.getUser(auth.sub);
    return deps.users.createIfAbsent({ auth0Sub: auth.sub, ...profile }, deps.clock.now());
  }

  return (auth) => {
    const cached = cache?.get(auth.sub);
    const claimed = claimsProfile(auth.claims);
    if (cached && !claimChanges(cached, auth, claimed) && !managementDue(cached, claimed)) {
      return Promise.resolve(cached);
    }
    let pending = inFlight.get(auth.sub);
    if (!pending) {
      pending = load(auth, claimed, cached)
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
 * read the row every time. Safe to keep briefly: the hydrator puts the rows it writes here, and any
 * other writer calls `forget`. Bounded (least recently used dropped first) and aged out, so a row
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
