import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Runs inside workerd before each test file: the SQLite migrations (read in Node by the config)
// applied to the local D1 binding. Already-applied migrations are skipped.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
