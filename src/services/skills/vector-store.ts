import {
  ChromaClient,
  ChromaConnectionError,
  ChromaForbiddenError,
  ChromaNotFoundError,
  ChromaServerError,
  ChromaUnauthorizedError,
  type Collection,
  type Metadata,
  type Where,
} from 'chromadb';
import { DependencyUnavailableError } from '../../errors';
import { type Logger, silentLogger } from '../../logger';
import { noTelemetry, type Telemetry } from '../telemetry';
import type { Embedder } from './embedder';

/**
 * A thin, typed wrapper over the chromadb 3.x client for our collections. We always pass vectors
 * ourselves (collections are created with `embeddingFunction: null`, cosine HNSW), store the
 * embedder's name and dimension in the collection metadata and refuse to mix embedders.
 *
 * Failures: a Chroma that is down, hangs (every call is bounded by `timeoutMs`) or answers 5xx
 * becomes `DependencyUnavailableError('vector_store')` (503 `vector_store_unavailable`); client
 * mistakes (bad ids, wrong dimension, invalid names) stay ordinary errors.
 *
 * The chromadb client cannot take a custom `fetch` (3.5.0 always calls the global one), so there is
 * no `fetch` option. A timed-out request is abandoned, not aborted: the client offers no per-call
 * signal.
 */

export type VectorMetadata = Record<string, string | number | boolean>;

export interface VectorItem {
  id: string;
  /** Embedded by the store's embedder and stored as the record's document. */
  text: string;
  metadata?: VectorMetadata;
}

export interface VectorRecord {
  id: string;
  /** Must have the embedder's dimension (a vector made by the same embedder). */
  vector: number[];
  document?: string;
  metadata?: VectorMetadata;
}

export interface VectorMatch {
  id: string;
  /** 1 - cosine distance: 1 for the same direction, about 0 for unrelated texts. */
  score: number;
  metadata: VectorMetadata;
  document: string | null;
}

export interface QueryOptions {
  /** Matches per query text (default 10). */
  k?: number;
  /** A Chroma metadata filter, e.g. `{ type: 'technology' }` or `{ hot: true }`. */
  where?: Where;
  /** Ids and scores only (metadata `{}`, document null): less for Chroma to read and send. */
  idsOnly?: boolean;
}

export interface VectorCollection {
  readonly name: string;
  /**
   * Creates the collection (cosine HNSW, no server-side embedding function, metadata
   * `{ embedder, dimension }`) or opens it and checks it was built with this embedder; `reset`
   * deletes it first. Throws `EmbedderMismatchError` for a collection of another embedder.
   */
  ensure(options?: { reset?: boolean }): Promise<void>;
  /** Embeds the texts and upserts them by id (in batches of at most 1000). */
  upsert(items: VectorItem[]): Promise<void>;
  /** Upserts vectors made elsewhere with the same embedder. */
  upsertVectors(records: VectorRecord[]): Promise<void>;
  /** Best matches first, one list per text. */
  query(texts: string[], options?: QueryOptions): Promise<VectorMatch[][]>;
  queryVectors(vectors: number[][], options?: QueryOptions): Promise<VectorMatch[][]>;
  /** The subset of `ids` that exist. */
  getExistingIds(ids: string[]): Promise<Set<string>>;
  /** Records (without vectors) by id, in no particular order; missing ids are left out. */
  get(ids: string[]): Promise<{ id: string; metadata: VectorMetadata; document: string | null }[]>;
  /** Ids of the records that match a metadata filter (at most `limit`, default 10 000). */
  findIds(where: Where, limit?: number): Promise<string[]>;
  count(): Promise<number>;
  delete(ids: string[]): Promise<void>;
  /** The collection's metadata as stored now (includes `embedder` and `dimension`). */
  metadata(): Promise<VectorMetadata>;
  /** Merges `partial` into the collection metadata (`embedder`/`dimension` cannot be changed). */
  setMetadata(partial: VectorMetadata): Promise<void>;
}

