import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { Context, ExecutionContext } from 'hono';
import { type AppType, createApp, createAppState } from './app';
import { type Config, ConfigError, parseConfig } from './config';
import type { Database } from './db/database';
import { createD1Database, type D1DatabaseLike } from './db/drivers/d1';
import { createLibsqlWebDatabase, isRemoteLibsqlUrl } from './db/drivers/libsql-web';
import { createNeonDatabase, neonDescription } from './db/drivers/postgres';
import { requestScopedDatabase } from './db/request-scoped';
import { createJsonLogger, describeError } from './logger';
import type { DocsAssets } from './routes/docs';
import { remoteJwks } from './services/auth/verifier';
import { createDurableLimiter, type DurableObjectNamespaceLike } from './services/chat/limits-object';
import { vectorStoreFromConfig } from './services/skills/from-config';
import { parseOntology } from './services/skills/ontology-data';
import { createSkillsService, type SkillsService } from './services/skills/skills';
import { s3StorageFromConfig } from './services/storage/from-config';

/**
 * Cloudflare Workers entry. Variables and secrets arrive as string bindings named like the Node
 * environment (see wrangler.toml) and go through the same `parseConfig`; `DATABASE_MODE=sqlite`
 * uses the D1 binding `DB`, or a remote libSQL server when DATABASE_DEV names one (see
 * `sqliteDatabase`), `postgres` the Neon driver with `DATABASE_PROD`.
 */
export interface WorkerBindings {
  /** D1 database (DATABASE_MODE=sqlite without a remote DATABASE_DEV). */
  DB?: D1DatabaseLike;
  /** The static assets (wrangler.toml `[assets]`): the docs viewer's files. */
  ASSETS?: { fetch(request: Request): Promise<Response> };
  /** The per-user chat limits: Durable Objects of the class `ChatLimits` (see wrangler.toml). */
  CHAT_LIMITS?: DurableObjectNamespaceLike;
  /** Plain-text variables and secrets: AUTH0_DOMAIN, DATABASE_MODE, DATABASE_PROD, ... */
  [name: string]: unknown;
}

/** The Durable Object class of `CHAT_LIMITS`: the runtime finds it among the entry's exports. */
export { ChatLimits } from './services/chat/limits-object';

/** How long an open answer's slot outlives the chat deadline when its release never arrives. */
const chatLeaseMarginMs = 30_000;

type TokenIssuer = NonNullable<Parameters<typeof createApp>[0]['tokenIssuer']>;

interface Isolate {
  config: Config;
  /**
   * The whole app, built once per isolate (its caches, JWKS and skills index outlive a request).
   * On Postgres its database is a view of the request's own (see `requestScope`).
   */
  app: AppType;
}

/**
 * Postgres on Workers: a pool's sockets belong to the request that opened them, so each request
 * opens its own database and closes it once its response (and the work after it) is done. The
 * app reaches it through this scope (AsyncLocalStorage, with nodejs_compat), which follows the
 * request's promises, streamed answers and background work included.
 */
interface RequestScope {
  database: Database;
  /** Work after the response (skills of imported jobs) that still needs the pool. */
  pending: Promise<unknown>[];
}
const requestScope = new AsyncLocalStorage<RequestScope>();

function currentScope(): RequestScope {
  const scope = requestScope.getStore();
  if (!scope) throw new Error('no request scope: the database is used outside a request');
  return scope;
}

const logger = createJsonLogger((line) => console.log(line));

/** Per isolate, keyed on the env object (the same object for every request of an isolate). */
const isolates = new WeakMap<WorkerBindings, Isolate>();

function stringVars(env: WorkerBindings): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === 'string') vars[name] = value;
  return vars;
}

