import { ConfigError } from '../config';
import { createJsonLogger, describeError } from '../logger';
import { loadNodeConfig } from './environment';
import { listen, prepareNodeApp } from './server';

/** Node entry: config from the environment and `.env`, the app, the server, graceful shutdown. */
async function main() {
  const config = loadNodeConfig();
  const logger = createJsonLogger((line) => process.stdout.write(`${line}\n`), {}, config.LOG_LEVEL);
  const { app, database, close, auth } = await prepareNodeApp(config, { logger });

  const server = listen(app, config, {
    port: config.PORT,
    onListening: (info) =>
      logger.info('listening', { port: info.port, url: `http://localhost:${info.port}`, auth }),
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    // Stop accepting; in-flight requests finish; idle keep-alive sockets are closed.
    server.close(async () => {
      await close().catch((err: unknown) =>
        logger.error('stopping the skills services failed', describeError(err)),
      );
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

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : `Start-up failed: ${(err as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
