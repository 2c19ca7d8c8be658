import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type HttpBindings, type ServerType, serve } from '@hono/node-server';
import { type AppType, createApp, createAppState } from '../app';
import { type Config, ConfigError } from '../config';
import type { Database } from '../db/database';
import { createJobStore } from '../db/jobs';
import { createResumeStore } from '../db/resumes';
import { createSkillStore } from '../db/skills';
import { describeError, type Logger } from '../logger';
import type { ServerHeadersOf } from '../middleware/response-headers';
import { localJwks } from '../services/auth/verifier';
import type { Gate } from '../services/concurrency';
import { createSkillsBackfill } from '../services/skills/backfill';
import { vectorStoreFromConfig } from '../services/skills/from-config';
import { seedOntology } from '../services/skills/seed';
import { createSkillsService } from '../services/skills/skills';
import { s3StorageFromConfig } from '../services/storage/from-config';
import type { Telemetry } from '../services/telemetry';
import { type ChromaServer, startChromaServer } from './chroma-server';
import { withCompression } from './compression';
import { migrateDatabase, openNodeDatabase } from './database';
import { seedDemoJobs } from './demo-seed';
import { devKeyFile, loadDevIssuer } from './dev-issuer';
import { swaggerUiAssets } from './docs-assets';
import { createDocumentPool, type DocumentPool } from './document-pool';
import { createLocalStorage } from './local-storage';
import { loadOnetJobData } from './onet-data';
import { createWorkerMatching } from './skills-matching';
import { loadOntology } from './skills-ontology';
import { startPeriodicSweep } from './storage-sweep';
import { createNodeTelemetry, type NodeTelemetry } from './telemetry';

/**
 * Everything the Node server does before it listens: the token issuer (Auth0, or the development
 * issuer outside production), the database and its migrations, demo jobs for an empty board, and
 * the app. Shared by the entry (src/node/main.ts) and the benchmark, so both run the same wiring.
 */
export async function prepareNodeApp(
  config: Config,
  options: { logger: Logger; devKeyFile?: string; skills?: boolean },
): Promise<{
  app: AppType;
  database: Database;
  close: () => Promise<void>;
  /** `development`: the local development issuer signs the accepted tokens (never in production). */
  auth: 'auth0' | 'development';
}> {
  const { logger } = options;
  let tokenIssuer: Parameters<typeof createApp>[0]['tokenIssuer'];
  if (!config.auth0Issuer) {
    if (config.isProduction) throw new ConfigError(['AUTH0_DOMAIN: is required in production']);
    const dev = await loadDevIssuer(options.devKeyFile ?? devKeyFile);
    tokenIssuer = { issuer: dev.issuer, audience: dev.audience, keys: localJwks(dev.jwks) };
    logger.warn(
      'AUTH0_DOMAIN is not set: using the local development issuer (npm run token). Never in production.',
    );
  }

  const telemetry = createNodeTelemetry(config);
  const database = openNodeDatabase(config, {
    telemetry,
    // Only when asked: building the log line costs time on every statement.
    ...(config.LOG_LEVEL === 'debug' ? { logSql: (sql: string) => logger.debug('sql', { sql }) } : {}),
  });
  if (config.MIGRATE_ON_START) {
    await migrateDatabase(database);
    logger.info('migrations applied', { dialect: database.dialect, driver: database.driver });
  }
  if (!config.isProduction && config.DEMO_JOBS > 0)
    await loadDemoJobsIfEmpty(database, config.DEMO_JOBS, logger);

  // Local disk when no bucket is configured: a newcomer needs no account.
  const storage =
    s3StorageFromConfig(config, {
      logger,
      fetch: telemetry.fetch('storage', (input, init) => fetch(input, init)),
    }) ?? createLocalStorage(config.UPLOAD_DIR);
  if (storage.kind === 'local')
    logger.info('resume files are stored on local disk', { folder: config.UPLOAD_DIR });
  // Objects with no resume row (a crash between the object write and the row) go after an hour.
  const sweep = startPeriodicSweep({
    storage,
    resumes: createResumeStore(database),
    logger,
    intervalMs: config.STORAGE_SWEEP_INTERVAL_MS,
  });

  const skills =
    options.skills === false ? undefined : await prepareSkills(config, database, logger, telemetry);
  const documents = await createDocumentPool(config);
  const state = createAppState({
    config,
    fetch: telemetry.fetch('auth0_management', (input, init) => fetch(input, init)),
  });
  const app = createApp({
    config,
    database,
    logger,
    tokenIssuer,
    storage,
    documents,
    skills: skills?.service,
    backfill: skills?.backfill,
    state,
    telemetry,
    sha256Hex: (text) => createHash('sha256').update(text).digest('hex'),
    docsAssets: swaggerUiAssets(),
    serverHeaders: nodeServerHeaders,
  });
  watchQueues(telemetry, { database, documents, uploads: state.uploadGate });
  return {
    app,
    database,
    auth: tokenIssuer ? 'development' : 'auth0',
    close: async () => {
      sweep.stop();
      await Promise.all([skills?.close(), documents.close()]);
      await telemetry.close();
    },
  };
}

/**
 * The request's `ServerResponse` under @hono/node-server (`c.env.outgoing`), which takes the headers
 * every response carries ahead of the app's own. Undefined under Bun's or Deno's server (the same
 * app: src/bun.ts, src/deno.ts) and in `app.request()`: there they are set on the response.
 */
export const nodeServerHeaders: ServerHeadersOf = (c) =>
  (c.env as Partial<HttpBindings> | undefined)?.outgoing;

