import { eq } from 'drizzle-orm';
import type { Database } from './database';

export const contactFields = [
  'fullName',
  'email',
  'phone',
  'location',
  'headline',
  'summary',
  'linkedinUrl',
  'githubUrl',
  'websiteUrl',
] as const;

export type ContactField = (typeof contactFields)[number];
export type ContactProfile = Record<ContactField, string | null> & { updatedAt: Date | null };
export type ContactProfilePatch = Partial<Record<ContactField, string | null>>;

export interface ContactProfileStore {
  get(userId: number): Promise<ContactProfile>;
  /** Sets the given fields (null clears one), keeps the others, and returns the whole profile. */
  update(userId: number, patch: ContactProfilePatch, now: Date): Promise<ContactProfile>;
}

const emptyProfile: ContactProfile = {
  fullName: null,
  email: null,
  phone: null,
  location: null,
  headline: null,
  summary: null,
  linkedinUrl: null,
  githubUrl: null,
  websiteUrl: null,
  updatedAt: null,
};

export function createContactProfileStore({ db, tables }: Database): ContactProfileStore {
  const { contactProfiles } = tables;

  function toProfile(row: typeof contactProfiles.$inferSelect): ContactProfile {
    const { userId: _userId, ...profile } = row;
    return profile;
  }

  return {
    async get(userId) {
      const rows = await db.select().from(contactProfiles).where(eq(contactProfiles.userId, userId)).limit(1);
      return rows[0] ? toProfile(rows[0]) : { ...emptyProfile };
    },
    async update(userId, patch, now) {
      // One statement, so concurrent updates of different fields never lose each other's values.
      const set = { ...patch, updatedAt: now };
      const rows = await db
        .insert(contactProfiles)
        .values({ userId, ...set })
        .onConflictDoUpdate({ target: contactProfiles.userId, set })
        .returning();
      const row = rows[0];
      if (!row) throw new Error('contact profile upsert returned no row');
      return toProfile(row);
    },
  };
}
