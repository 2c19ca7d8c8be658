import { integer, pgTable, timestamp as pgTimestamp, text } from 'drizzle-orm/pg-core';

/** Postgres schema: the same tables, column names and row types as ./sqlite.ts. */

const timestamp = (name: string) => pgTimestamp(name, { withTimezone: true, mode: 'date' });

export const userProfiles = pgTable('user_profiles', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  auth0Sub: text('auth0_sub').notNull().unique(),
  email: text('email'),
  name: text('name'),
  picture: text('picture'),
  createdAt: timestamp('created_at').notNull().defaultNow(),
  updatedAt: timestamp('updated_at').notNull().defaultNow(),
});

export const contactProfiles = pgTable('contact_profiles', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => userProfiles.id, { onDelete: 'cascade' }),
  fullName: text('full_name'),
  email: text('email'),
  phone: text('phone'),
  location: text('location'),
  headline: text('headline'),
  summary: text('summary'),
  linkedinUrl: text('linkedin_url'),
  githubUrl: text('github_url'),
  websiteUrl: text('website_url'),
  updatedAt: timestamp('updated_at').notNull(),
});
