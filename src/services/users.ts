import type { JWTPayload } from 'jose';
import type { Clock } from '../clock';
import type { UserProfile, UserStore } from '../db/users';
import { ApiError, toApiError } from '../errors';
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
}): Hydrator {
  const inFlight = new Map<string, Promise<UserProfile>>();

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
    let pending = inFlight.get(auth.sub);
    if (!pending) {
      pending = create(auth)
        .catch((err: unknown) => {
          throw (
            toApiError(err) ??
            new ApiError(500, 'hydrate_failure', 'The user profile could not be loaded', { cause: err })
          );
        })
        .finally(() => inFlight.delete(auth.sub));
      inFlight.set(auth.sub, pending);
    }
    return pending;
  };
}
