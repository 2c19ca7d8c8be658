import { serve } from '@hono/node-server';
import { createApp } from '../app';
import { ConfigError } from '../config';
import type { Database } from '../db/database';
import { createJobStore } from '../db/jobs';
import { createJsonLogger, describeError, type Logger } from '../logger';
import { localJwks } from '../services/auth/verifier';
import { seedDemoJobs } from '../services/jobs/demo-seed';
import { migrateDatabase, openNodeDatabase } from './database';
import { loadDevIssuer } from './dev-issuer';
import { loadNodeConfig } from './environment';
import { loadOnetJobData } from './onet-data';

/** Node entry: config from the environment and `.env`, migrations, the server, graceful shutdown. */
async function main() {
  const logger = createJsonLogger((line) => process.stdout.write(`${line}\n`));
  let config: ReturnType<typeof loadNodeConfig>;
  try {
    config = loadNodeConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  let tokenIssuer: Parameters<typeof createApp>[0]['tokenIssuer'];
  if (!config.auth0Issuer) {
    if (config.isProduction) {
      process.stderr.write('Invalid configuration:\n  - AUTH0_DOMAIN: is required in production\n');
      process.exit(1);
    }
    const dev = await loadDevIssuer();
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

  const app = createApp({ config, database, logger, tokenIssuer });
  const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
    logger.info('listening', { port: info.port, url: `http://localhost:${info.port}` });
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Stop accepting; in-flight requests finish; idle keep-alive sockets are closed.
    server.close(async () => {
      await database
        .close()
        .catch((err: unknown) => logger.error('closing the database failed', describeError(err)));
      logger.info('stopped');
      process.exit(0);
    });
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    setTimeout(() => {
      logger.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

/** A newcomer's `npm start` shows a working board; production never adds data of its own. */
async function loadDemoJobsIfEmpty(database: Database, count: number, logger: Logger) {
  const store = createJobStore(database);
  if ((await store.countActive()) > 0) return;
  const started = performance.now();
  const result = await seedDemoJobs(store, loadOnetJobData(), { count, now: new Date() });
  logger.info('demo jobs loaded', { created: result.created, ms: Math.round(performance.now() - started) });
}

main().catch((err: unknown) => {
  process.stderr.write(`Start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
