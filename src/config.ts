import { z } from 'zod';
import { logLevels } from './logger';

/**
 * The one description of the server's configuration. Both entries (Node and Workers) pass their
 * raw environment through `parseConfig`; nothing else reads the environment.
 *
 * Names follow the Flask seed so an existing `.env` keeps working; SQLAlchemy-style URLs are
 * translated to the URLs our drivers take.
 */

/** Empty strings in a `.env` mean "not set", as they did for the seed's python-dotenv. */
const optionalString = z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().min(1).optional());

const withDefault = (fallback: string) =>
  z.preprocess((v) => (v === '' || v === undefined ? fallback : v), z.string().trim().min(1));

const booleanFlag = (fallback: boolean) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? String(fallback) : String(v).toLowerCase()),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  );

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * `sqlite:///instance/x.db` (relative) and `sqlite:////abs/x.db` (absolute) are SQLAlchemy's forms;
 * libSQL wants `file:instance/x.db` and `file:/abs/x.db`.
 */
export function normaliseSqliteUrl(url: string): string {
  const sqlalchemy = /^sqlite(?:\+\w+)?:\/\/\/(.*)$/.exec(url);
  if (sqlalchemy) return `file:${sqlalchemy[1]}`;
  return url;
}

/** `postgresql+psycopg2://` and friends become `postgresql://`. */
export function normalisePostgresUrl(url: string): string {
  return url.replace(/^postgres(?:ql)?(?:\+\w+)?:\/\//, 'postgresql://');
}

/**
 * Auth0 domains are written many ways (`tenant.auth0.com`, `https://tenant.auth0.com/`); the token
 * issuer is always `https://tenant.auth0.com/`. An explicit `http://` is kept (local stand-ins).
 */
export function issuerFromDomain(domain: string): string {
  const withScheme = /^https?:\/\//i.test(domain) ? domain : `https://${domain}`;
  return `${withScheme.replace(/(?<!\/)\/+$/, '')}/`;
}

const sqliteUrl = withDefault('file:instance/jobmate.db')
  .transform(normaliseSqliteUrl)
  .pipe(
    z
      .string()
      .regex(
        /^(file:|libsql:|https?:|wss?:|:memory:)/,
        'must be a file:, libsql:// or http(s) URL (or sqlite:///path)',
      ),
  );

const postgresUrl = optionalString
  .transform((v) => (v === undefined ? undefined : normalisePostgresUrl(v)))
  .pipe(
    z
      .string()
      .regex(/^postgresql:\/\/[^/]+/, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  );

const commaList = (fallback: string) =>
  withDefault(fallback).transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** A whole number setting with a default and a range. */
const integer = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => (v === '' || v === undefined ? String(fallback) : v),
    z.coerce.number().int().min(min).max(max),
  );

export const configSchema = z
  .object({
    NODE_ENV: z.preprocess(
      (v) => (v === '' || v === undefined ? 'development' : v),
      z.enum(['development', 'production', 'test']),
    ),
    /**
     * The Flask seed's switch: `production` there means production here too (either variable
     * saying so is enough), so a seed `.env` never starts the development issuer or demo data.
     */
    FLASK_ENV: optionalString,
    /**
     * The ops token: `Authorization: Bearer <it>` reads /metrics and /api/health?deep=1. Unset, both
     * are open outside production and off in production.
     */
    METRICS_TOKEN: optionalString,
    /** Node: traces are exported over OTLP/HTTP to `<endpoint>/v1/traces` when set (OTEL_EXPORTER_OTLP_HEADERS is read too). */
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(httpUrl.optional()),
    OTEL_SERVICE_NAME: withDefault('jobmate-api'),
    /** `debug` adds each SQL statement's text (never its parameters) to the logs. */
    LOG_LEVEL: z.preprocess(
      (v) => (v === '' || v === undefined ? 'info' : typeof v === 'string' ? v.toLowerCase() : v),
      z.enum(logLevels),
    ),
    PORT: z.preprocess(
      (v) => (v === '' || v === undefined ? '5001' : v),
      z.coerce.number().int().min(1).max(65535),
    ),
    CORS_ORIGINS: commaList('http://localhost:3000').pipe(
      z.array(z.union([z.literal('*'), httpUrl])).min(1, 'needs at least one origin'),
    ),
    BODY_LIMIT_BYTES: z.preprocess(
      (v) => (v === '' || v === undefined ? String(1024 * 1024) : v),
      z.coerce.number().int().min(1024),
    ),

    JOBS_IMPORT_MAX_BYTES: z.preprocess(
      (v) => (v === '' || v === undefined ? String(100 * 1024 * 1024) : v),
      z.coerce.number().int().min(1024),
    ),

    /** How long a job list's `total` is reused before it is counted again (0: always count). */
    JOBS_COUNT_CACHE_TTL_MS: z.preprocess(
      (v) => (v === '' || v === undefined ? '10000' : v),
      z.coerce.number().int().min(0).max(3_600_000),
    ),
    /** How long a page of a job list is reused for everyone who asks for it (0: read every time). */
    JOBS_LIST_CACHE_TTL_MS: z.preprocess(
      (v) => (v === '' || v === undefined ? '2000' : v),
      z.coerce.number().int().min(0).max(3_600_000),
    ),
    /** Demo postings loaded into an empty job board on start, outside production (0: none). */
    DEMO_JOBS: z.preprocess(
      (v) => (v === '' || v === undefined ? '3000' : v),
      z.coerce.number().int().min(0).max(1_000_000),
    ),

    AUTH0_DOMAIN: optionalString.pipe(
      z
        .string()
        .regex(/^(https?:\/\/)?[a-z0-9.-]+(:\d+)?\/?$/i, 'must be a host name such as dev-xxxx.us.auth0.com')
        .optional(),
    ),
    AUTH0_AUDIENCE: optionalString,
    AUTH0_MGMT_CLIENT_ID: optionalString,
    AUTH0_MGMT_CLIENT_SECRET: optionalString,

    DATABASE_MODE: z.preprocess(
      (v) => (v === '' || v === undefined ? 'sqlite' : v),
      z.enum(['sqlite', 'postgres']),
    ),
    DATABASE_DEV: sqliteUrl,
    /**
     * The token of a remote libSQL server in DATABASE_DEV (`libsql://`, `https://`: Turso's
     * `turso db tokens create`), sent as `Authorization: Bearer`; ignored for a `file:` database.
     */
    LIBSQL_AUTH_TOKEN: optionalString,
    DATABASE_PROD: postgresUrl,
    /** `auto`: the Neon driver for `*.neon.tech` hosts, `pg` over TCP otherwise (Node only). */
    DATABASE_DRIVER: z.preprocess(
      (v) => (v === '' || v === undefined ? 'auto' : v),
      z.enum(['auto', 'pg', 'neon']),
    ),
    MIGRATE_ON_START: booleanFlag(true),
    /** Postgres: longest wait for a new connection, and for one query's answer (then 503). */
    DATABASE_CONNECT_TIMEOUT_MS: integer(5_000, 100, 600_000),
    DATABASE_QUERY_TIMEOUT_MS: integer(15_000, 100, 3_600_000),
    /**
     * The Neon driver through a WebSocket-to-TCP proxy (`host:port/path`) to reach a plain
     * Postgres (local development, tests); unset for Neon itself. NEON_WS_SECURE: true for wss://, false for ws:// (a local proxy without TLS).
     */
    NEON_WS_PROXY: optionalString,
    NEON_WS_SECURE: booleanFlag(true),

    UPLOAD_DIR: withDefault('instance/uploads'),
    /**
     * MiB of upload bodies held in memory at once: an upload over 1 MiB reserves its declared size
     * (10 MiB when undeclared) until it is stored; the rest wait, 64 at most, their bodies held back
     * by TCP. A slow client holds only its own share; parsing has its own bound (DOCUMENT_WORKERS).
     */
    UPLOAD_MEMORY_MB: integer(16, 11, 4096),
    /** An upload whose body stops arriving for this long is answered 408 and dropped. */
    UPLOAD_IDLE_TIMEOUT_MS: integer(15_000, 100, 600_000),
    /** Node: how often the storage sweep removes orphaned resume objects (0: never; `npm run storage:sweep` runs one). */
    STORAGE_SWEEP_INTERVAL_MS: integer(3_600_000, 0, 7 * 24 * 3_600_000),
    /** Resume uploads per user per minute (429 with Retry-After beyond). */
    UPLOADS_PER_MINUTE: integer(10, 1, 10_000),
    /** Node: worker threads that read documents (PDF, DOCX, text) off the event loop. */
    DOCUMENT_WORKERS: integer(1, 1, 64),
    /** Node: documents waiting for a worker thread; beyond, 429 with Retry-After. */
    DOCUMENT_QUEUE: integer(16, 0, 10_000),
    /** Longest a document may take to read; the worker thread is stopped and the upload is a 422. */
    DOCUMENT_TIMEOUT_MS: integer(10_000, 100, 600_000),
    /** Node: heap limit of each document worker thread (a file needing more is a 422). */
    DOCUMENT_WORKER_MEMORY_MB: integer(256, 32, 16_384),
    /** Node server: time allowed for a request's headers, for its whole body, and idle keep-alive. */
    HTTP_HEADERS_TIMEOUT_MS: integer(20_000, 1000, 600_000),
    HTTP_REQUEST_TIMEOUT_MS: integer(120_000, 1000, 3_600_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(5_000, 100, 600_000),
    S3_BUCKET_NAME: optionalString,
    S3_ENDPOINT: optionalString.pipe(httpUrl.optional()),
    AWS_ACCESS_KEY_ID: optionalString,
    AWS_SECRET_ACCESS_KEY: optionalString,
    /** The seed's default region: a seed bucket is found where the seed put it. */
    AWS_REGION: withDefault('ap-southeast-2'),
    /** Temporary credentials (STS, SSO, an assumed role) come with a session token. */
    AWS_SESSION_TOKEN: optionalString,

    CHROMA_URL: optionalString.pipe(httpUrl.optional()),
    /** Chroma Cloud's API key (sent as `x-chroma-token`). */
    CHROMA_API_KEY: optionalString,
    /** A token-protected Chroma server's token, sent in CHROMA_AUTH_TOKEN_TRANSPORT_HEADER. */
    CHROMA_AUTH_TOKEN: optionalString,
    /** `Authorization` (as `Bearer <token>`, Chroma's default) or `X-Chroma-Token`. */
    CHROMA_AUTH_TOKEN_TRANSPORT_HEADER: z.preprocess(
      (v) => (v === '' || v === undefined ? 'Authorization' : v),
      z.enum(['Authorization', 'X-Chroma-Token', 'X_CHROMA_TOKEN', 'AUTHORIZATION']),
    ),
    /** Chroma's tenant and database (Chroma Cloud names them; a local server has defaults). */
    CHROMA_TENANT: optionalString,
    CHROMA_DATABASE: optionalString,
    CHROMA_PERSIST_DIR: withDefault('./instance/chroma'),
    /** Workers: where the skills ontology (data/skills-ontology.json) is fetched from; Node reads the file. */
    SKILLS_ONTOLOGY_URL: optionalString.pipe(httpUrl.optional()),
    EMBEDDINGS_BASE_URL: optionalString.pipe(httpUrl.optional()),
    EMBEDDINGS_MODEL: optionalString,
    EMBEDDINGS_API_KEY: optionalString,

    DEEPSEEK_API_KEY: optionalString,
    DEEPSEEK_BASE_URL: withDefault('https://api.deepseek.com').pipe(httpUrl),
    DEEPSEEK_MODEL: withDefault('deepseek-chat'),
    DEEPSEEK_MODELS: commaList('deepseek-chat,deepseek-reasoner'),
    /** Upper bound on one streamed answer, however the provider behaves. */
    CHAT_DEADLINE_MS: z.preprocess(
      (v) => (v === '' || v === undefined ? '120000' : v),
      z.coerce.number().int().min(1000),
    ),
    CHAT_MAX_CONCURRENT: z.preprocess(
      (v) => (v === '' || v === undefined ? '3' : v),
      z.coerce.number().int().min(1),
    ),
    CHAT_MESSAGES_PER_MINUTE: z.preprocess(
      (v) => (v === '' || v === undefined ? '20' : v),
      z.coerce.number().int().min(1),
    ),
    /** Upper bound on the tokens of one answer (`max_tokens`); with deepseek-reasoner it includes the reasoning. */
    CHAT_MAX_TOKENS: z.preprocess(
      (v) => (v === '' || v === undefined ? '1024' : v),
      z.coerce.number().int().min(1),
    ),
  })
  .superRefine((env, ctx) => {
    if (env.AUTH0_DOMAIN && !env.AUTH0_AUDIENCE) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH0_AUDIENCE'],
        message: 'is required when AUTH0_DOMAIN is set',
      });
    }
    if (Boolean(env.AUTH0_MGMT_CLIENT_ID) !== Boolean(env.AUTH0_MGMT_CLIENT_SECRET)) {
      const missing = env.AUTH0_MGMT_CLIENT_ID ? 'AUTH0_MGMT_CLIENT_SECRET' : 'AUTH0_MGMT_CLIENT_ID';
      ctx.addIssue({
        code: 'custom',
        path: [missing],
        message: 'AUTH0_MGMT_CLIENT_ID and _SECRET go together',
      });
    }
    if (env.DATABASE_MODE === 'postgres' && !env.DATABASE_PROD) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_PROD'],
        message: 'is required when DATABASE_MODE=postgres',
      });
    }
    if (env.S3_BUCKET_NAME && !(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: ['AWS_ACCESS_KEY_ID'],
        message: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are required with S3_BUCKET_NAME',
      });
    }
    if (!env.DEEPSEEK_MODELS.includes(env.DEEPSEEK_MODEL)) {
      ctx.addIssue({ code: 'custom', path: ['DEEPSEEK_MODEL'], message: 'must be one of DEEPSEEK_MODELS' });
    }
  });

export type RawConfig = z.infer<typeof configSchema>;

export interface Config extends RawConfig {
  /** `https://tenant.auth0.com/` when Auth0 is configured. */
  auth0Issuer: string | undefined;
  isProduction: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses a raw environment (strings) into the typed config, or throws one error naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const result = configSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const value = env[String(issue.path[0])];
      const shown =
        value === undefined || /SECRET|KEY|TOKEN|PASSWORD|DATABASE_PROD|DATABASE_DEV/.test(name)
          ? ''
          : ` (got "${value}")`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(problems);
  }
  const raw = result.data;
  return {
    ...raw,
    auth0Issuer: raw.AUTH0_DOMAIN ? issuerFromDomain(raw.AUTH0_DOMAIN) : undefined,
    isProduction: raw.NODE_ENV === 'production' || raw.FLASK_ENV?.toLowerCase() === 'production',
  };
}
