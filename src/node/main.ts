import { runEntry } from './entry';
import { listen } from './server';

/** Node entry (`npm start`): @hono/node-server, with compression and Node's HTTP timeouts. */
runEntry((app, config, port, onListening) => {
  const server = listen(app, config, { port, onListening: (info) => onListening(info.port) });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        // Stop accepting; in-flight requests finish; idle keep-alive sockets are closed.
        server.close(() => resolve());
        if ('closeIdleConnections' in server) server.closeIdleConnections();
      }),
  };
});