/**
 * The skills service: the shipped ontology, and Chroma at CHROMA_URL or else a local Chroma child
 * persisting in CHROMA_PERSIST_DIR (seeded in the background; an interrupted seed resumes). When
 * the local Chroma cannot start, the server still runs: skills from exact labels only (marked
 * partial), skill search and recommendations answer 503, /api/health says `down`.
 */
async function prepareSkills(config: Config, database: Database, logger: Logger, telemetry: Telemetry) {
  let chroma: ChromaServer | undefined;
  let url = config.CHROMA_URL;
  if (!url) {
    try {
      chroma = await startChromaServer({ persistDir: config.CHROMA_PERSIST_DIR });
      url = chroma.url;
      logger.info('local Chroma started', { url, folder: config.CHROMA_PERSIST_DIR });
    } catch (err) {
      logger.error('local Chroma did not start: skills from exact labels only', describeError(err));
    }
  }
  const vectors = url
    ? vectorStoreFromConfig(config, url, { fetch: (i, init) => fetch(i, init), logger, telemetry })
    : undefined;
  // Read once (8 MB of JSON): the dictionary and the seeding share it.
  let ontology: ReturnType<typeof loadOntology> | undefined;
  const ontologyOnce = () => {
    ontology ??= loadOntology();
    return ontology;
  };
  // Labels are matched on a worker thread of its own: the dictionary lives there, not here.
  const matching = await createWorkerMatching();
  const service = createSkillsService({ loadOntology: ontologyOnce, vectors, logger, matching });
  const backfill = createSkillsBackfill({ skills: service, store: createSkillStore(database), logger });

  const stopping = new AbortController();
  const completeSkills = async () => {
    const result = await backfill.run(stopping.signal);
    if (result.jobs + result.resumes > 0) logger.info('skills read', { ...result });
  };
  // Seeding (local Chroma) then reading skills for what lacks them, after the server is up.
  const startup = (async () => {
    await service.warmUp();
    if (chroma && vectors) {
      const seeded = await seedOntology({ ontology: await ontologyOnce(), store: vectors });
      if (seeded.added > 0) logger.info('skills ontology seeded into the local Chroma', { ...seeded });
    }
    await completeSkills();
  })().catch((err: unknown) => {
    // Stopping interrupts it on purpose (the Chroma child is gone, the backfill aborted).
    if (!stopping.signal.aborted) logger.error('skills start-up work failed', describeError(err));
  });
  // Records left partial while Chroma was down are completed on a later pass.
  const timer = setInterval(() => {
    completeSkills().catch((err: unknown) => {
      if (!stopping.signal.aborted) logger.error('skills backfill failed', describeError(err));
    });
  }, 5 * 60_000);
  timer.unref();

  return {
    service,
    backfill,
    /** Quick: start-up work still running is abandoned (seeding and backfill resume next time). */
    close: async () => {
      stopping.abort();
      clearInterval(timer);
      await chroma?.stop();
      // The matching thread first: building the dictionary there (warmUp) cannot be interrupted
      // otherwise, and takes seconds.
      await matching.close();
      await startup;
    },
  };
}

/** Pool and queue sizes, read at each scrape of /metrics. */
function watchQueues(
  telemetry: NodeTelemetry,
  sources: { database: Database; documents: DocumentPool; uploads: Gate },
) {
  const { database, documents, uploads } = sources;
  telemetry.gauge('document_threads', 'Document reader threads started', () => documents.stats.threads);
  telemetry.gauge('document_tasks_running', 'Documents being read', () => documents.stats.running);
  telemetry.gauge(
    'document_tasks_queued',
    'Documents waiting for a reader thread',
    () => documents.stats.queued,
  );
  telemetry.gauge(
    'upload_bytes_reserved',
    'Upload body bytes held in memory (UPLOAD_MEMORY_MB)',
    () => uploads.used,
  );
  telemetry.gauge(
    'uploads_waiting',
    'Uploads waiting for their share of UPLOAD_MEMORY_MB',
    () => uploads.waiting,
  );
  const pool = database.poolStats;
  if (pool) {
    telemetry.gauge('database_connections', 'Open database connections', () => pool().total);
    telemetry.gauge('database_connections_idle', 'Idle database connections', () => pool().idle);
    telemetry.gauge('database_waiting', 'Queries waiting for a database connection', () => pool().waiting);
  }
}

/** A newcomer's `npm start` shows a working board; production never adds data of its own. */
async function loadDemoJobsIfEmpty(database: Database, count: number, logger: Logger) {
  const store = createJobStore(database);
  if ((await store.countActive()) > 0) return;
  const started = performance.now();
  const result = await seedDemoJobs(store, loadOnetJobData(), { count, now: new Date() });
  logger.info('demo jobs loaded', { created: result.created, ms: Math.round(performance.now() - started) });
}

/**
 * The HTTP server for the app, with every timeout set on purpose rather than left at Node's
 * defaults (300 s for a request body): headers must arrive within HTTP_HEADERS_TIMEOUT_MS, the
 * whole request within HTTP_REQUEST_TIMEOUT_MS, and an idle keep-alive connection closes after
 * HTTP_KEEP_ALIVE_TIMEOUT_MS. Node checks the first two every `connectionsCheckingInterval`.
 */
export function listen(
  app: AppType,
  config: Config,
  options: { port: number; hostname?: string; onListening?: (info: AddressInfo) => void },
): ServerType {
  return serve(
    {
      fetch: withCompression(app.fetch),
      port: options.port,
      hostname: options.hostname,
      serverOptions: {
        headersTimeout: config.HTTP_HEADERS_TIMEOUT_MS,
        requestTimeout: config.HTTP_REQUEST_TIMEOUT_MS,
        keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
        connectionsCheckingInterval: 1_000,
      },
    },
    options.onListening,
  );
}
