import type { Config } from '../../config';

export interface ChromaConnection {
  url: string;
  headers?: Record<string, string>;
  tenant?: string;
  database?: string;
}

/**
 * Where Chroma is and how to be let in, from the configuration (Node and Workers alike): a hosted
 * Chroma (Chroma Cloud: `CHROMA_API_KEY`, `CHROMA_TENANT`, `CHROMA_DATABASE`) or a token-protected
 * server (`CHROMA_AUTH_TOKEN` in `Authorization: Bearer` or `X-Chroma-Token`), which a Worker needs.
 */
export function chromaConnection(
  config: Pick<
    Config,
    | 'CHROMA_API_KEY'
    | 'CHROMA_AUTH_TOKEN'
    | 'CHROMA_AUTH_TOKEN_TRANSPORT_HEADER'
    | 'CHROMA_TENANT'
    | 'CHROMA_DATABASE'
  >,
  url: string,
): ChromaConnection {
  const headers: Record<string, string> = {};
  if (config.CHROMA_API_KEY) headers['x-chroma-token'] = config.CHROMA_API_KEY;
  if (config.CHROMA_AUTH_TOKEN) {
    if (/^authorization$/i.test(config.CHROMA_AUTH_TOKEN_TRANSPORT_HEADER)) {
      headers.authorization = `Bearer ${config.CHROMA_AUTH_TOKEN}`;
    } else {
      headers['x-chroma-token'] = config.CHROMA_AUTH_TOKEN;
    }
  }
  return {
    url,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(config.CHROMA_TENANT ? { tenant: config.CHROMA_TENANT } : {}),
    ...(config.CHROMA_DATABASE ? { database: config.CHROMA_DATABASE } : {}),
  };
}