function setUp(env: WorkerBindings): Isolate {
  const cached = isolates.get(env);
  if (cached) return cached;
  const config = parseConfig(stringVars(env));
  if (!config.auth0Issuer || !config.AUTH0_AUDIENCE) {
    throw new ConfigError([
      'AUTH0_DOMAIN: is required on Workers (with AUTH0_AUDIENCE); there is no development issuer here',
    ]);
  }
  const sqlite = config.DATABASE_MODE === 'sqlite' ? sqliteDatabase(config, env) : undefined;
  const tokenIssuer: TokenIssuer = {
    issuer: config.auth0Issuer,
    audience: config.AUTH0_AUDIENCE,
    keys: remoteJwks(config.auth0Issuer, { fetch: (input, init) => fetch(input, init), logger }),
  };
  // No local disk on Workers: resumes need a bucket (S3 or R2 through its S3 API).
  const storage = s3StorageFromConfig(config, { logger });
  if (!storage) {
    throw new ConfigError([
      'S3_BUCKET_NAME: is required on Workers (with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
    ]);
  }
  const skills = skillsFromConfig(config);
  if (!env.CHAT_LIMITS) {
    throw new ConfigError(['CHAT_LIMITS: a Durable Object binding of the class ChatLimits is required']);
  }
  // The chat limits are kept in a Durable Object per user: other isolates serve the same user too.
  const state = createAppState({
    config,
    chatLimits: createDurableLimiter({
      namespace: env.CHAT_LIMITS,
      what: 'chat messages',
      maxConcurrent: config.CHAT_MAX_CONCURRENT,
      perMinute: config.CHAT_MESSAGES_PER_MINUTE,
      leaseMs: config.CHAT_DEADLINE_MS + chatLeaseMarginMs,
      logger,
    }),
  });
  const database = sqlite ?? requestScopedDatabase(() => currentScope().database, neonDescription);
  const background = (work: Promise<unknown>, c: Context) => {
    const logged = work.catch((err: unknown) => logger.error('background work failed', describeError(err)));
    requestScope.getStore()?.pending.push(logged);
    c.executionCtx.waitUntil(logged);
  };
  const assets = env.ASSETS;
  // Workers serve the static files before the worker runs; this answers the same files if a
  // request reaches the app anyway (`run_worker_first`, or a test calling the worker directly).
  const docsAssets: DocsAssets | undefined = assets
    ? async (file) => {
        const response = await assets.fetch(new Request(`https://assets.invalid/docs/assets/${file}`));
        // A copy: the binding's response has immutable headers, which the app's middleware sets.
        return response.ok ? new Response(response.body, response) : undefined;
      }
    : undefined;
  const app = createApp({
    config,
    database,
    logger,
    tokenIssuer,
    storage,
    skills,
    state,
    background,
    docsAssets,
    // workerd's node:crypto (nodejs_compat): a synchronous hash for the verified-token cache's
    // keys and the reads' ETags, where WebCrypto would make each an asynchronous job.
    sha256Hex: (text) => createHash('sha256').update(text).digest('hex'),
  });
  const isolate: Isolate = { config, app };
  isolates.set(env, isolate);
  return isolate;
}

/**
 * `DATABASE_MODE=sqlite` on Workers: with DATABASE_DEV unset, the D1 binding `DB`; with DATABASE_DEV
 * a remote libSQL server (`libsql://`, `https://`, `http://`: Turso, sqld), that server through
 * `@libsql/client/web` with LIBSQL_AUTH_TOKEN. Over HTTP each query is a `fetch` of the request
 * that makes it, so the one client serves the isolate (unlike Neon's per-request pools). Any other
 * DATABASE_DEV (the Node default `file:`, `sqlite:///`, `ws://`) is a configuration error here.
 */
function sqliteDatabase(config: Config, env: WorkerBindings): Database {
  const url = config.DATABASE_DEV;
  // The parsed value has Node's default (`file:instance/jobmate.db`) when unset: look at the binding.
  const given = typeof env.DATABASE_DEV === 'string' && env.DATABASE_DEV.trim() !== '';
  if (!given) {
    if (!env.DB) {
      throw new ConfigError([
        'DB: a D1 binding named DB is required when DATABASE_MODE=sqlite (or set DATABASE_DEV to a remote libsql:// URL)',
      ]);
    }
    return createD1Database(env.DB);
  }
  if (/^wss?:/i.test(url)) {
    throw new ConfigError([
      'DATABASE_DEV: ws:// and wss:// are not used on Workers (a WebSocket belongs to the request that opened it); give the same server as libsql:// or https://',
    ]);
  }
  if (!isRemoteLibsqlUrl(url)) {
    throw new ConfigError([
      'DATABASE_DEV: a local SQLite file (file:, sqlite:///, :memory:) cannot be opened on Workers; leave DATABASE_DEV unset to use the D1 binding DB, or give a remote libsql:// or https:// URL',
    ]);
  }
  try {
    return createLibsqlWebDatabase(url, {
      authToken: config.LIBSQL_AUTH_TOKEN,
      timeoutMs: config.DATABASE_QUERY_TIMEOUT_MS,
    });
  } catch (err) {
    // The client's reason (an unknown URL parameter, ?tls=0 without a port), never the URL itself.
    const code = (err as { code?: unknown }).code;
    throw new ConfigError([
      `DATABASE_DEV: the libSQL client refused the URL${typeof code === 'string' ? ` (${code})` : ''}`,
    ]);
  }
}

