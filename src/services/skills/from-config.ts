import type { Config } from '../../config';
import type { Logger } from '../../logger';
import type { Telemetry } from '../telemetry';
import { chromaConnection } from './chroma-connection';
import { createEmbedderFromConfig } from './embedder';
import { createVectorStore, type VectorStore } from './vector-store';

/**
 * The vector store the configuration names: Chroma at `url` (with CHROMA_API_KEY or
 * CHROMA_AUTH_TOKEN, tenant and database), embedding with the configured embedder (local hashing
 * or EMBEDDINGS_BASE_URL). The one wiring both entries use: the Node server (for CHROMA_URL or its
 * local Chroma child) and the Worker.
 */
export function vectorStoreFromConfig(
  config: Config,
  url: string,
  deps: { fetch: typeof fetch; logger: Logger; telemetry?: Telemetry },
): VectorStore {
  return createVectorStore({
    ...chromaConnection(config, url),
    embedder: createEmbedderFromConfig(config, {
      fetch: deps.telemetry ? deps.telemetry.fetch('embeddings', deps.fetch) : deps.fetch,
    }),
    logger: deps.logger,
    telemetry: deps.telemetry,
  });
}
