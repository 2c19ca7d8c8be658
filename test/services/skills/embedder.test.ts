import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DependencyUnavailableError } from '../../../src/errors';
import {
  cosine,
  createHashingEmbedder,
  createOpenAIEmbedder,
  EmbeddingsRequestError,
} from '../../../src/services/skills/embedder';
import { within } from '../../support/deadline';

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** Labels ranked by similarity to a query, best first. */
async function ranked(query: string, labels: string[]) {
  const embedder = createHashingEmbedder();
  const [q, ...vs] = await embedder.embed([query, ...labels]);
  return labels
    .map((label, i) => ({ label, score: cosine(q!, vs[i]!) }))
    .sort((a, b) => b.score - a.score)
    .map((r) => r.label);
}

describe('the hashing embedder', () => {
  const embedder = createHashingEmbedder();

  it('names its algorithm, version and dimension', () => {
    expect(embedder.name).toBe('hashing-ngram-v1-384');
    expect(embedder.dimension).toBe(384);
    expect(createHashingEmbedder({ dimension: 256 }).name).toBe('hashing-ngram-v1-256');
    expect(() => createHashingEmbedder({ dimension: 3 })).toThrow(/dimension/);
  });

  it('is deterministic, unit length and of its dimension', async () => {
    const texts = ['Kubernetes', 'project management', 'C++', 'Résumé writing', ''];
    const a = await embedder.embed(texts);
    const b = await createHashingEmbedder().embed(texts);
    expect(a).toEqual(b);
    for (const v of a.slice(0, 4)) {
      expect(v).toHaveLength(384);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
    // A text without words has no features: the zero vector, not NaN.
    expect(a[4]!.every((x) => x === 0)).toBe(true);
    expect(await createHashingEmbedder({ dimension: 128 }).embed(['x'])).toSatisfy(
      (vs: number[][]) => vs[0]!.length === 128,
    );
  });

  it('folds case and accents', async () => {
    const [a, b, c, d] = await embedder.embed([
      'Résumé Writing',
      'resume writing',
      'RESUME WRITING',
      'Ångström',
    ]);
    expect(cosine(a!, b!)).toBeCloseTo(1, 10);
    expect(cosine(b!, c!)).toBeCloseTo(1, 10);
    const [e] = await embedder.embed(['angstrom']);
    expect(cosine(d!, e!)).toBeCloseTo(1, 10);
  });

  it('keeps C, C++ and C# apart', async () => {
    const [c, cpp, csharp] = await embedder.embed(['C', 'C++', 'C#']);
    expect(cosine(c!, cpp!)).toBeLessThan(0.5);
    expect(cosine(cpp!, csharp!)).toBeLessThan(0.5);
  });

  it('puts "javascript" nearer "JavaScript" and "java script" than "Java" or "TypeScript"', async () => {
    const order = await ranked('javascript', ['Java', 'TypeScript', 'java script', 'JavaScript']);
    expect(order.slice(0, 2)).toEqual(['JavaScript', 'java script']);
  });

  it('forgives small typos', async () => {
    const labels = ['Kubernetes', 'Kotlin', 'Kibana', 'Kerberos', 'Docker', 'Kubeflow', 'network security'];
    expect((await ranked('kubernets', labels))[0]).toBe('Kubernetes');
    expect((await ranked('javascirpt', ['Java', 'JavaScript', 'Javadoc', 'JScript']))[0]).toBe('JavaScript');
    expect((await ranked('postgre sql', ['PostgreSQL', 'MySQL', 'SQL Server', 'Post production']))[0]).toBe(
      'PostgreSQL',
    );
  });

  it('weighs shared words: "machine learning" is nearest "machine learning engineering"', async () => {
    expect(
      (
        await ranked('machine learning', [
          'machine translation',
          'learning management',
          'Machine Learning Engineering',
        ])
      )[0],
    ).toBe('Machine Learning Engineering');
  });

  // How fast is a benchmark's question (`npm run bench:skills` times the ontology's 20,000 labels).
  it('embeds 20 000 short labels, one vector each', async () => {
    const labels = Array.from({ length: 20_000 }, (_, i) => `skill label ${i} manage systems ${i % 97}`);
    const vectors = await embedder.embed(labels);
    expect(vectors).toHaveLength(20_000);
    expect(new Set(vectors.map((v) => v.length))).toEqual(new Set([vectors[0]!.length]));
  });

  it('computes cosine', () => {
    expect(cosine([1, 0], [0, 1])).toBe(0);
    expect(cosine([1, 1], [2, 2])).toBeCloseTo(1, 12);
    expect(cosine([0, 0], [1, 0])).toBe(0);
    expect(() => cosine([1], [1, 2])).toThrow(/lengths/);
  });
});

describe('the OpenAI-compatible embedder against a loopback server', () => {
  const KEY = 'sk-test-secret-key-1234567890';
  let server: Server;
  let baseUrl: string;
  let requests: { path: string; auth: string | undefined; body: { model: string; input: string[] } }[];
  /** What the next requests answer; default: 3-d vectors derived from the text, data in reverse order. */
  let respond: (body: { input: string[] }, res: ServerResponse) => void;

  const vectorFor = (text: string) => [text.length, 1, 0];
  const defaultRespond = (body: { input: string[] }, res: ServerResponse) => {
    const data = body.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: vectorFor(text),
    }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ object: 'list', data: data.reverse(), model: 'm' }));
  };

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (chunk) => {
        raw += chunk;
      });
      req.on('end', () => {
        const body = JSON.parse(raw);
        requests.push({ path: req.url ?? '', auth: req.headers.authorization, body });
        respond(body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections(); // the timeout test leaves a request unanswered
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    requests = [];
    respond = defaultRespond;
  });

  it('posts {model, input} with the key, batches by 256 and returns vectors in input order', async () => {
    const embedder = createOpenAIEmbedder({
      baseUrl: `${baseUrl}/`,
      model: 'text-embed-small',
      apiKey: KEY,
      fetch,
    });
    expect(embedder.name).toBe('openai:text-embed-small');
    const texts = Array.from({ length: 600 }, (_, i) => 'x'.repeat(i + 1));
    const vectors = await embedder.embed(texts);
    expect(requests.map((r) => r.body.input.length)).toEqual([256, 256, 88]);
    expect(requests[0]).toMatchObject({
      path: '/v1/embeddings',
      auth: `Bearer ${KEY}`,
      body: { model: 'text-embed-small' },
    });
    expect(Object.keys(requests[0]!.body).sort()).toEqual(['input', 'model']);
    expect(embedder.dimension).toBe(3);
    // In input order despite the reversed answers, and unit length.
    texts.forEach((text, i) => {
      const expected = vectorFor(text);
      expect(cosine(vectors[i]!, expected)).toBeCloseTo(1, 10);
      expect(norm(vectors[i]!)).toBeCloseTo(1, 10);
    });
  });

  it('learns its dimension with init() and refuses vectors of another length', async () => {
    const embedder = createOpenAIEmbedder({ baseUrl, model: 'm', fetch });
    expect(() => embedder.dimension).toThrow(/init\(\)/);
    await embedder.init();
    expect(embedder.dimension).toBe(3);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.auth).toBeUndefined();
    await embedder.init(); // known now: no second probe
    expect(requests).toHaveLength(1);

    const given = createOpenAIEmbedder({ baseUrl, model: 'm', fetch, dimension: 1536 });
    await given.init();
    expect(requests).toHaveLength(1);
    await expect(given.embed(['a'])).rejects.toThrow(/3-d vectors, expected 1536-d/);
  });

  it('turns 5xx, 429 and unreachable endpoints into DependencyUnavailableError without the key', async () => {
    const embedder = createOpenAIEmbedder({ baseUrl, model: 'm', apiKey: KEY, fetch });
    respond = (_body, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `upstream broke for key ${KEY}` } }));
    };
    const err = await embedder.embed(['a']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect((err as DependencyUnavailableError).dependency).toBe('vector_store');
    expect((err as Error).message).toMatch(/HTTP 500: upstream broke/);
    expect((err as Error).message).not.toContain(KEY);

    respond = (_body, res) => {
      res.writeHead(429);
      res.end('slow down');
    };
    await expect(embedder.embed(['a'])).rejects.toBeInstanceOf(DependencyUnavailableError);

    const { createServer: createNetServer } = await import('node:net');
    const closed = await new Promise<number>((resolve) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const down = createOpenAIEmbedder({
      baseUrl: `http://127.0.0.1:${closed}/v1`,
      model: 'm',
      apiKey: KEY,
      fetch,
    });
    const downErr = await down.embed(['a']).catch((e: unknown) => e);
    expect(downErr).toBeInstanceOf(DependencyUnavailableError);
    expect((downErr as Error).message).toMatch(/ECONNREFUSED/);
    expect((downErr as Error).message).not.toContain(KEY);
  });

  it('bounds each request with a timeout', async () => {
    respond = () => {}; // never answers
    const embedder = createOpenAIEmbedder({ baseUrl, model: 'm', fetch, timeoutMs: 150 });
    const err = await within(
      embedder.embed(['a']).catch((e: unknown) => e),
      10_000,
      'an embedder whose provider never answers',
    );
    expect(err).toBeInstanceOf(DependencyUnavailableError);
    expect((err as Error).message).toMatch(/no answer within 150 ms/);
  });

  it("reports a 4xx with the provider's message and never the key", async () => {
    respond = (_body, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error' },
        }),
      );
    };
    const embedder = createOpenAIEmbedder({ baseUrl, model: 'm', apiKey: KEY, fetch });
    const err = await embedder.embed(['a']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddingsRequestError);
    expect(err).not.toBeInstanceOf(DependencyUnavailableError);
    expect((err as EmbeddingsRequestError).status).toBe(401);
    expect((err as Error).message).toMatch(/HTTP 401\): Incorrect API key provided: \*\*\*/);
    expect((err as Error).message).not.toContain(KEY);

    respond = (_body, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: "model 'nope' not found" } }));
    };
    await expect(embedder.embed(['a'])).rejects.toThrow(/model 'nope' not found/);
  });
});
