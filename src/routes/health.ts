import { createRoute, z } from '@hono/zod-openapi';
import type { Database } from '../db/database';
import type { AuthGuard } from '../middleware/auth';
import { authErrorResponses, bearerSecurity, createRouter, jsonResponse } from '../openapi';

/** A dependency's state as `/api/health` shows it. */
export type Probe = () => Promise<string>;

export interface HealthDeps {
  database: Database;
  guard: AuthGuard;
  /** `storage` and `vector_store` probes come from their services; absent means not set up. */
  probes: { storage?: Probe; vector_store?: Probe };
  llmConfigured: boolean;
}

const PongSchema = z.object({ message: z.literal('pong') }).openapi('Pong');

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    checks: z.object({
      database: z.enum(['ok', 'down']),
      storage: z.string().openapi({ description: 'ok | down | local' }),
      vector_store: z.string().openapi({ description: 'ok | down' }),
      llm: z.enum(['configured', 'unconfigured']),
    }),
  })
  .openapi('Health');

const probeTimeoutMs = 2_000;

async function settle(probe: Probe | undefined, fallback: string): Promise<string> {
  if (!probe) return fallback;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('down'), probeTimeoutMs);
  });
  try {
    return await Promise.race([probe().catch(() => 'down'), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: HealthDeps) {
  const databaseProbe: Probe = () => deps.database.ping().then(() => 'ok');

  return createRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/ping',
        tags: ['Health'],
        summary: 'Liveness check (public)',
        responses: { 200: jsonResponse(PongSchema, 'The server is up') },
      }),
      (c) => c.json({ message: 'pong' as const }, 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/health',
        tags: ['Health'],
        summary: 'Dependency status (public; no secrets, no versions)',
        responses: {
          200: jsonResponse(HealthSchema, 'Every required dependency answers'),
          503: jsonResponse(HealthSchema, 'The database is down'),
        },
      }),
      async (c) => {
        const [database, storage, vectorStore] = await Promise.all([
          settle(databaseProbe, 'down'),
          settle(deps.probes.storage, 'local'),
          settle(deps.probes.vector_store, 'down'),
        ]);
        const body = {
          status: database === 'ok' ? ('ok' as const) : ('degraded' as const),
          checks: {
            database: database === 'ok' ? ('ok' as const) : ('down' as const),
            storage,
            vector_store: vectorStore,
            llm: deps.llmConfigured ? ('configured' as const) : ('unconfigured' as const),
          },
        };
        c.header('Cache-Control', 'no-store');
        return database === 'ok' ? c.json(body, 200) : c.json(body, 503);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/ping-protected',
        tags: ['Health'],
        summary: 'Checks a bearer token',
        security: bearerSecurity,
        middleware: [deps.guard()] as const,
        responses: {
          200: jsonResponse(z.object({ message: z.literal('pong'), sub: z.string() }), 'The token is valid'),
          ...authErrorResponses,
        },
      }),
      (c) => c.json({ message: 'pong' as const, sub: c.var.auth.sub }, 200),
    );
}
