import { parseArgs } from 'node:util';
import { systemClock } from '../clock';
import { ConfigError } from '../config';
import { createResumeStore } from '../db/resumes';
import { createJsonLogger, describeError, type LogFields } from '../logger';
import { s3StorageFromConfig } from '../services/storage/from-config';
import { sweepOrphanObjects } from '../services/storage/sweep';
import { openNodeDatabase } from './database';
import { loadNodeConfig } from './environment';
import { createLocalStorage } from './local-storage';

/**
 * One storage sweep on the configured database and storage (S3 when S3_BUCKET_NAME is set, else
 * UPLOAD_DIR), as the server would open them:
 *   npm run storage:sweep -- [--older-than-minutes 60]
 *
 * It does not apply migrations: on a database without the schema it fails instead of taking every
 * object for an orphan.
 */

function olderThanMs(value: string): number {
  if (!/^\d{1,7}$/.test(value)) throw new Error('--older-than-minutes takes a whole number of minutes');
  return Number(value) * 60_000;
}

async function main() {
  const { values } = parseArgs({ options: { 'older-than-minutes': { type: 'string', default: '60' } } });
  const olderThan = olderThanMs(values['older-than-minutes']);
  const config = loadNodeConfig();
  // Logs (one line per object removed, failures) go to stderr; the summary to stdout.
  const logger = createJsonLogger((line) => process.stderr.write(`${line}\n`), {}, config.LOG_LEVEL);
  const storage = s3StorageFromConfig(config, { logger }) ?? createLocalStorage(config.UPLOAD_DIR);
  const where = storage.kind === 's3' ? `bucket ${storage.bucket}` : `local folder ${config.UPLOAD_DIR}`;
  const database = openNodeDatabase(config);
  try {
    const result = await sweepOrphanObjects({
      storage,
      resumes: createResumeStore(database),
      clock: systemClock,
      logger,
      olderThanMs: olderThan,
    });
    console.log(
      `Storage sweep (${where}): ${result.scanned} scanned, ${result.removed} removed, ${result.kept} kept, ` +
        `${result.pendingResolved} pending removals resolved` +
        (result.failed > 0 ? `, ${result.failed} removals failed (see the log).` : '.'),
    );
    if (result.failed > 0) process.exitCode = 1;
  } finally {
    await database.close();
  }
}

/** The error and its causes, as the logs would show them (a failed query's parameters left out). */
function explain(err: unknown): string {
  const parts: string[] = [];
  for (
    let fields: LogFields | undefined = describeError(err);
    fields;
    fields = fields.cause as LogFields | undefined
  ) {
    const message = String(fields.error_message ?? fields.error);
    // Drivers often wrap an error in one that repeats its message.
    if (!parts.some((part) => part.includes(message))) parts.push(message);
  }
  return parts.join(': ');
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : `Storage sweep failed: ${explain(err)}`;
  console.error(message);
  process.exit(1);
});