/**
 * Skills need Chroma (CHROMA_URL) and the ontology, which is too big for the bundle: the worker
 * fetches it from SKILLS_ONTOLOGY_URL (for instance the file in an R2 bucket) on first use.
 * Without both, resumes and jobs keep no skills and skill search and recommendations answer 503.
 */
function skillsFromConfig(config: Config): SkillsService | undefined {
  const ontologyUrl = config.SKILLS_ONTOLOGY_URL;
  if (!config.CHROMA_URL || !ontologyUrl) {
    if (config.CHROMA_URL || ontologyUrl) {
      logger.warn('skills are off: CHROMA_URL and SKILLS_ONTOLOGY_URL are needed together on Workers');
    }
    return undefined;
  }
  const fetchImpl: typeof fetch = (input, init) => fetch(input, init);
  return createSkillsService({
    loadOntology: async () => {
      const response = await fetchImpl(ontologyUrl);
      if (!response.ok) throw new Error(`SKILLS_ONTOLOGY_URL answered HTTP ${response.status}`);
      return parseOntology(await response.json());
    },
    vectors: vectorStoreFromConfig(config, config.CHROMA_URL, { fetch: fetchImpl, logger }),
    logger,
  });
}

/**
 * A response whose body may still be streaming (chat): `done` runs once the body has been sent
 * or cancelled, not when the handler returns.
 */
function afterBody(response: Response, done: () => Promise<void>, ctx: ExecutionContext): Response {
  if (!response.body) {
    ctx.waitUntil(done());
    return response;
  }
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    ctx.waitUntil(done());
  };
  const passThrough = new TransformStream<Uint8Array, Uint8Array>({ flush: finish });
  response.body.pipeTo(passThrough.writable).catch(finish);
  return new Response(passThrough.readable, response);
}

function serverError(message: string): Response {
  return Response.json({ error: 'server_error', message }, { status: 500 });
}

export default {
  async fetch(request: Request, env: WorkerBindings, ctx: ExecutionContext): Promise<Response> {
    let isolate: Isolate;
    try {
      isolate = setUp(env);
    } catch (err) {
      if (err instanceof ConfigError) {
        logger.error('invalid configuration', { problems: err.problems });
        const names = [...new Set(err.problems.map((p) => p.split(':')[0]))].join(', ');
        return serverError(`The server is not configured correctly (${names}); see the worker logs`);
      }
      logger.error('start-up failed', describeError(err));
      return serverError('The server could not start');
    }
    const { config, app } = isolate;
    if (config.DATABASE_MODE === 'sqlite') return app.fetch(request, env, ctx);

    // Postgres: one pool per request, closed once the response (streamed ones too) is done.
    let scope: RequestScope;
    try {
      scope = {
        database: createNeonDatabase(config.DATABASE_PROD!, {
          connectMs: config.DATABASE_CONNECT_TIMEOUT_MS,
          queryMs: config.DATABASE_QUERY_TIMEOUT_MS,
          ...(config.NEON_WS_PROXY ? { wsProxy: config.NEON_WS_PROXY, secure: config.NEON_WS_SECURE } : {}),
        }),
        pending: [],
      };
    } catch (err) {
      logger.error('opening the database failed', describeError(err));
      return serverError('The server could not start');
    }
    const close = async () => {
      await Promise.allSettled(scope.pending);
      await scope.database
        .close()
        .catch((err: unknown) => logger.error('closing the database failed', describeError(err)));
    };
    let response: Response;
    try {
      response = await requestScope.run(scope, () => app.fetch(request, env, ctx));
    } catch (err) {
      ctx.waitUntil(close());
      throw err;
    }
    return afterBody(response, close, ctx);
  },
};
