import { createRoute, z } from '@hono/zod-openapi';
import type { Clock } from '../clock';
import type { Database } from '../db/database';
import type { AuthGuard } from '../middleware/auth';
import { type OpsAccess, requireOpsAccess } from '../middleware/ops-access';
import { authErrorResponses, bearerSecurity, createRouter, errorResponse, jsonResponse } from '../openapi';

/** A dependency's state as `/api/health` shows it. */
export type Probe = () => Promise<string>;

export interface HealthDeps {
  database: Database;
  guard: AuthGuard;
  /** `storage` and `vector_store` probes come from their services; absent means not set up. */
  probes: { storage?: Probe; vector_store?: Probe };
  llmConfigured: boolean;
  /** Which issuer the tokens are checked against: said plainly, since `development` must never be live. */
  auth: 'auth0' | 'development';
  clock: Clock;
  /** `?deep=1` is for holders of the ops token. */
  ops: OpsAccess;
  /** How long a health report is reused (default 5 s): probes are a query, a HeadBucket and a Chroma call. */
  cacheMs?: number;
}

const PongSchema = z.object({ message: z.literal('pong') }).openapi('Pong');

const HealthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    auth: z.enum(['auth0', 'development']).openapi({
      description:
        '`development`: tokens from the local development issuer are accepted (never in production)',
    }),
    checked_at: z
      .string()
      .openapi({ description: 'When the dependencies were probed (reports are reused for 5 s)' }),
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

type HealthReport = z.infer<typeof HealthSchema>;

/**
 * Health reports, reused for `cacheMs`: any number of requests cost at most one probe of each
 * dependency per period, and requests that arrive while one is running share it.
 */
function healthReports(deps: HealthDeps) {
  const databaseProbe: Probe = () => deps.database.ping().then(() => 'ok');
  const cacheMs = deps.cacheMs ?? 5_000;
  let last: { at: number; report: Promise<HealthReport> } | undefined;

  async function probe(): Promise<HealthReport> {
    const checkedAt = deps.clock.now();
    const [database, storage, vectorStore] = await Promise.all([
      settle(databaseProbe, 'down'),
      settle(deps.probes.storage, 'local'),
      settle(deps.probes.vector_store, 'down'),
    ]);
    return {
      status: database === 'ok' ? 'ok' : 'degraded',
      auth: deps.auth,
      checked_at: checkedAt.toISOString(),
      checks: {
        database: database === 'ok' ? 'ok' : 'down',
        storage,
        vector_store: vectorStore,
        llm: deps.llmConfigured ? 'configured' : 'unconfigured',
      },
    };
  }

  return {
    get(fresh: boolean): Promise<HealthReport> {
      const now = deps.clock.now().getTime();
      if (!fresh && last && now - last.at < cacheMs) return last.report;
      const report = probe();
      last = { at: now, report };
      return report;
    },
  };
}

export function healthRoutes(deps: HealthDeps) {
  const reports = healthReports(deps);

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
        description:
          'Probes the database, storage and vector store at most once every few seconds (reports are ' +
          'reused). `?deep=1` probes now; it needs the ops token (`Authorization: Bearer $METRICS_TOKEN`).',
        request: {
          query: z.object({
            deep: z
              .enum(['0', '1'])
              .optional()
              .openapi({ description: '`1`: probe now instead of reusing a report' }),
          }),
        },
        responses: {
          200: jsonResponse(HealthSchema, 'Every required dependency answers'),
          401: errorResponse('`deep=1` without the ops token'),
          404: errorResponse('`deep=1` in production with no METRICS_TOKEN set'),
          503: jsonResponse(HealthSchema, 'The database is down'),
        },
      }),
      async (c) => {
        const deep = c.req.valid('query').deep === '1';
        if (deep) requireOpsAccess(deps.ops, c.req.header('Authorization'), 'A deep health check');
        const report = await reports.get(deep);
        c.header('Cache-Control', 'no-store');
        return report.status === 'ok' ? c.json(report, 200) : c.json(report, 503);
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
