import type { Context } from 'hono';
import { cors } from 'hono/cors';
import type { JWTVerifyGetKey } from 'jose';
import { type Clock, systemClock } from './clock';
import type { Config } from './config';
import { ConfigError } from './config';
import { createApplicationStore } from './db/applications';
import { createConversationStore } from './db/conversations';
import type { Database } from './db/database';
import { createJobStore } from './db/jobs';
import { createContactProfileStore } from './db/profiles';
import { createResumeStore } from './db/resumes';
import { createSkillStore } from './db/skills';
import { createUserStore } from './db/users';
import { describeError, type Logger, silentLogger } from './logger';
import { createAuthGuard } from './middleware/auth';
import { bodyLimit } from './middleware/body-limit';
import { errorHandler, methodIndex, notFoundHandler } from './middleware/errors';
import { everyRequest } from './middleware/every-request';
import { privateNoCache, readValidators, validatedReads } from './middleware/http-caching';
import { requireOpsAccess } from './middleware/ops-access';
import type { ServerHeadersOf } from './middleware/response-headers';
import { requestSpans } from './middleware/telemetry';
import { createRouter } from './openapi';
import { applicationRoutes } from './routes/applications';
import { chatRoutes } from './routes/chat';
import { type DocsAssets, docsRoutes } from './routes/docs';
import { healthRoutes, type Probe } from './routes/health';
import { jobRoutes } from './routes/jobs';
import { meRoutes } from './routes/me';
import { profileRoutes } from './routes/profile';
import { resumeRoutes } from './routes/resumes';
import { skillRoutes } from './routes/skills';
import { createApplicationService } from './services/applications/service';
import { createManagementClient } from './services/auth/management';
import { createTokenVerifier, type RemoteJwksOptions, remoteJwks } from './services/auth/verifier';
import { createChatService } from './services/chat/session';
import { createGate } from './services/concurrency';
import type { DocumentReader } from './services/documents/reader';
import { createJobService } from './services/jobs/service';
import { createUserLimits, inMemoryLimiter, type UserLimiter } from './services/limits';
import { createLlmClient } from './services/llm/deepseek';
import { createResumePipeline } from './services/resumes/pipeline';
import { createSkillsBackfill, type SkillsBackfill } from './services/skills/backfill';
import type { SkillsService } from './services/skills/skills';
import type { ObjectStorage } from './services/storage/storage';
import { noTelemetry, type Telemetry } from './services/telemetry';
import { createHydrator, createUserCache } from './services/users';

export interface AppDeps {
  config: Config;
  database: Database;
  clock?: Clock;
  fetch?: typeof fetch;
  logger?: Logger;
  /**
   * Where token keys come from. Default: the Auth0 tenant's JWKS (`config.auth0Issuer`). The Node
   * entry passes its development issuer here when no tenant is configured.
   */
  tokenIssuer?: { issuer: string; audience: string; keys: JWTVerifyGetKey };
  /** A synchronous SHA-256 (hex) for the verified-token cache's keys (Node: node:crypto). */
  sha256Hex?: (text: string) => string;
  /** Tuning of the remote JWKS cache (tests shorten the rotation cooldown). */
  jwks?: { cooldownMs?: number; timeoutMs?: number };
  /** How long a Management API call may take before it counts as failed (default 5 s). */
  managementTimeoutMs?: number;
  /** Where resume files go: S3 (or R2, MinIO, Ceph) or, on Node, a local folder. */
  storage: ObjectStorage;
  /**
   * The `/docs` viewer's files (Swagger UI): Node reads them from the package, the Worker from its
   * static assets. Absent: `/docs` has its page but not the viewer's script and styles.
   */
  docsAssets?: DocsAssets;
  /** Where resume files are read: Node passes its worker-thread pool. Default: in the request. */
  documents?: DocumentReader;
  probes?: { vector_store?: Probe };
  /**
   * Skills extraction, search and recommendations (ontology + Chroma). Absent: resumes and jobs
   * keep `skills: []` (marked pending), skill search and recommendations answer 503.
   */
  skills?: SkillsService;
  /**
   * The skills backfill, when the process runs one of its own (the Node server's periodic pass):
   * imports then share it, and one pass runs at a time. Default: one made for this app.
   */
  backfill?: SkillsBackfill;
  /** State shared by the apps of one process or isolate (see `createAppState`). */
  state?: AppState;
  /**
   * Work that goes on after the response (skills of imported jobs). Default: the request's
   * `waitUntil` where the runtime has one (Workers), else the promise just runs (Node); failures
   * are logged. Tests pass a collector to await it.
   */
  background?: (work: Promise<unknown>, c: Context) => void;
  /**
   * The runtime's own response, where it takes headers ahead of the app's (Node: @hono/node-server's
   * `ServerResponse`): the headers every response carries go there (src/middleware/response-headers.ts).
   * Default: they are set on each finished response.
   */
  serverHeaders?: ServerHeadersOf;
  /**
   * Metrics and traces (src/services/telemetry.ts). Node passes Prometheus and, with
   * OTEL_EXPORTER_OTLP_ENDPOINT, an OTLP exporter; default: none.
   */
  telemetry?: Telemetry;
}