export interface VectorStore {
  readonly url: string;
  readonly embedder: Embedder;
  /** The same object for the same name (it keeps the opened, checked collection). */
  collection(name: string): VectorCollection;
  /** Resolves with the round-trip time when Chroma answers; throws DependencyUnavailableError otherwise. */
  heartbeat(): Promise<{ latencyMs: number }>;
  /** A store on the same server, with the same credentials, tenant and database, and another embedder. */
  withEmbedder(embedder: Embedder): VectorStore;
}

export interface VectorStoreOptions {
  /** The Chroma server: `http(s)://host:port`, with a path prefix if it sits behind one. */
  url: string;
  embedder: Embedder;
  /** Upper bound on each Chroma call, default 5000 ms. */
  timeoutMs?: number;
  /** Extra headers on every request, e.g. `x-chroma-token` for a server with token auth. */
  headers?: Record<string, string>;
  /** Chroma's tenant and database (default: the server's `default_tenant` / `default_database`). */
  tenant?: string;
  database?: string;
  logger?: Logger;
  /** Each Chroma call counted, timed and traced as a `vector_store` call. */
  telemetry?: Telemetry;
}

/** The collection was built with another embedder (or dimension) than this server uses. */
export class EmbedderMismatchError extends Error {
  constructor(
    readonly collection: string,
    /** What the collection says it was built with; `embedder` undefined when it says nothing. */
    readonly stored: { embedder: string | undefined; dimension: number | undefined },
    readonly current: { embedder: string; dimension: number },
  ) {
    super(
      stored.embedder === undefined
        ? // A folder another program filled (the Flask backend's Chroma folder, say): same name, none of ours.
          `Collection ${collection} was not made by Jobmate (it has no embedder metadata), so its vectors ` +
            `cannot be compared with this server's (${current.embedder}, ${current.dimension}-d). ` +
            'Rebuild it with `npm run skills:seed -- --reset` (or point CHROMA_URL elsewhere).'
        : `Collection ${collection} was built with ${stored.embedder} (${stored.dimension ?? '?'}-d); ` +
            `this server embeds with ${current.embedder} (${current.dimension}-d). ` +
            'Re-seed it with `npm run skills:seed -- --reset`.',
    );
    this.name = 'EmbedderMismatchError';
  }
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET']);

/** A connection that broke after the request was sent (the client maps only failed connects). */
function isNetworkFailure(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, message, name } = current as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (name === 'TypeError' && (message === 'terminated' || message === 'fetch failed')) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Chroma's own limit is larger (server-reported); 1000 keeps requests small. */
const MAX_BATCH = 1000;

export function createVectorStore(options: VectorStoreOptions): VectorStore {
  const { embedder } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const logger = options.logger ?? silentLogger;
  const parsed = new URL(options.url);
  const ssl = parsed.protocol === 'https:';
  // A path prefix (a Chroma behind a reverse proxy at https://host/chroma) is kept.
  let prefix = parsed.pathname;
  while (prefix.endsWith('/')) prefix = prefix.slice(0, -1);
  const url = `${parsed.protocol}//${parsed.host}${prefix}`;
  const port = parsed.port ? Number(parsed.port) : ssl ? 443 : 80;
  const client = new ChromaClient({
    host: parsed.hostname,
    // The client builds its base URL as `${scheme}://${host}:${port}` and has no option for a
    // path (its deprecated `path` drops it too): the prefix rides after the port. The test with a
    // prefixed proxy (test/services/skills/vector-store.test.ts) holds the client to it.
    port: (prefix ? `${port}${prefix}` : port) as number,
    ssl,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.database ? { database: options.database } : {}),
  });

  const unavailable = (detail: string, cause?: unknown) =>
    new DependencyUnavailableError('vector_store', `Chroma at ${url} is unreachable: ${detail}`, { cause });

