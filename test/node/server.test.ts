import type { Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import { listen } from '../../src/node/server';
import { localTestStorage } from '../support/app';

describe('listen (the Node HTTP server)', () => {
  const config = parseConfig({
    NODE_ENV: 'test',
    AUTH0_DOMAIN: 'tenant.example.com',
    AUTH0_AUDIENCE: 'https://api.example.com',
    HTTP_HEADERS_TIMEOUT_MS: '7000',
    HTTP_REQUEST_TIMEOUT_MS: '45000',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '3000',
  });
  const database = createLibsqlDatabase(':memory:');
  const app = createApp({ config, database, storage: localTestStorage() });
  let server: Server | undefined;
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await database.close();
  });

  it('sets every timeout from the configuration instead of Node’s defaults (300 s for a body)', async () => {
    const listening = await new Promise<Server>((resolve) => {
      const started = listen(app, config, {
        port: 0,
        hostname: '127.0.0.1',
        onListening: () => resolve(started as Server),
      });
    });
    server = listening;
    expect(listening.headersTimeout).toBe(7000);
    expect(listening.requestTimeout).toBe(45000);
    expect(listening.keepAliveTimeout).toBe(3000);
    const { port } = listening.address() as { port: number };
    expect((await fetch(`http://127.0.0.1:${port}/api/ping`)).status).toBe(200);
  });
});
