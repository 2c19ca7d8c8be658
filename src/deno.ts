import { runEntry } from './node/entry';

/** What this entry uses of Deno's API (the types are Deno's own; not installed for the type check). */
declare const Deno: {
  serve(
    options: { port: number; onListen?: (address: { port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
};

/**
 * Deno entry (`npm run start:deno`): the same app and wiring as Node (src/node/entry.ts), served by
 * `Deno.serve`, Hono's Deno adapter, with the npm packages of node_modules (Deno's Node
 * compatibility runs libSQL, worker threads and child processes).
 */
runEntry((app, _config, port, onListening) => {
  const server = Deno.serve({ port, onListen: (address) => onListening(address.port) }, app.fetch);
  return { close: () => server.shutdown() };
});
