import { type SQL, sql } from 'drizzle-orm';
import {
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  timestamp as pgTimestamp,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ApplicationStatus } from '../../services/applications/transitions';
import type { ApplicationMatch } from './application-match';

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

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** Title weighs most, then company, then description (ts_rank uses the weights). */
const searchDocument: SQL = sql`setweight(to_tsvector('english', coalesce("title", '')), 'A') || setweight(to_tsvector('english', coalesce("company", '')), 'B') || setweight(to_tsvector('english', coalesce("description", '')), 'C')`;

/**
 * Job postings. `search` is a generated tsvector with a GIN index; location and company have
 * trigram indexes (pg_trgm) so case-insensitive substring filters use an index.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    title: text('title').notNull(),
    company: text('company').notNull(),
    location: text('location').notNull(),
    jobType: text('job_type').notNull(),
    description: text('description').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
    source: text('source'),
    externalId: text('external_id'),
    url: text('url'),
    salaryMin: integer('salary_min'),
    salaryMax: integer('salary_max'),
    currency: text('currency'),
    remote: boolean('remote').notNull().default(false),
    /** `pending`: not yet read for skills; `partial`: exact labels only (the vector step failed); `complete`. */
    skillsStatus: text('skills_status').notNull().default('pending'),
    search: tsvector('search').generatedAlwaysAs(searchDocument),
  },
  (t) => [
    uniqueIndex('jobs_source_external_id_unique').on(t.source, t.externalId),
    index('jobs_active_newest_idx').on(t.isActive, t.createdAt, t.id),
    // The skills backfill's cursor: jobs not complete yet, in id order.
    index('jobs_skills_status_idx').on(t.skillsStatus, t.id),
    index('jobs_active_type_newest_idx').on(t.isActive, t.jobType, t.createdAt, t.id),
    index('jobs_search_idx').using('gin', t.search),
    index('jobs_location_trgm_idx').using('gin', sql`lower(${t.location}) gin_trgm_ops`),
    index('jobs_company_trgm_idx').using('gin', sql`lower(${t.company}) gin_trgm_ops`),
  ],
);

/** Uploaded resumes: the object in storage, its extracted text, and which one is the user's default. */
export const resumes = pgTable(
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
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [
    index('resumes_user_newest_idx').on(t.userId, t.createdAt),
    uniqueIndex('resumes_one_default_per_user').on(t.userId).where(sql`${t.isDefault}`),
  ],
);

export const resumeChunks = pgTable(
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
export const resumeSkills = pgTable(
  'resume_skills',
  {
    resumeId: text('resume_id')
      .notNull()
      .references(() => resumes.id, { onDelete: 'cascade' }),
    skillId: text('skill_id').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    score: doublePrecision('score').notNull(),
    method: text('method').notNull(),
    evidence: text('evidence').notNull(),
  },
  (t) => [primaryKey({ columns: [t.resumeId, t.skillId] })],
);

/** ESCO occupations a resume is about (detected from its titles and skills), most likely first. */
export const resumeOccupations = pgTable(
  'resume_occupations',
  {
    resumeId: text('resume_id')
      .notNull()
      .references(() => resumes.id, { onDelete: 'cascade' }),
    occupationId: text('occupation_id').notNull(),
    title: text('title').notNull(),
    score: doublePrecision('score').notNull(),
  },
  (t) => [primaryKey({ columns: [t.resumeId, t.occupationId] })],
);

/** ESCO occupations a job posting is (from its title and skills): recommendations look jobs up by them. */
export const jobOccupations = pgTable(
  'job_occupations',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    occupationId: text('occupation_id').notNull(),
    title: text('title').notNull(),
    score: doublePrecision('score').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.occupationId] }),
    index('job_occupations_occupation_idx').on(t.occupationId, t.jobId),
  ],
);

/** Skills a job asks for; `weight` is how much each counts in a match score. */
export const jobSkills = pgTable(
  'job_skills',
  {
    jobId: integer('job_id')
      .notNull()
      .references(() => jobs.id, { onDelete: 'cascade' }),
    skillId: text('skill_id').notNull(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    weight: doublePrecision('weight').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.skillId] }), index('job_skills_skill_idx').on(t.skillId)],
);

export const pendingObjectDeletions = pgTable('pending_object_deletions', {
  storageKey: text('storage_key').primaryKey(),
  bucket: text('bucket').notNull(),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  createdAt: timestamp('created_at').notNull(),
});

/** Chat conversations with the career assistant. */
export const conversations = pgTable(
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

export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    content: text('content').notNull(),
    incomplete: boolean('incomplete').notNull().default(false),
    model: text('model'),
    finishReason: text('finish_reason'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [index('messages_conversation_created_idx').on(t.conversationId, t.createdAt)],
);

/** A user's job applications: see ./sqlite.ts. */
export const applications = pgTable(
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
    searchText: text('search_text').notNull(),
    resumeId: text('resume_id').references(() => resumes.id, { onDelete: 'set null' }),
    status: text('status').notNull().$type<ApplicationStatus>(),
    match: jsonb('match_snapshot').$type<ApplicationMatch>(),
    notes: text('notes'),
    appliedAt: timestamp('applied_at'),
    nextActionAt: timestamp('next_action_at'),
    createdAt: timestamp('created_at').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [
    index('applications_user_updated_idx').on(t.userId, t.updatedAt, t.id, t.searchText),
    index('applications_user_status_idx').on(t.userId, t.status, t.updatedAt, t.id),
    index('applications_user_next_action_idx').on(t.userId, t.nextActionAt, t.id),
    // In the order `sort=applied` reads (newest first, never-applied last), so that Postgres walks
    // it forwards and stops at the page; SQLite's plain ascending index walked backwards is that order.
    index('applications_user_applied_idx').on(t.userId, t.appliedAt.desc().nullsLast(), t.id.desc()),
    index('applications_user_created_idx').on(t.userId, t.createdAt, t.id),
    index('applications_resume_idx').on(t.resumeId),
  ],
);

/** An application's timeline: see ./sqlite.ts. */
export const applicationEvents = pgTable(
  'application_events',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
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
