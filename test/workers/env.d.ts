/**
 * Minimal types for the workerd modules the tests use (@cloudflare/workers-types is not installed;
 * the package's own `cloudflare:test` types depend on it).
 */
interface TestD1Database {
  prepare(query: string): {
    bind(...values: unknown[]): { first<T = Record<string, unknown>>(): Promise<T | null> };
  };
}

interface TestD1Migration {
  name: string;
  queries: string[];
}

declare module 'cloudflare:workers' {
  /** Bindings of wrangler.toml plus those vitest.workers.config.ts adds. */
  export const env: { DB: TestD1Database; TEST_MIGRATIONS: TestD1Migration[] } & Record<string, unknown>;
  /** The `main` module's exports; `default.fetch` goes through the Workers runtime like a real request. */
  export const exports: {
    default: { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> };
  };
}

declare module 'cloudflare:test' {
  export function applyD1Migrations(
    db: TestD1Database,
    migrations: TestD1Migration[],
    migrationsTableName?: string,
  ): Promise<void>;
  export function createExecutionContext(): import('hono').ExecutionContext;
  export function waitOnExecutionContext(ctx: import('hono').ExecutionContext): Promise<void>;
}