  /** Runs one client call with the timeout and the error mapping. */
  const telemetry = options.telemetry ?? noTelemetry;
  // Named by the verb of `what` ("querying skills_v1" -> querying): collection names stay out of labels.
  const call = <T>(what: string, run: () => Promise<T>): Promise<T> =>
    telemetry.call('vector_store', what.split(' ', 1)[0] ?? what, () => timedCall(what, run));
  const timedCall = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pending = run();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(unavailable(`${what} got no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([pending, timeout]);
    } catch (err) {
      if (err instanceof DependencyUnavailableError) {
        pending.catch(() => {}); // abandoned: do not let its late failure go unhandled
        throw err;
      }
      if (err instanceof ChromaConnectionError) throw unavailable(`${what}: connection failed`, err);
      if (err instanceof ChromaServerError) throw unavailable(`${what}: server error: ${err.message}`, err);
      // Credentials refused: a configuration problem, which the operator fixes, not the user.
      if (err instanceof ChromaUnauthorizedError || err instanceof ChromaForbiddenError) {
        throw unavailable(
          `${what}: credentials refused (${err.message}); check CHROMA_API_KEY / CHROMA_AUTH_TOKEN, CHROMA_TENANT and CHROMA_DATABASE`,
          err,
        );
      }
      if (isNetworkFailure(err)) throw unavailable(`${what}: ${(err as Error).message}`, err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };

  const batches = <T>(items: T[], size = MAX_BATCH): T[][] => {
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
    return out;
  };

  const toMetadata = (m: Metadata | null | undefined): VectorMetadata => {
    const out: VectorMetadata = {};
    if (!m) return out;
    for (const [key, value] of Object.entries(m)) {
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        out[key] = value;
    }
    return out;
  };

  const collections = new Map<string, VectorCollection>();
  const collection = (name: string): VectorCollection => {
    let existing = collections.get(name);
    if (!existing) {
      existing = openCollection(name);
      collections.set(name, existing);
    }
    return existing;
  };

  const openCollection = (name: string): VectorCollection => {
    let handle: Collection | undefined;

    const expected = async () => {
      await embedder.init?.();
      return { embedder: embedder.name, dimension: embedder.dimension };
    };

    const verify = (col: Collection, want: { embedder: string; dimension: number }) => {
      const stored = col.metadata ?? {};
      const storedEmbedder = typeof stored.embedder === 'string' ? stored.embedder : undefined;
      const storedDimension = typeof stored.dimension === 'number' ? stored.dimension : undefined;
      if (storedEmbedder !== want.embedder || storedDimension !== want.dimension) {
        throw new EmbedderMismatchError(name, { embedder: storedEmbedder, dimension: storedDimension }, want);
      }
    };

    const ensure = async ({ reset = false }: { reset?: boolean } = {}) => {
      const want = await expected();
      if (reset) {
        handle = undefined;
        try {
          await call(`deleting collection ${name}`, () => client.deleteCollection({ name }));
          logger.info('vector collection deleted', { collection: name });
        } catch (err) {
          if (!(err instanceof ChromaNotFoundError)) throw err;
        }
      }
      const col = await call(`opening collection ${name}`, () =>
        client.getOrCreateCollection({
          name,
          embeddingFunction: null,
          configuration: { hnsw: { space: 'cosine' } },
          metadata: { embedder: want.embedder, dimension: want.dimension },
        }),
      );
      verify(col, want);
      handle = col;
    };

    /** The ensured collection; a handle whose collection was deleted elsewhere is reopened once. */
    const withHandle = async <T>(what: string, run: (col: Collection) => Promise<T>): Promise<T> => {
      if (!handle) await ensure();
      try {
        return await call(what, () => run(handle!));
      } catch (err) {
        if (!(err instanceof ChromaNotFoundError)) throw err;
        handle = undefined;
        await ensure();
        return call(what, () => run(handle!));
      }
    };

    const checkVectors = (vectors: number[][]) => {
      for (const v of vectors) {
        if (v.length !== embedder.dimension) {
          throw new Error(
            `Vector of length ${v.length} for collection ${name}; ${embedder.name} makes ${embedder.dimension}-d vectors`,
          );
        }
      }
    };

    const upsertVectors = async (records: VectorRecord[]) => {
      if (records.length === 0) return;
      if (!handle) await ensure();
      checkVectors(records.map((r) => r.vector));
      // Chroma refuses empty metadata objects, so records with and without metadata go separately.
      const described = (r: VectorRecord) => r.metadata !== undefined && Object.keys(r.metadata).length > 0;
      for (const group of [records.filter(described), records.filter((r) => !described(r))]) {
        for (const batch of batches(group)) {
          await withHandle(`upserting into ${name}`, (col) =>
            col.upsert({
              ids: batch.map((r) => r.id),
              embeddings: batch.map((r) => r.vector),
              documents: batch.map((r) => r.document ?? ''),
              ...(described(batch[0] as VectorRecord)
                ? { metadatas: batch.map((r) => r.metadata as VectorMetadata) }
                : {}),
            }),
          );
        }
      }
    };

    const queryVectors = async (vectors: number[][], { k = 10, where, idsOnly }: QueryOptions = {}) => {
      if (vectors.length === 0) return [];
      if (!handle) await ensure();
      checkVectors(vectors);
      const result = await withHandle(`querying ${name}`, (col) =>
        col.query({
          queryEmbeddings: vectors,
          nResults: k,
          ...(where ? { where } : {}),
          include: idsOnly ? ['distances'] : ['metadatas', 'documents', 'distances'],
        }),
      );
      return vectors.map((_, q) => {
        const ids = result.ids[q] ?? [];
        return ids.map((id, i) => ({
          id,
          score: 1 - (result.distances[q]?.[i] ?? 1),
          metadata: toMetadata(result.metadatas?.[q]?.[i]),
          document: result.documents?.[q]?.[i] ?? null,
        }));
      });
    };

    const metadata = async () => {
      // The handle's metadata is a snapshot from when it was opened: read the stored one.
      const col = await withHandle(`reading collection ${name}`, () => client.getCollection({ name }));
      return toMetadata(col.metadata as Metadata | undefined);
    };

    return {
      name,
      ensure,
      upsertVectors,
      async upsert(items) {
        for (const batch of batches(items)) {
          const vectors = await embedder.embed(batch.map((item) => item.text));
          await upsertVectors(
            batch.map((item, i) => ({
              id: item.id,
              vector: vectors[i]!,
              document: item.text,
              ...(item.metadata ? { metadata: item.metadata } : {}),
            })),
          );
        }
      },
      queryVectors,
      async query(texts, queryOptions) {
        if (texts.length === 0) return [];
        return queryVectors(await embedder.embed(texts), queryOptions);
      },
      async getExistingIds(ids) {
        const existing = new Set<string>();
        for (const batch of batches([...new Set(ids)])) {
          const result = await withHandle(`reading ${name}`, (col) => col.get({ ids: batch, include: [] }));
          for (const id of result.ids) existing.add(id);
        }
        return existing;
      },
      async get(ids) {
        const out: { id: string; metadata: VectorMetadata; document: string | null }[] = [];
        for (const batch of batches([...new Set(ids)])) {
          const result = await withHandle(`reading ${name}`, (col) =>
            col.get({ ids: batch, include: ['metadatas', 'documents'] }),
          );
          result.ids.forEach((id, i) => {
            out.push({
              id,
              metadata: toMetadata(result.metadatas[i]),
              document: result.documents[i] ?? null,
            });
          });
        }
        return out;
      },
      async findIds(where, limit = 10_000) {
        const result = await withHandle(`reading ${name}`, (col) => col.get({ where, limit, include: [] }));
        return result.ids;
      },
      count: () => withHandle(`counting ${name}`, (col) => col.count()),
      async delete(ids) {
        for (const batch of batches([...new Set(ids)])) {
          await withHandle(`deleting from ${name}`, (col) => col.delete({ ids: batch }));
        }
      },
      metadata,
      async setMetadata(partial) {
        if (!handle) await ensure();
        // Chroma replaces the whole metadata on modify: merge with what is stored now.
        const current = await metadata();
        const merged: VectorMetadata = {
          ...current,
          ...partial,
          embedder: current.embedder ?? embedder.name,
          dimension: current.dimension ?? embedder.dimension,
        };
        await withHandle(`updating ${name}`, (col) => col.modify({ metadata: merged }));
      },
    };
  };

  return {
    url,
    embedder,
    collection,
    withEmbedder: (other) => createVectorStore({ ...options, embedder: other }),
    async heartbeat() {
      const started = performance.now();
      await call('heartbeat', () => client.heartbeat());
      return { latencyMs: Math.round(performance.now() - started) };
    },
  };
}
