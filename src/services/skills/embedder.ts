import { DependencyUnavailableError } from '../../errors';

/**
 * Text embedders for the skills vector store. The built-in default (`createHashingEmbedder`) is
 * computed from the text itself: no model files, no network, the same numbers on Node and Workers.
 * An OpenAI-compatible embeddings endpoint (`createOpenAIEmbedder`) is the optional upgrade.
 *
 * A collection stores the embedder's `name` and `dimension`; vectors of different embedders must
 * never be mixed, so the name changes whenever the numbers an embedder produces would change.
 */
export interface Embedder {
  /** Identifies the algorithm (and its version and dimension) or the remote model. */
  readonly name: string;
  /** Length of every vector. Embedders that learn it from their first call throw until `init()`. */
  readonly dimension: number;
  /** One unit-length vector per text, in input order. */
  embed(texts: string[]): Promise<number[][]>;
  /** Makes `dimension` known (a probe call for remote embedders); cheap when it already is. */
  init?(): Promise<void>;
}

/** Cosine similarity of two vectors of the same length (0 when either is all zeros). */
export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`cosine: lengths differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

// ---------------------------------------------------------------------------------------------
// Hashing embedder

/**
 * Bump when features, weights or hashing change: the name is stored with every collection, and a
 * new name makes the seeder ask for a re-seed instead of silently mixing old and new vectors.
 */
const HASHING_VERSION = 'v1';

/** Feature groups and their weights (before the sublinear count transform and normalisation). */
const WEIGHTS = {
  /** Whole words: exact word matches are the strongest evidence. */
  word: 1.0,
  /** Adjacent word pairs: "machine learning" vs "learning machine". */
  bigram: 0.6,
  /** 3- and 4-grams of each word with boundary markers (`<java>`): typos, inflections, prefixes. */
  wordGram: 0.5,
  /** 3- and 4-grams of the whole text with spaces removed: "java script" ~ "javascript". */
  joinedGram: 0.6,
} as const;

/** Distinct seeds per group so that the word "net" and the trigram "net" are different features. */
const SEEDS = { word: 0x811c9dc5, bigram: 0x01000193, wordGram: 0x9e3779b9, joinedGram: 0x85ebca6b };

/** Lower case, accents folded (NFKD, combining marks dropped): "Résumé" -> "resume". */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

/**
 * Words: runs of letters and digits, with a trailing `+`/`#` kept so "C++", "C#" and "C" stay
 * apart. Dots, hyphens, slashes and spaces split ("node.js" -> node, js).
 */
const WORD = /[\p{L}\p{N}]+[+#]*/gu;

export function words(text: string): string[] {
  return foldText(text).match(WORD) ?? [];
}

/** FNV-1a, 32 bit, over UTF-16 code units, from a per-group seed. */
function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Final avalanche (murmur3 fmix32): FNV's low bits are weak for short inputs.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function addGrams(counts: Map<string, number>, text: string, sizes: readonly number[]) {
  for (const n of sizes) {
    if (text.length < n) continue;
    for (let i = 0; i + n <= text.length; i++) {
      const gram = text.slice(i, i + n);
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
    }
  }
}

/**
 * The default embedder: signed feature hashing of word unigrams, word bigrams and character
 * n-grams, sublinear (1 + ln count) weights, L2-normalised. Deterministic and pure TypeScript.
 * Similar spellings land close ("kubernets" ~ "Kubernetes", "java script" ~ "JavaScript"); it
 * knows nothing about meaning ("JS" ~ "JavaScript" only through alias labels).
 */
