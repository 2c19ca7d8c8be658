import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { createServer, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ChromaClient } from 'chromadb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DependencyUnavailableError } from '../../../src/errors';
import { freePort, startChromaServer } from '../../../src/node/chroma-server';
import { createHashingEmbedder } from '../../../src/services/skills/embedder';
import { createVectorStore, EmbedderMismatchError } from '../../../src/services/skills/vector-store';
import { within } from '../../support/deadline';

/** The run's Chroma, started once by test/support/global-setup.ts. */
const chromaUrl = inject('chroma');
const embedder = createHashingEmbedder();
/** Every test its own collection: the server is shared by the whole run. */
const uniqueName = (label: string) => `t-${label}-${randomUUID().slice(0, 8)}`;

async function expectUnavailable(promise: Promise<unknown>, message?: RegExp) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DependencyUnavailableError);
  expect((err as DependencyUnavailableError).dependency).toBe('vector_store');
  if (message) expect((err as Error).message).toMatch(message);
}

const skills = [
  { id: 'js', text: 'JavaScript', metadata: { type: 'technology', hot: true } },
  { id: 'java', text: 'Java', metadata: { type: 'technology', hot: true } },
  { id: 'k8s', text: 'Kubernetes', metadata: { type: 'technology', hot: true } },
  { id: 'pm', text: 'project management', metadata: { type: 'skill', hot: false } },
  { id: 'ml', text: 'machine learning', metadata: { type: 'knowledge', hot: false } },
  { id: 'welding', text: 'welding', metadata: { type: 'skill', hot: false } },
];

