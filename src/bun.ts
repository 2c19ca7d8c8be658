import { runEntry } from './node/entry';

/** What this entry uses of Bun's API (the types are Bun's own; not installed for the type check). */
declare const Bun: {
  serve(options: { port: number; fetch: (request: Request) => Response | Promise<Response> }): {
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void>;
  };
};

/**
 * Bun entry (`npm run start:bun`): the same app and wiring as Node (src/node/entry.ts), served by
 * `Bun.serve`, Hono's Bun adapter. Bun runs the Node wiring through its Node compatibility: libSQL,
 * worker threads, child processes.
 */
runEntry((app, _config, port, onListening) => {
  const server = Bun.serve({ port, fetch: app.fetch });
  onListening(server.port);
  return { close: () => server.stop() };
});