export function createHashingEmbedder({ dimension = 384 }: { dimension?: number } = {}): Embedder {
  if (!Number.isInteger(dimension) || dimension < 16 || dimension > 65_536) {
    throw new Error(`hashing embedder: dimension must be an integer in 16..65536 (got ${dimension})`);
  }
  const name = `hashing-ngram-${HASHING_VERSION}-${dimension}`;

  const add = (vector: Float64Array, counts: Map<string, number>, seed: number, weight: number) => {
    for (const [feature, count] of counts) {
      const h = fnv1a(feature, seed);
      // Low bits pick the bucket, the top bit the sign (collisions cancel out on average).
      const index = (h & 0x7fffffff) % dimension;
      const value = weight * (1 + Math.log(count));
      vector[index]! += h & 0x80000000 ? -value : value;
    }
  };

  const embedOne = (text: string): number[] => {
    const vector = new Float64Array(dimension);
    const tokens = words(text);
    if (tokens.length > 0) {
      const unigrams = new Map<string, number>();
      const bigrams = new Map<string, number>();
      const wordGrams = new Map<string, number>();
      const joinedGrams = new Map<string, number>();
      for (let i = 0; i < tokens.length; i++) {
        const token = tokens[i]!;
        unigrams.set(token, (unigrams.get(token) ?? 0) + 1);
        if (i > 0) {
          const pair = `${tokens[i - 1]} ${token}`;
          bigrams.set(pair, (bigrams.get(pair) ?? 0) + 1);
        }
        addGrams(wordGrams, `<${token}>`, [3, 4]);
      }
      // Joined without separators, so "java script" shares these with "javascript".
      addGrams(joinedGrams, tokens.join(''), [3, 4]);
      add(vector, unigrams, SEEDS.word, WEIGHTS.word);
      add(vector, bigrams, SEEDS.bigram, WEIGHTS.bigram);
      add(vector, wordGrams, SEEDS.wordGram, WEIGHTS.wordGram);
      add(vector, joinedGrams, SEEDS.joinedGram, WEIGHTS.joinedGram);
    }
    let norm = 0;
    for (let i = 0; i < dimension; i++) norm += vector[i]! * vector[i]!;
    norm = Math.sqrt(norm);
    const out = new Array<number>(dimension);
    for (let i = 0; i < dimension; i++) out[i] = norm === 0 ? 0 : vector[i]! / norm;
    return out;
  };

  return {
    name,
    dimension,
    async embed(texts: string[]) {
      return texts.map(embedOne);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// OpenAI-compatible embeddings endpoint

/** The provider rejected the request (4xx): a configuration or input problem, not an outage. */
export class EmbeddingsRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EmbeddingsRequestError';
  }
}

export interface OpenAIEmbedderOptions {
  /** e.g. `https://api.openai.com/v1`; requests go to `${baseUrl}/embeddings`. */
  baseUrl: string;
  model: string;
  apiKey?: string;
  fetch: typeof fetch;
  /** Known vector length; when absent it is learned from the first call (see `init`). */
  dimension?: number;
  /** Texts per request (at most 256, the default). */
  batchSize?: number;
  /** Bound on each request, default 30 s. */
  timeoutMs?: number;
}

export interface OpenAIEmbedder extends Embedder {
  /** Learns `dimension` with a one-text probe call when it was not given. */
  init(): Promise<void>;
}

const MAX_BATCH = 256;

/**
 * An embedder over `POST ${baseUrl}/embeddings` (OpenAI's API, also served by Ollama, vLLM,
 * LM Studio, LiteLLM...). Outages (network errors, timeouts, 5xx, 408/429) become
 * `DependencyUnavailableError('vector_store')` — the vector search cannot work without them —;
 * other 4xx become `EmbeddingsRequestError` with the provider's message. The key never appears in
 * an error.
 */
export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): OpenAIEmbedder {
  const { model, apiKey, fetch: fetchFn } = options;
  const baseUrl = options.baseUrl.replace(/(?<!\/)\/+$/, '');
  const endpoint = `${baseUrl}/embeddings`;
  const batchSize = Math.min(Math.max(1, Math.floor(options.batchSize ?? MAX_BATCH)), MAX_BATCH);
  const timeoutMs = options.timeoutMs ?? 30_000;
  let dimension = options.dimension;

  const redact = (text: string) => (apiKey ? text.split(apiKey).join('***') : text);
  const unavailable = (detail: string, cause?: unknown) =>
    new DependencyUnavailableError(
      'vector_store',
      redact(`Embeddings endpoint at ${endpoint} is unavailable: ${detail}`),
      {
        cause,
      },
    );

  const providerMessage = (body: string): string => {
    try {
      const parsed = JSON.parse(body) as {
        error?: string | { message?: unknown };
        message?: unknown;
        detail?: unknown;
      };
      const candidate =
        typeof parsed.error === 'string'
          ? parsed.error
          : (parsed.error?.message ?? parsed.message ?? parsed.detail);
      if (typeof candidate === 'string' && candidate) return candidate;
    } catch {
      // not JSON
    }
    return body.trim().slice(0, 300) || '(empty body)';
  };

  const request = async (input: string[]): Promise<number[][]> => {
    let response: Response;
    let body: string;
    try {
      response = await fetchFn(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        body: JSON.stringify({ model, input }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await response.text();
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw unavailable(`no answer within ${timeoutMs} ms`, err);
      }
      const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
      throw unavailable(cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err), err);
    }
    if (response.status >= 500 || response.status === 408 || response.status === 429) {
      throw unavailable(`HTTP ${response.status}: ${providerMessage(body)}`);
    }
    if (!response.ok) {
      throw new EmbeddingsRequestError(
        response.status,
        redact(
          `Embeddings request to ${endpoint} failed (HTTP ${response.status}): ${providerMessage(body)}`,
        ),
      );
    }
    let data: unknown;
    try {
      data = (JSON.parse(body) as { data?: unknown }).data;
    } catch {
      throw unavailable('the answer is not JSON');
    }
    if (!Array.isArray(data) || data.length !== input.length) {
      throw new Error(
        `Embeddings endpoint ${endpoint} returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${input.length} texts`,
      );
    }
    const vectors = new Array<number[]>(input.length);
    for (const [position, item] of (data as { index?: unknown; embedding?: unknown }[]).entries()) {
      const index = typeof item?.index === 'number' ? item.index : position;
      const embedding = item?.embedding;
      if (!Array.isArray(embedding) || embedding.length === 0 || typeof embedding[0] !== 'number') {
        throw new Error(
          `Embeddings endpoint ${endpoint} returned a vector that is not a list of numbers (is encoding_format float?)`,
        );
      }
      if (index < 0 || index >= input.length || vectors[index]) {
        throw new Error(`Embeddings endpoint ${endpoint} returned a bad or repeated index ${index}`);
      }
      vectors[index] = embedding as number[];
    }
    return vectors;
  };

  const checkDimension = (vectors: number[][]) => {
    for (const vector of vectors) {
      if (dimension === undefined) dimension = vector.length;
      else if (vector.length !== dimension) {
        throw new Error(
          `Embeddings model ${model} returned ${vector.length}-d vectors, expected ${dimension}-d`,
        );
      }
    }
  };

  return {
    name: `openai:${model}`,
    get dimension(): number {
      if (dimension === undefined) {
        throw new Error(`The dimension of embeddings model ${model} is not known yet: await init() first`);
      }
      return dimension;
    },
    async init() {
      if (dimension !== undefined) return;
      checkDimension(await request(['dimension probe']));
    },
    async embed(texts: string[]) {
      const out: number[][] = [];
      for (let start = 0; start < texts.length; start += batchSize) {
        const vectors = await request(texts.slice(start, start + batchSize));
        checkDimension(vectors);
        for (const vector of vectors) out.push(normalise(vector));
      }
      return out;
    },
  };
}

