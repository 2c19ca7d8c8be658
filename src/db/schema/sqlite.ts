import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { ApplicationStatus } from '../../services/applications/transitions';
import type { ApplicationMatch } from './application-match';

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
    /** `pending`: not yet read for skills; `partial`: exact labels only (the vector step failed); `complete`. */
    skillsStatus: text('skills_status').notNull().default('pending'),
  },
  (t) => [
    uniqueIndex('jobs_source_external_id_unique').on(t.source, t.externalId),
    // location and company ride along so substring filters are checked on the index alone: rows
    // carry whole descriptions, and reading them to test a filter is what costs on big boards.
    index('jobs_active_newest_idx').on(t.isActive, t.createdAt, t.id, t.location, t.company),
    // The skills backfill's cursor: jobs not complete yet, in id order.
    index('jobs_skills_status_idx').on(t.skillsStatus, t.id),
    index('jobs_active_type_newest_idx').on(t.isActive, t.jobType, t.createdAt, t.id, t.location, t.company),
  ],
);

/** Uploaded resumes: the object in storage, its extracted text, and which one is the user's default. */
export const resumes = sqliteTable(
  'resumes',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => userProfiles.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    bucket: text('bucket').notNull(),
    storageKey: text('storage_key').notNull().unique(),
    text: text('text').notNull(),
    textLength: integer('text_length').notNull(),
    chunksCreated: integer('chunks_created').notNull(),
    /** As for jobs: `pending`, `partial` or `complete`. */
    skillsStatus: text('skills_status').notNull().default('pending'),
    isDefault: integer('is_default', { mode: 'boolean' }).notNull().default(false),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [
    index('resumes_user_newest_idx').on(t.userId, t.createdAt),
    // Exactly one default per user is kept by the store; the database refuses a second one.
    uniqueIndex('resumes_one_default_per_user').on(t.userId).where(sql`${t.isDefault} = 1`),
  ],
);

export const resumeChunks = sqliteTable(
  'resume_chunks',
  {
    resumeId: text('resume_id')
      .notNull()
      .references(() => resumes.id, { onDelete: 'cascade' }),
    chunkIndex: integer('chunk_index').notNull(),
    section: text('section'),
    content: text('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.resumeId, t.chunkIndex] })],
);

/** Skills found in a resume, with the evidence: what matching and recommendations read. */
export const resumeSkills = sqliteTable(
  'resume_skills',
  {
    resumeId: text('resume_id')
      .notNull()
      .references(() => resumes.id, { onDelete: 'cascade' }),
    skillId: text('skill_id').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    score: real('score').notNull(),
    method: text('method').notNull(),
    evidence: text('evidence').notNull(),
  },
  (t) => [primaryKey({ columns: [t.resumeId, t.skillId] })],
);

/** Skills a job asks for; `weight` is how much each counts in a match score. */
export const jobSkills = sqliteTable(
  'job_skills',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    skillId: text('skill_id').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    weight: real('weight').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.skillId] }), index('job_skills_skill_idx').on(t.skillId)],
);

/** ESCO occupations a resume is about (detected from its titles and skills), most likely first. */
export const resumeOccupations = sqliteTable(
  'resume_occupations',
  {
    resumeId: text('resume_id')
      .notNull()
      .references(() => resumes.id, { onDelete: 'cascade' }),
    occupationId: text('occupation_id').notNull(),
    title: text('title').notNull(),
    score: real('score').notNull(),
  },
  (t) => [primaryKey({ columns: [t.resumeId, t.occupationId] })],
);

/** ESCO occupations a job posting is (from its title and skills): recommendations look jobs up by them. */
export const jobOccupations = sqliteTable(
  'job_occupations',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    occupationId: text('occupation_id').notNull(),
    title: text('title').notNull(),
    score: real('score').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.occupationId] }),
    index('job_occupations_occupation_idx').on(t.occupationId, t.jobId),
  ],
);

/** Objects whose deletion failed after a failed upload or a delete; retried until they are gone. */
export const pendingObjectDeletions = sqliteTable('pending_object_deletions', {
  storageKey: text('storage_key').primaryKey(),
  bucket: text('bucket').notNull(),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  createdAt: timestamp('created_at').notNull(),
});

/** Chat conversations with the career assistant. */
export const conversations = sqliteTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => userProfiles.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [index('conversations_user_updated_idx').on(t.userId, t.updatedAt)],
);

export const messages = sqliteTable(
  'messages',
  {
    id: text('id').primaryKey(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    content: text('content').notNull(),
    /** An assistant reply cut short (client gone, provider failed, deadline). */
    incomplete: integer('incomplete', { mode: 'boolean' }).notNull().default(false),
    model: text('model'),
    finishReason: text('finish_reason'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [index('messages_conversation_created_idx').on(t.conversationId, t.createdAt)],
);

/**
 * A user's job applications. `job_id` is a plain column, not a foreign key: a posting that leaves
 * the board (or its row) keeps the application, whose title, company, url, location and
 * description were copied in when it was made. A deleted resume leaves `resume_id` null.
 */
export const applications = sqliteTable(
  'applications',
  {
    id: text('id').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => userProfiles.id, { onDelete: 'cascade' }),
    jobId: integer('job_id'),
    title: text('title').notNull(),
    company: text('company').notNull(),
    url: text('url'),
    location: text('location'),
    description: text('description'),
    /**
     * Title and company in lower case (JavaScript's Unicode folding, the same on every dialect;
     * SQLite's lower() folds ASCII only), a line apart: what `q` looks for as a substring.
     */
    searchText: text('search_text').notNull(),
    resumeId: text('resume_id').references(() => resumes.id, { onDelete: 'set null' }),
    status: text('status').notNull().$type<ApplicationStatus>(),
    match: text('match_snapshot', { mode: 'json' }).$type<ApplicationMatch>(),
    notes: text('notes'),
    appliedAt: timestamp('applied_at'),
    nextActionAt: timestamp('next_action_at'),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [
    // One per list order (and filter): a page of one user's list is a walk of one index range
    // that stops when the page is full, however many applications the user or the table holds.
    // search_text rides along so that `q` is tested on the index alone: a rare substring otherwise
    // reads every row of the user's (10,000 rows: 5 ms of a 10 ms page on SQLite), twice (page and count).
    index('applications_user_updated_idx').on(t.userId, t.updatedAt, t.id, t.searchText),
    index('applications_user_status_idx').on(t.userId, t.status, t.updatedAt, t.id),
    index('applications_user_next_action_idx').on(t.userId, t.nextActionAt, t.id),
    index('applications_user_applied_idx').on(t.userId, t.appliedAt, t.id),
    // The export's keyset (created_at never changes, so a page boundary never moves).
    index('applications_user_created_idx').on(t.userId, t.createdAt, t.id),
    // For the foreign key's ON DELETE SET NULL: without it, deleting a resume scans every application.
    index('applications_resume_idx').on(t.resumeId),
  ],
);

/**
 * An application's timeline: status changes (recorded by the store with every change, `from_status`
 * null for the initial one) and the user's own events (interview, note, contact). The integer id
 * orders entries that share a time.
 */
export const applicationEvents = sqliteTable(
  'application_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    applicationId: text('application_id')
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    at: timestamp('at').notNull(),
    text: text('text'),
    fromStatus: text('from_status').$type<ApplicationStatus>(),
    toStatus: text('to_status').$type<ApplicationStatus>(),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [index('application_events_application_idx').on(t.applicationId, t.at, t.id)],
);
