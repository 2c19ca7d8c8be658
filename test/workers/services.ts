import type { StreamScript } from '../support/deepseek-standin';

/**
 * What global setup (Node) hands to the config and the tests (workerd) through `provide`/`inject`.
 * Shared by both sides: no runtime imports.
 */

/**
 * The worker configurations the suite runs under, one project each: `sqlite` (DATABASE_MODE=sqlite,
 * the D1 binding), `postgres` (DATABASE_MODE=postgres, Neon) and `libsql` (DATABASE_MODE=sqlite
 * with DATABASE_DEV a remote libSQL server: the Hrana stand-in). The tests read it from the
 * `TEST_PARITY_MODE` binding, not DATABASE_MODE, which two of them share.
 */
export const parityModes = ['sqlite', 'postgres', 'libsql'] as const;
export type ParityMode = (typeof parityModes)[number];

/** DATABASE_MODE of each configuration. */
export const databaseModes: Record<ParityMode, 'sqlite' | 'postgres'> = {
  sqlite: 'sqlite',
  postgres: 'postgres',
  libsql: 'sqlite',
};

export interface ParityServices {
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string; bucket: string };
  /** Where the worker fetches data/skills-ontology.json from (SKILLS_ONTOLOGY_URL). */
  ontologyUrl: string;
  /** The run's Postgres database and Neon's WebSocket-to-TCP proxy (`host:port/v1`) in front of it. */
  postgres: { url: string; wsProxy: string };
  /** The libSQL server stand-in (Hrana over HTTP, test/support/hrana-standin.ts), migrated. */
  libsql: { url: string; authToken: string };
  /** Per worker project: its own Chroma (job indexes are keyed by job id) and DeepSeek stand-in. */
  modes: Record<ParityMode, { chromaUrl: string; deepseekUrl: string }>;
  /** Skills written to each Chroma's `skills_ontology` collection. */
  skillsSeeded: number;
  /** The Auth0 stand-in's Management API client (hydration of tokens without email/name claims). */
  mgmtClient: { id: string; secret: string };
  /** Test-only control server: `GET /deepseek/<mode>/closed` counts streams the client closed early. */
  controlUrl: string;
}

/**
 * Token subjects, one per test file and role: a project's database is shared by its files, so no two
 * files share a user. `writer` carries `write:jobs` (Auth0 RBAC).
 */
export const subjects = {
  user: { sub: 'auth0|workers-smoke', email: 'smoke@example.com', name: 'Smoke Test' },
  me: { sub: 'auth0|parity-me', email: 'me@example.com', name: 'Mia Parity' },
  profile: { sub: 'auth0|parity-profile', email: 'profile@example.com', name: 'Pat Profile' },
  jobs: { sub: 'auth0|parity-jobs', email: 'jobs@example.com', name: 'Jo Reader' },
  writer: {
    sub: 'auth0|parity-writer',
    email: 'writer@example.com',
    name: 'Wri Ter',
    permissions: ['write:jobs'],
  },
  resumes: { sub: 'auth0|parity-resumes', email: 'resumes@example.com', name: 'Ren Resume' },
  resumesOther: { sub: 'auth0|parity-resumes-other', email: 'other@example.com', name: 'Otto Other' },
  skills: { sub: 'auth0|parity-skills', email: 'skills@example.com', name: 'Sky Skills' },
  chat: { sub: 'auth0|parity-chat', email: 'chat@example.com', name: 'Cha Chat' },
  chatOther: { sub: 'auth0|parity-chat-other', email: 'chat2@example.com', name: 'Cho Other' },
  chatLimit: { sub: 'auth0|parity-chat-limit', email: 'chat3@example.com', name: 'Lim Its' },
  defects: { sub: 'auth0|parity-defects', email: 'defects@example.com', name: 'Def Ects' },
  applications: { sub: 'auth0|parity-applications', email: 'apps@example.com', name: 'App Lications' },
  applicationsOther: { sub: 'auth0|parity-applications-other', email: 'apps2@example.com', name: 'Oth Er' },
  /** No email or name claims: hydrated through the Management API (global setup registers it there). */
  mgmt: { sub: 'auth0|parity-mgmt' },
  /** No claims and unknown to the Management API: 404 user_not_found_in_auth0. */
  ghost: { sub: 'auth0|parity-ghost' },
} as const;

/** What the Auth0 stand-in's Management API answers for `subjects.mgmt`. */
export const mgmtProfile = {
  email: 'mgmt@example.com',
  name: 'Mag Ment',
  picture: 'https://example.com/mgmt.png',
};

export type TokenName = keyof typeof subjects | 'wrongAudience' | 'wrongIssuer' | 'expired' | 'unknownKey';

/**
 * What each DeepSeek stand-in streams: slow on purpose (a pause after every write), so a test can
 * tell a relayed stream (the first delta long before `done`) from a buffered one.
 */
export const chatScript: StreamScript = {
  kind: 'stream',
  deltas: ['Hel', 'lo ', 'from ', 'the ', 'stand-in'],
  delayMs: 200,
  usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
};

declare module 'vitest' {
  export interface ProvidedContext {
    auth0Issuer: string;
    auth0Audience: string;
    tokens: Record<TokenName, { token: string; sub: string }>;
    services: ParityServices;
    fixtures: { pdfBase64: string };
  }
}
