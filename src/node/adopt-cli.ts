import { parseArgs } from 'node:util';
import { ConfigError } from '../config';
import { AdoptError, adoptFlaskData, planAdoption, type TableSummary } from '../services/adopt/adopt';
import { migrateDatabase, openNodeDatabase } from './database';
import { loadNodeConfig } from './environment';
import { describeFlaskLocation, openFlaskSource, parseFlaskUrl } from './flask-source';
import { progressBar } from './progress';

/**
 * `npm run db:adopt -- <flask database URL>`: copies the Flask backend's users and jobs into the
 * configured database (src/services/adopt/adopt.ts). Safe to run again: it writes only what is new
 * or changed. The source is opened read-only.
 */
const usage =
  'usage: npm run db:adopt -- <flask database URL> (sqlite:///path.db, sqlite:////abs/path.db, file:path.db, postgresql://…)';

function line(summary: TableSummary): string {
  if (!summary.inSource) return `  ${summary.table}: not in the source`;
  const renumbered =
    summary.renumbered > 0 ? ` (${summary.renumbered} under a new id: theirs was taken)` : '';
  return (
    `  ${summary.table}: ${summary.read} read, ${summary.inserted} new${renumbered}, ` +
    `${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.skipped} skipped`
  );
}

async function main() {
  const { positionals } = parseArgs({ allowPositionals: true, options: {} });
  const [url] = positionals;
  if (url === undefined || positionals.length > 1) throw new AdoptError(usage);
  // The source is checked before the target is opened: a wrong URL creates or migrates nothing.
  const location = parseFlaskUrl(url);
  const source = await openFlaskSource(location);
  try {
    const plan = await planAdoption(source);
    const config = loadNodeConfig();
    const database = openNodeDatabase(config);
    try {
      if (config.MIGRATE_ON_START) await migrateDatabase(database);
      const bar = progressBar('adopting', plan.total);
      const summaries = await adoptFlaskData(plan, database, {
        now: new Date(),
        onProgress: ({ done }) => bar.update(done),
      });
      const seconds = bar.done();
      console.log(
        `Adopted ${describeFlaskLocation(location)} into ${database.dialect} (${database.driver}) in ${seconds.toFixed(1)} s:`,
      );
      for (const summary of summaries) {
        console.log(line(summary));
        for (const { reason, count, ids } of summary.skips) {
          const more = count > ids.length ? `, …` : '';
          console.log(
            `    skipped ${count}: ${reason} (id${ids.length === 1 ? '' : 's'} ${ids.join(', ')}${more})`,
          );
        }
      }
    } finally {
      await database.close();
    }
  } finally {
    await source.close();
  }
}

main().catch((err: unknown) => {
  // One line, no stack: the operator reads what went wrong, not where in the code.
  const message =
    err instanceof ConfigError || err instanceof AdoptError
      ? err.message
      : `Adopt failed: ${(err as Error).message}`;
  console.error(
    message
      .split('\n')
      .map((part) => part.trim())
      .filter(Boolean)
      .join(' '),
  );
  process.exit(1);
});