/**
 * What must outlive a request: per-user chat limits, the upload gate, the Management API token
 * cache. `createApp` makes its own; a Workers isolate that builds an app per request (Postgres)
 * makes one and passes it to each, so the limits hold across requests.
 */
export function createAppState(options: {
  config: Config;
  clock?: Clock;
  fetch?: typeof fetch;
  managementTimeoutMs?: number;
  /**
   * Where the per-user chat limits live. Default: in memory (one Node process). The Workers entry
   * passes its Durable Object, since one isolate does not see another's memory.
   */
  chatLimits?: UserLimiter;
}) {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  return {
    management:
      config.auth0Issuer && config.AUTH0_MGMT_CLIENT_ID && config.AUTH0_MGMT_CLIENT_SECRET
        ? createManagementClient({
            issuer: config.auth0Issuer,
            clientId: config.AUTH0_MGMT_CLIENT_ID,
            clientSecret: config.AUTH0_MGMT_CLIENT_SECRET,
            fetch: fetchImpl,
            clock,
            timeoutMs: options.managementTimeoutMs,
          })
        : undefined,
    chatLimits:
      options.chatLimits ??
      inMemoryLimiter(
        createUserLimits({
          what: 'chat messages',
          maxConcurrent: config.CHAT_MAX_CONCURRENT,
          perMinute: config.CHAT_MESSAGES_PER_MINUTE,
          clock,
        }),
      ),
    // User rows by subject: `/api/me` and every route that needs its user skip the read.
    userCache: createUserCache({ now: () => clock.now().getTime() }),
    // A few at once per user, so that one account cannot hold every big-upload slot.
    uploadLimits: createUserLimits({
      what: 'uploads',
      maxConcurrent: 4,
      perMinute: config.UPLOADS_PER_MINUTE,
      clock,
    }),
    uploadGate: createGate({ capacity: config.UPLOAD_MEMORY_MB * 1024 * 1024, maxWaiting: 64 }),
  };
}

export type AppState = ReturnType<typeof createAppState>;

