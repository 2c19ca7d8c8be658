import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startTestChroma } from './chroma';
import { postgresAdminUrl } from './postgres';
import { type Radosgw, startRadosgw } from './radosgw';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's S3 server (radosgw on loopback), shared by every test file. */
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
    /** The run's Chroma server URL (`chroma run` on loopback, fresh data folder), shared by every test file. */
    chroma: string;
  }
}

/**
 * Shared services, started once per run. Fails the run loudly (never skips) when Postgres, which
 * scripts/test.sh ensures, is not there, or radosgw or Chroma cannot start.
 */
export default async function setup(project: TestProject) {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    throw new Error(
      `Postgres is not reachable at ${postgresAdminUrl} (${(err as Error).message}). Run the tests with \`npm test\`, which starts it.`,
    );
  } finally {
    await client.end().catch(() => {});
  }

  const radosgw: Radosgw = await startRadosgw();
  const { endpoint, accessKeyId, secretAccessKey, region } = radosgw;
  project.provide('s3', { endpoint, accessKeyId, secretAccessKey, region });

  const chroma = await startTestChroma().catch(async (err: unknown) => {
    await radosgw.stop();
    throw err;
  });
  project.provide('chroma', chroma.url);
  return async () => {
    await Promise.all([radosgw.stop(), chroma.stop()]);
  };
}
