import { type AppType, createApp } from '../app';
import { type Config, ConfigError } from '../config';
import type { Database } from '../db/database';
import { createJobStore } from '../db/jobs';
import type { Logger } from '../logger';
import { localJwks } from '../services/auth/verifier';
import { seedDemoJobs } from '../services/jobs/demo-seed';
import { s3StorageFromConfig } from '../services/storage/from-config';
import { migrateDatabase, openNodeDatabase } from './database';
import { devKeyFile, loadDevIssuer } from './dev-issuer';
import { createLocalStorage } from './local-storage';
import { loadOnetJobData } from './onet-data';

/**
 * Everything the Node server does before it listens: the token issuer (Auth0, or the development
 * issuer outside production), the database and its migrations, demo jobs for an empty board, and
 * the app. Shared by the entry (src/node/main.ts) and the benchmark, so both run the same wiring.
 */
export async function prepareNodeApp(
  config: Config,
  options: { logger: Logger; devKeyFile?: string },
): Promise<{ app: AppType; database: Database }> {
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

  const database = openNodeDatabase(config);
  if (config.MIGRATE_ON_START) {
    await migrateDatabase(database);
    logger.info('migrations applied', { dialect: database.dialect, driver: database.driver });
  }
  if (!config.isProduction && config.DEMO_JOBS > 0)
    await loadDemoJobsIfEmpty(database, config.DEMO_JOBS, logger);

  // Local disk when no bucket is configured: a newcomer needs no account.
  const storage = s3StorageFromConfig(config, { logger }) ?? createLocalStorage(config.UPLOAD_DIR);
  if (storage.kind === 'local')
    logger.info('resume files are stored on local disk', { folder: config.UPLOAD_DIR });

  return { app: createApp({ config, database, logger, tokenIssuer, storage }), database };
}

/** A newcomer's `npm start` shows a working board; production never adds data of its own. */
async function loadDemoJobsIfEmpty(database: Database, count: number, logger: Logger) {
  const store = createJobStore(database);
  if ((await store.countActive()) > 0) return;
  const started = performance.now();
  const result = await seedDemoJobs(store, loadOnetJobData(), { count, now: new Date() });
  logger.info('demo jobs loaded', { created: result.created, ms: Math.round(performance.now() - started) });
}
