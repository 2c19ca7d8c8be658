import { eq } from 'drizzle-orm';
import type { Database } from './database';

export interface UserProfile {
  id: number;
  auth0Sub: string;
  email: string | null;
  name: string | null;
  picture: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUserProfile {
  auth0Sub: string;
  email: string | null;
  name: string | null;
  picture: string | null;
}

export interface UserStore {
  findBySub(sub: string): Promise<UserProfile | undefined>;
  /**
   * Creates the row unless one exists for the same sub, and returns the row that exists afterwards.
   * Safe under concurrency: the unique index decides, the loser reads the winner's row.
   */
  createIfAbsent(user: NewUserProfile, now: Date): Promise<UserProfile>;
  /**
   * Writes newer profile fields from Auth0 (those given) and `updatedAt`; undefined when the
   * subject has no row.
   */
  refreshProfile(sub: string, profile: ProfileFields, now: Date): Promise<UserProfile | undefined>;
}

/** The profile fields Auth0 owns: refreshed from newer tokens or the Management API. */
export type ProfileFields = Partial<Pick<UserProfile, 'email' | 'name' | 'picture'>>;

export function createUserStore({ db, tables }: Database): UserStore {
  const { userProfiles } = tables;

  async function findBySub(sub: string) {
    const rows = await db.select().from(userProfiles).where(eq(userProfiles.auth0Sub, sub)).limit(1);
    return rows[0];
  }

  return {
    findBySub,
    async createIfAbsent(user, now) {
      const inserted = await db
        .insert(userProfiles)
        .values({ ...user, createdAt: now, updatedAt: now })
        .onConflictDoNothing({ target: userProfiles.auth0Sub })
        .returning();
      const row = inserted[0] ?? (await findBySub(user.auth0Sub));
      if (!row) throw new Error(`user_profiles row for ${user.auth0Sub} vanished after insert`);
      return row;
    },
    async refreshProfile(sub, profile, now) {
      const rows = await db
        .update(userProfiles)
        .set({ ...profile, updatedAt: now })
        .where(eq(userProfiles.auth0Sub, sub))
        .returning();
      return rows[0];
    },
  };
}