describe('the vector store against a real Chroma', () => {
  const store = createVectorStore({ url: chromaUrl, embedder });

  it('answers the heartbeat', async () => {
    const { latencyMs } = await store.heartbeat();
    expect(latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('creates a collection, upserts texts and ranks queries by cosine similarity', async () => {
    const collection = store.collection(uniqueName('rank'));
    await collection.ensure();
    await collection.upsert(skills);
    expect(await collection.count()).toBe(skills.length);

    const [forJs, forK8s, forPm] = await collection.query(['java script', 'kubernets', 'managing projects'], {
      k: 3,
    });
    expect(forJs![0]).toMatchObject({
      id: 'js',
      document: 'JavaScript',
      metadata: { type: 'technology', hot: true },
    });
    expect(forJs!.map((m) => m.id)).toContain('java');
    expect(forK8s![0]!.id).toBe('k8s');
    expect(forPm![0]!.id).toBe('pm');
    for (const list of [forJs!, forK8s!, forPm!]) {
      expect(list).toHaveLength(3);
      const scores = list.map((m) => m.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    }
    const [exact] = await collection.query(['Kubernetes'], { k: 1 });
    expect(exact![0]!.score).toBeCloseTo(1, 4);

    // Metadata filters narrow the candidates.
    const [filtered] = await collection.query(['java script'], { k: 5, where: { type: 'skill' } });
    expect(filtered!.map((m) => m.id).sort()).toEqual(['pm', 'welding']);

    // Upserting the same ids again replaces, it does not add.
    await collection.upsert([{ id: 'welding', text: 'arc welding', metadata: { type: 'skill', hot: true } }]);
    expect(await collection.count()).toBe(skills.length);
    expect(await collection.get(['welding'])).toEqual([
      { id: 'welding', document: 'arc welding', metadata: { type: 'skill', hot: true } },
    ]);
  });

  it('tells which ids exist, deletes by id and finds ids by metadata', async () => {
    const collection = store.collection(uniqueName('ids'));
    await collection.upsert(skills); // opens (creates) the collection itself
    await store.collection(uniqueName('fresh')).ensure({ reset: true }); // reset of a missing one is fine
    expect(await collection.getExistingIds(['js', 'nope', 'k8s', 'js'])).toEqual(new Set(['js', 'k8s']));
    expect(await collection.getExistingIds([])).toEqual(new Set());
    expect((await collection.findIds({ hot: true })).sort()).toEqual(['java', 'js', 'k8s']);
    await collection.delete(['js', 'java']);
    expect(await collection.count()).toBe(skills.length - 2);
    expect(await collection.getExistingIds(['js', 'k8s'])).toEqual(new Set(['k8s']));
  });

  it('upserts records with and without metadata together (Chroma refuses empty metadata)', async () => {
    const collection = store.collection(uniqueName('mixed'));
    await collection.ensure();
    await collection.upsert([
      { id: 'with', text: 'Python', metadata: { type: 'technology' } },
      { id: 'without', text: 'JavaScript' },
    ]);
    const records = await collection.get(['with', 'without']);
    expect(records.map((r) => [r.id, r.metadata]).sort()).toEqual([
      ['with', { type: 'technology' }],
      ['without', {}],
    ]);
  });

  it('keeps embedder, dimension and extra fields in the collection metadata', async () => {
    const name = uniqueName('meta');
    const collection = store.collection(name);
    await collection.ensure();
    expect(await collection.metadata()).toEqual({ embedder: 'hashing-ngram-v1-384', dimension: 384 });
    await collection.setMetadata({ ontology_version: '2024-01', embedder: 'sneaky' });
    await collection.setMetadata({ seed_status: 'complete' });
    // Another client (another process) sees the merged metadata.
    const elsewhere = createVectorStore({ url: chromaUrl, embedder });
    expect(await elsewhere.collection(name).metadata()).toEqual({
      embedder: 'hashing-ngram-v1-384',
      dimension: 384,
      ontology_version: '2024-01',
      seed_status: 'complete',
    });
  });

  it('refuses a collection built with another embedder or dimension, until reset', async () => {
    const name = uniqueName('mismatch');
    await store.collection(name).upsert(skills.slice(0, 2));

    const other = createVectorStore({ url: chromaUrl, embedder: createHashingEmbedder({ dimension: 256 }) });
    const err = await other
      .collection(name)
      .ensure()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbedderMismatchError);
    expect((err as Error).message).toBe(
      `Collection ${name} was built with hashing-ngram-v1-384 (384-d); this server embeds with ` +
        'hashing-ngram-v1-256 (256-d). Re-seed it with `npm run skills:seed -- --reset`.',
    );
    // Every operation goes through the check, not only ensure().
    await expect(other.collection(name).query(['java'])).rejects.toBeInstanceOf(EmbedderMismatchError);

    await other.collection(name).ensure({ reset: true });
    expect(await other.collection(name).count()).toBe(0);
    expect((await other.collection(name).metadata()).embedder).toBe('hashing-ngram-v1-256');
    // ...and now the first embedder is the one refused.
    await expect(store.collection(name).ensure()).rejects.toBeInstanceOf(EmbedderMismatchError);
  });

  it('refuses a collection another program made (no Jobmate metadata), naming the command that rebuilds it', async () => {
    const name = uniqueName('foreign');
    // As the Flask backend's Chroma folder has it: a collection of the same name, none of our metadata.
    await new ChromaClient({ path: chromaUrl }).createCollection({ name, embeddingFunction: null });
    const err = await store
      .collection(name)
      .ensure()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbedderMismatchError);
    expect((err as Error).message).toBe(
      `Collection ${name} was not made by Jobmate (it has no embedder metadata), so its vectors cannot ` +
        "be compared with this server's (hashing-ngram-v1-384, 384-d). Rebuild it with " +
        '`npm run skills:seed -- --reset` (or point CHROMA_URL elsewhere).',
    );
    await store.collection(name).ensure({ reset: true });
    expect((await store.collection(name).metadata()).embedder).toBe('hashing-ngram-v1-384');
  });

  it('keeps client mistakes as ordinary errors', async () => {
    const collection = store.collection(uniqueName('mistake'));
    await collection.ensure();
    await expect(collection.upsertVectors([{ id: 'a', vector: [1, 0, 0] }])).rejects.toThrow(/length 3/);
    expect(store.collection('same')).toBe(store.collection('same'));
    const badName = store.collection('x');
    const err = await badName.ensure().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(DependencyUnavailableError);
  });
});

describe('a Chroma behind a path prefix (a reverse proxy at /chroma)', () => {
  it('keeps the prefix of CHROMA_URL for every call', async () => {
    const seen: string[] = [];
    const target = new URL(chromaUrl);
    // Forwards /chroma/... to the run's Chroma; anything else is a 404, as a proxy would answer.
    const proxy = createHttpServer((req, res) => {
      seen.push(req.url ?? '');
      if (!req.url?.startsWith('/chroma/')) {
        res.writeHead(404).end();
        return;
      }
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url.slice('/chroma'.length),
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const { port } = proxy.address() as { port: number };
    try {
      const prefixed = createVectorStore({ url: `http://127.0.0.1:${port}/chroma/`, embedder });
      await prefixed.heartbeat();
      const collection = prefixed.collection(uniqueName('prefixed'));
      await collection.upsert(skills.slice(0, 2));
      expect(await collection.count()).toBe(2);
      expect(seen.length).toBeGreaterThan(2);
      expect(seen.every((path) => path.startsWith('/chroma/api/'))).toBe(true);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});

describe('the vector store when Chroma is not there', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('reports a port nobody listens on as unavailable, without waiting for a timeout', async () => {
    const port = await freePort();
    // The store's timeout is far above the deadline: only a refused connection answers in time.
    const store = createVectorStore({ url: `http://127.0.0.1:${port}`, embedder, timeoutMs: 120_000 });
    await within(
      (async () => {
        await expectUnavailable(
          store.heartbeat(),
          new RegExp(`Chroma at http://127.0.0.1:${port} is unreachable`),
        );
        await expectUnavailable(store.collection('skills_ontology').query(['java']));
      })(),
      20_000,
      'a Chroma port nobody listens on',
    );
  });

  it('gives up on a Chroma that accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const store = createVectorStore({ url: `http://127.0.0.1:${port}`, embedder, timeoutMs: 200 });
      await within(
        (async () => {
          await expectUnavailable(store.heartbeat(), /no answer within 200 ms/);
          await expectUnavailable(store.collection('skills_ontology').ensure(), /no answer within 200 ms/);
        })(),
        10_000,
        'a Chroma that never answers',
      );
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('reports a Chroma that stopped mid-way as unavailable', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jobmate-chroma-stop-'));
    dirs.push(dir);
    const server = await startChromaServer({ persistDir: dir });
    const store = createVectorStore({ url: server.url, embedder });
    const collection = store.collection('skills_ontology');
    try {
      await collection.upsert(skills);
      expect((await collection.query(['kubernets'], { k: 1 }))[0]![0]!.id).toBe('k8s');
    } finally {
      await server.stop();
    }
    await expectUnavailable(collection.query(['kubernets'], { k: 1 }), /unreachable/);
    await expectUnavailable(collection.count());
    await expectUnavailable(store.heartbeat());
  });
});
