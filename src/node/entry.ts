import type { AppType } from '../app';
import { type Config, ConfigError } from '../config';
import { createJsonLogger, describeError } from '../logger';
import { loadNodeConfig } from './environment';
import { prepareNodeApp } from './server';
import { stdoutLines } from './stdout-lines';

/** A listening HTTP server, as each runtime's own adapter gives one. */
export interface RunningServer {
  /** Stops accepting; resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

/** Serves the app on `port` with the runtime's server; calls `onListening` with the bound port. */
export type Serve = (
  app: AppType,
  config: Config,
  port: number,
  onListening: (port: number) => void,
) => RunningServer;

/**
 * An entry: config from the environment and `.env`, the app with the Node wiring (database,
 * storage, skills, documents: src/node/server.ts), served by `serve`, stopped cleanly on SIGTERM or
 * SIGINT. Node (src/node/main.ts), Bun (src/bun.ts) and Deno (src/deno.ts) differ only in `serve`:
 * each runtime's own server, as Hono's adapters use it.
 */
export function runEntry(serve: Serve): void {
  start(serve).catch((err: unknown) => {
    const message = err instanceof ConfigError ? err.message : `Start-up failed: ${(err as Error).message}`;
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}

async function start(serve: Serve) {
  const config = loadNodeConfig();
  const logger = createJsonLogger(stdoutLines(), {}, config.LOG_LEVEL);
  const { app, database, close, auth } = await prepareNodeApp(config, { logger });

  const server = serve(app, config, config.PORT, (port) =>
    logger.info('listening', { port, url: `http://localhost:${port}`, auth }),
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    setTimeout(() => {
      logger.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, 10_000).unref();
    void (async () => {
      await server.close();
      await close().catch((err: unknown) =>
        logger.error('stopping the skills services failed', describeError(err)),
      );
      await database
        .close()
        .catch((err: unknown) => logger.error('closing the database failed', describeError(err)));
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