/** Builds the whole API from its dependencies. Runtime-neutral: the Node and Workers entries call this. */
export function createApp(deps: AppDeps) {
  const { config, database } = deps;
  const clock = deps.clock ?? systemClock;
  const fetchImpl = deps.fetch ?? ((input, init) => fetch(input, init));
  const logger = deps.logger ?? silentLogger;
  const telemetry = deps.telemetry ?? noTelemetry;

  const tokenIssuer =
    deps.tokenIssuer ??
    tenantIssuer(config, { fetch: telemetry.fetch('auth0_jwks', fetchImpl), clock, logger, ...deps.jwks });
  const verify = createTokenVerifier({ ...tokenIssuer, clock, sha256Hex: deps.sha256Hex });
  const state =
    deps.state ??
    createAppState({
      config,
      clock,
      fetch: telemetry.fetch('auth0_management', fetchImpl),
      managementTimeoutMs: deps.managementTimeoutMs,
    });
  const { management, uploadGate } = state;
  const users = createUserStore(database);
  const hydrate = createHydrator({ users, management, clock, cache: state.userCache });
  const guard = createAuthGuard({ verify, hydrate, logger });
  const resumes = createResumeStore(database);
  const jobs = createJobStore(database, {
    countCacheTtlMs: config.JOBS_COUNT_CACHE_TTL_MS,
    listCacheTtlMs: config.JOBS_LIST_CACHE_TTL_MS,
    now: () => clock.now().getTime(),
  });
  const resumePipeline = createResumePipeline({
    store: resumes,
    storage: deps.storage,
    clock,
    logger,
    skills: deps.skills,
    reader: deps.documents,
  });
  const skills = deps.skills;
  const skillStore = createSkillStore(database);
  const backfill =
    deps.backfill ??
    (deps.skills ? createSkillsBackfill({ skills: deps.skills, store: skillStore, logger }) : undefined);
  const applicationStore = createApplicationStore(database);
  const applications = createApplicationService({
    store: applicationStore,
    jobs,
    resumes,
    skillStore,
    skills: deps.skills,
    clock,
    logger,
  });
  const background =
    deps.background ??
    ((work: Promise<unknown>, c: Context) => {
      const logged = work.catch((err: unknown) => logger.error('background work failed', describeError(err)));
      try {
        c.executionCtx.waitUntil(logged);
      } catch {
        // No ExecutionContext (Node): the promise runs on by itself.
      }
    });

  const conversations = createConversationStore(database);
  const llm = config.DEEPSEEK_API_KEY
    ? createLlmClient({
        baseUrl: config.DEEPSEEK_BASE_URL,
        apiKey: config.DEEPSEEK_API_KEY,
        fetch: telemetry.fetch('llm', fetchImpl),
      })
    : undefined;

  const app = createRouter();
  // First: the request id, the headers of every response, the log line and the metrics.
  app.use('*', everyRequest({ logger, metrics: telemetry.metrics, serverHeaders: deps.serverHeaders }));
  if (telemetry.tracing) for (const middleware of requestSpans()) app.use('*', middleware);
  const corsHeaders = cors({
    origin: config.CORS_ORIGINS.includes('*') ? '*' : config.CORS_ORIGINS,
    allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'If-None-Match'],
    exposeHeaders: ['X-Request-Id', 'X-Response-Time', 'Retry-After', 'WWW-Authenticate', 'ETag'],
    maxAge: 600,
  });
  // One middleware for what every /api route gets (each one costs a small request ~2 µs):
  // - the default Cache-Control;
  // - CORS, only for requests that carry an Origin (browsers). CORS headers mean nothing to a mobile
  //   app or a server, and the CORS middleware sets headers through Hono's context before the
  //   handler runs, which makes the response carry web Headers that @hono/node-server reads back.
  app.use('/api/*', (c, next) => {
    privateNoCache(c);
    return c.req.header('origin') === undefined && c.req.method !== 'OPTIONS' ? next() : corsHeaders(c, next);
  });
  // On the routes that take a JSON body (uploads and imports stream theirs under limits of their own).
  const jsonBodyLimit = bodyLimit({
    maxBytes: config.BODY_LIMIT_BYTES,
    idleMs: config.UPLOAD_IDLE_TIMEOUT_MS,
  });

  const validators = readValidators({ hash: deps.sha256Hex });
  for (const path of validatedReads) app.use(path, validators);

  // Chained so the returned type carries every route's schema (for Hono's typed `hc` client).
  const api = app
    .route(
      '/',
      healthRoutes({
        database,
        guard,
        probes: {
          ...(skills?.hasVectorStore ? { vector_store: () => skills.heartbeat() } : {}),
          ...deps.probes,
          storage: () => deps.storage.probe(),
        },
        llmConfigured: Boolean(config.DEEPSEEK_API_KEY),
        auth: tokenIssuer.issuer === config.auth0Issuer ? 'auth0' : 'development',
        clock,
        ops: { token: config.METRICS_TOKEN, production: config.isProduction },
      }),
    )
    .route('/', meRoutes({ guard }))
    .route('/', profileRoutes({ guard, profiles: createContactProfileStore(database), clock, jsonBodyLimit }))
    .route(
      '/',
      jobRoutes({
        guard,
        jsonBodyLimit,
        jobs: createJobService({ jobs, resumes, skillStore, skills: deps.skills, backfill, clock, logger }),
        importMaxBytes: config.JOBS_IMPORT_MAX_BYTES,
        idleTimeoutMs: config.UPLOAD_IDLE_TIMEOUT_MS,
        background,
      }),
    )
    .route('/', skillRoutes({ guard, skills: deps.skills }))
    .route(
      '/',
      resumeRoutes({
        guard,
        jsonBodyLimit,
        clock,
        resumes,
        storage: deps.storage,
        pipeline: resumePipeline,
        uploadGate,
        uploadLimits: state.uploadLimits,
        idleTimeoutMs: config.UPLOAD_IDLE_TIMEOUT_MS,
        skillStore,
        background,
        logger,
      }),
    )
    .route('/', applicationRoutes({ guard, jsonBodyLimit, applications }))
    .route(
      '/',
      chatRoutes({
        guard,
        jsonBodyLimit,
        chat: llm
          ? createChatService({
              clock,
              logger,
              conversations,
              resumes,
              jobs,
              applications: applicationStore,
              llm,
              limits: state.chatLimits,
              deadlineMs: config.CHAT_DEADLINE_MS,
              maxTokens: config.CHAT_MAX_TOKENS,
            })
          : undefined,
        conversations,
        models: { default: config.DEEPSEEK_MODEL, allowed: config.DEEPSEEK_MODELS },
        background,
      }),
    );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An Auth0 access token (RS256) for this API’s audience',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Jobmate API',
      version: '1.0.0',
      description:
        'Resumes, jobs, skills and an AI career assistant. Every error is `{"error","message"}` ' +
        '(validation errors add `details`); see the error table in the project documentation. ' +
        'A NUL character (U+0000) is refused in every string, body, query and path alike (400).',
    },
  });
  app.route('/', docsRoutes({ assets: deps.docsAssets }));

  const { exposition } = telemetry;
  if (exposition) {
    // Outside the OpenAPI document: for scrapers holding the ops token, not for API clients.
    const ops = { token: config.METRICS_TOKEN, production: config.isProduction };
    app.get('/metrics', async (c) => {
      requireOpsAccess(ops, c.req.header('Authorization'), 'The metrics endpoint');
      c.header('Cache-Control', 'no-store');
      return c.body(await exposition.render(), 200, { 'Content-Type': exposition.contentType });
    });
  }

  app.onError(errorHandler(logger));
  app.notFound(notFoundHandler(methodIndex(app.routes)));
  return api;
}

function tenantIssuer(config: Config, jwks: RemoteJwksOptions) {
  if (!config.auth0Issuer || !config.AUTH0_AUDIENCE) {
    throw new ConfigError(['AUTH0_DOMAIN: is required (with AUTH0_AUDIENCE) to verify tokens']);
  }
  return {
    issuer: config.auth0Issuer,
    audience: config.AUTH0_AUDIENCE,
    keys: remoteJwks(config.auth0Issuer, jwks),
  };
}

/** The app's type, for Hono's typed client: `hc<AppType>('https://api.example.com')`. */
export type AppType = ReturnType<typeof createApp>;
