import { ConfigError } from '../config';
import { migrateDatabase, openNodeDatabase } from './database';
import { loadNodeConfig } from './environment';

/** `npm run db:migrate`: applies pending migrations to the configured database (the seed's `flask db upgrade`). */
try {
  const config = loadNodeConfig();
  const database = openNodeDatabase(config);
  await migrateDatabase(database);
  await database.close();
  console.log(`Migrations applied (${database.dialect}, ${database.driver}).`);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `Migration failed: ${(err as Error).message}`);
  process.exit(1);
}
