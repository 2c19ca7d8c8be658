import { sql } from 'drizzle-orm';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * SQLite/libSQL/D1 schema. Same tables, column names and row types as ./postgres.ts; the
 * repository is written once against this shape (see ../database.ts).
 */

const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' });

export const userProfiles = sqliteTable('user_profiles', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  auth0Sub: text('auth0_sub').notNull().unique(),
  email: text('email'),
  name: text('name'),
  picture: text('picture'),
  createdAt: timestamp('created_at').notNull().default(sql`(cast(unixepoch('subsec') * 1000 as integer))`),
  updatedAt: timestamp('updated_at').notNull().default(sql`(cast(unixepoch('subsec') * 1000 as integer))`),
});

export const contactProfiles = sqliteTable('contact_profiles', {
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
