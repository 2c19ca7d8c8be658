import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminClient, ChromaClient } from 'chromadb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfig } from '../../../src/config';
import { DependencyUnavailableError } from '../../../src/errors';
import { chromaConnection } from '../../../src/services/skills/chroma-connection';
import { createHashingEmbedder } from '../../../src/services/skills/embedder';
import { createVectorStore } from '../../../src/services/skills/vector-store';

/** The run's Chroma, started once by test/support/global-setup.ts. */
const chromaUrl = inject('chroma');
const embedder = createHashingEmbedder();

describe('the Chroma connection from the configuration', () => {
  const connection = (env: Record<string, string>) =>
    chromaConnection(parseConfig(env), 'https://chroma.example');

  it('sends CHROMA_API_KEY as x-chroma-token, with the tenant and database', () => {
    expect(connection({ CHROMA_API_KEY: 'ck-1', CHROMA_TENANT: 't1', CHROMA_DATABASE: 'jobs' })).toEqual({
      url: 'https://chroma.example',
      headers: { 'x-chroma-token': 'ck-1' },
      tenant: 't1',
      database: 'jobs',
    });
  });

  it('sends CHROMA_AUTH_TOKEN as a bearer token, or in X-Chroma-Token when told', () => {
    expect(connection({ CHROMA_AUTH_TOKEN: 's3cret' }).headers).toEqual({ authorization: 'Bearer s3cret' });
    expect(
      connection({ CHROMA_AUTH_TOKEN: 's3cret', CHROMA_AUTH_TOKEN_TRANSPORT_HEADER: 'X-Chroma-Token' })
        .headers,
    ).toEqual({ 'x-chroma-token': 's3cret' });
  });

  it('sends nothing extra by default', () => {
    expect(connection({})).toEqual({ url: 'https://chroma.example' });
  });
});

describe('a token-protected Chroma, with a database of its own', () => {
  const token = randomUUID();
  const database = `jobmate_${randomUUID().slice(0, 8)}`;
  let proxy: Server;
  let proxyUrl: string;
  const seen: (string | undefined)[] = [];

  beforeAll(async () => {
    // In front of the run's Chroma: refuses every request without the token, as Chroma's token
    // auth does, and passes the rest through.
    const target = new URL(chromaUrl);
    proxy = createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'Unauthorized' }));
        return;
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const admin = new AdminClient({ host: target.hostname, port: Number(target.port), ssl: false });
    await admin.createDatabase({ name: database, tenant: 'default_tenant' });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  it('works with CHROMA_AUTH_TOKEN, CHROMA_TENANT and CHROMA_DATABASE, and keeps collections in that database', async () => {
    const config = parseConfig({
      CHROMA_AUTH_TOKEN: token,
      CHROMA_TENANT: 'default_tenant',
      CHROMA_DATABASE: database,
    });
    const store = createVectorStore({ ...chromaConnection(config, proxyUrl), embedder });
    const collection = store.collection('skills-auth');
    await collection.upsert([{ id: 'weld', text: 'welding', metadata: { type: 'skill' } }]);
    expect(await collection.count()).toBe(1);
    // A sibling store (another embedder) keeps the credentials and the database.
    const sibling = store.withEmbedder(createHashingEmbedder()).collection('skills-auth-2');
    await sibling.upsert([{ id: 'pm', text: 'project management', metadata: { type: 'skill' } }]);
    expect(await sibling.count()).toBe(1);
    // In that database, not in the default one.
    const target = new URL(chromaUrl);
    const names = async (db?: string) =>
      (
        await new ChromaClient({
          host: target.hostname,
          port: Number(target.port),
          ssl: false,
          database: db,
        }).listCollections()
      ).map((c) => c.name);
    expect(await names(database)).toEqual(expect.arrayContaining(['skills-auth', 'skills-auth-2']));
    expect(await names()).not.toContain('skills-auth');
  });

  it('answers vector_store unavailable without the token', async () => {
    const store = createVectorStore({ url: proxyUrl, embedder });
    const err = await store
      .collection('skills-auth')
      .count()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect((err as Error).message).toMatch(/credentials refused.*CHROMA_AUTH_TOKEN/);
    expect(seen).toContain(undefined);
  });
});
