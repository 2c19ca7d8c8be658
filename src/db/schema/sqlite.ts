import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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

/**
 * Job postings. Full-text search is the `jobs_fts` FTS5 table (title, company, description; porter
 * stemming), kept in sync by triggers: see the custom migration in migrations/sqlite.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    title: text('title').notNull(),
    company: text('company').notNull(),
    location: text('location').notNull(),
    jobType: text('job_type').notNull(),
    description: text('description').notNull(),
    isActive: integer('is_active', { mode: 'boolean' }).notNull().default(true),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
    source: text('source'),
    externalId: text('external_id'),
    url: text('url'),
    salaryMin: integer('salary_min'),
    salaryMax: integer('salary_max'),
    currency: text('currency'),
    remote: integer('remote', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [
    uniqueIndex('jobs_source_external_id_unique').on(t.source, t.externalId),
    // location and company ride along so substring filters are checked on the index alone: rows
    // carry whole descriptions, and reading them to test a filter is what costs on big boards.
    index('jobs_active_newest_idx').on(t.isActive, t.createdAt, t.id, t.location, t.company),
    index('jobs_active_type_newest_idx').on(t.isActive, t.jobType, t.createdAt, t.id, t.location, t.company),
  ],
);
