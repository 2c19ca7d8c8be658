import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { postgresAdminUrl } from './postgres';
import { type Radosgw, startRadosgw } from './radosgw';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's S3 server (radosgw on loopback), shared by every test file. */
    s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string };
  }
}

/**
 * Shared services, started once per run. Fails the run loudly (never skips) when Postgres, which
 * scripts/test.sh ensures, is not there, or radosgw cannot start.
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
  return async () => {
    await radosgw.stop();
  };
}
