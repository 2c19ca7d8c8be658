import pg from 'pg';
import { postgresAdminUrl } from './postgres';

/** Fails the run loudly (never skips) when the Postgres that scripts/test.sh ensures is not there. */
export default async function setup() {
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
}