/** Unit length (most providers already return it; cosine search does not care, mixing does). */
function normalise(vector: number[]): number[] {
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  return norm === 0 ? vector : vector.map((x) => x / norm);
}

/**
 * The embedder the configuration asks for: the OpenAI-compatible endpoint when
 * EMBEDDINGS_BASE_URL is set (EMBEDDINGS_MODEL is then required), else the built-in hashing one.
 */
export function createEmbedderFromConfig(
  config: {
    EMBEDDINGS_BASE_URL?: string | undefined;
    EMBEDDINGS_MODEL?: string | undefined;
    EMBEDDINGS_API_KEY?: string | undefined;
  },
  deps: { fetch: typeof fetch },
): Embedder {
  if (!config.EMBEDDINGS_BASE_URL) return createHashingEmbedder();
  if (!config.EMBEDDINGS_MODEL)
    throw new Error('EMBEDDINGS_MODEL is required when EMBEDDINGS_BASE_URL is set');
  return createOpenAIEmbedder({
    baseUrl: config.EMBEDDINGS_BASE_URL,
    model: config.EMBEDDINGS_MODEL,
    ...(config.EMBEDDINGS_API_KEY ? { apiKey: config.EMBEDDINGS_API_KEY } : {}),
    fetch: deps.fetch,
  });
}
